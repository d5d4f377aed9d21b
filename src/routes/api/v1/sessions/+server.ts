import { handleSessionList } from '$lib/server/sessions/handler';
import type { RequestHandler } from './$types';

/** The Sessions API's list (README, Sessions API): `?site=ID&from=&to=&tz=&cursor=&format=csv`. */
export const GET = (({ url, request, locals }) =>
	handleSessionList({ url, request, locals })) satisfies RequestHandler;
