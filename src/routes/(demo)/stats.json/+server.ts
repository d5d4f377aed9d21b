import { couch } from '$lib/server/couch';
import { sharedPublicStats } from '../stats/public-stats';
import type { RequestHandler } from './$types';

/**
 * The public /stats page's numbers as JSON, which the page re-reads on live pushes
 * (src/lib/reread.ts). Public, as the page is.
 */
export const GET = (async () =>
	Response.json(await sharedPublicStats(couch()), {
		headers: { 'cache-control': 'no-store' }
	})) satisfies RequestHandler;
