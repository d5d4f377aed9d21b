import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { readDashboard, WALK_SECTIONS } from '$lib/server/stats/dashboard';
import type { LayoutServerLoad } from './$types';

/**
 * The dashboard's journeys and paths, apart from its page load (which a live push
 * re-reads): this load re-runs only when its own query parameters change (range, filter,
 * `journey`, `step`); the viewer's Refresh reads them through /api/v1/dashboard?part=walks.
 */
export const load = (async ({ locals, url, params }) => {
	const site = await siteForPage(requireUser(locals.user, url), params.site);
	const options = { sections: WALK_SECTIONS };
	return { walks: await readDashboard(couch(), site, url.searchParams, options) };
}) satisfies LayoutServerLoad;
