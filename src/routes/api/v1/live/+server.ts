import { liveRequest } from '$lib/server/live/handler';
import type { RequestHandler } from './$types';

/** Live updates of a site over Server-Sent Events: `?site=ID` (owner, token or `share=`). */
export const GET = (({ url, request, locals }) =>
	liveRequest({ url, request, locals })) satisfies RequestHandler;

/**
 * Whether the server is there, without a stream or a read: a dashboard asks before it
 * re-reads its numbers (src/lib/components/dashboard/live.svelte.ts). Says nothing of
 * any site, so it needs no credentials.
 */
export const HEAD = (() =>
	new Response(null, {
		status: 204,
		headers: { 'cache-control': 'no-store' }
	})) satisfies RequestHandler;
