import { liveRequest } from '$lib/server/live/handler';
import type { RequestHandler } from './$types';

/** Live updates of a site over Server-Sent Events: `?site=ID` (owner, token or `share=`). */
export const GET = (({ url, request, locals }) =>
	liveRequest({ url, request, locals })) satisfies RequestHandler;
