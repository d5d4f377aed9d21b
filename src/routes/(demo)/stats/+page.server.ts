import { couch } from '$lib/server/couch';
import type { PageServerLoad } from './$types';
import { sharedPublicStats } from './public-stats';

/** A live push re-reads these numbers through /stats.json (../stats.json/+server.ts). */
export const load = (async ({ setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store' });
	return { stats: await sharedPublicStats(couch()) };
}) satisfies PageServerLoad;
