import { error } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { readDashboard, WALK_SECTIONS } from '$lib/server/stats/dashboard';
import type { LayoutServerLoad } from './$types';

/**
 * The shared dashboard's journeys and paths, apart from its page load (which a live push
 * re-reads): this load re-runs only when its own query parameters change (range, filter,
 * `journey`, `step`); the viewer's Refresh reads them through /api/v1/dashboard?part=walks.
 */
export const load = (async ({ params, url }) => {
	const site = await findSiteByShareLink(couch(), params.secret);
	if (!site) error(404, 'This share link does not exist or was turned off.');
	const options = { sections: WALK_SECTIONS };
	return { walks: await readDashboard(couch(), site, url.searchParams, options) };
}) satisfies LayoutServerLoad;
