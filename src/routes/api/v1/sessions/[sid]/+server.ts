import { handleSessionTimeline } from '$lib/server/sessions/handler';
import type { RequestHandler } from './$types';

/** One session's summary and timeline (README, Sessions API): `?site=ID&after=`. */
export const GET = (({ url, request, locals, params }) =>
	handleSessionTimeline({ url, request, locals }, params.sid)) satisfies RequestHandler;
