import { couch } from '$lib/server/couch';
import type { PageServerLoad } from './$types';
import { readPublicStats } from './public-stats';

export const load = (async ({ depends, setHeaders }) => {
	depends('couchstats:public-stats');
	setHeaders({ 'cache-control': 'no-store' });
	return { stats: await readPublicStats(couch()) };
}) satisfies PageServerLoad;
