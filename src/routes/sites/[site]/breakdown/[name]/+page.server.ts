import { error } from '@sveltejs/kit';
import { DETAILS_PAGE, readDashboard } from '$lib/server/stats/dashboard';
import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { shownBreakdown, type BreakdownName } from '$lib/stats/catalogue';
import type { PageServerLoad } from './$types';

/** A breakdown's details: every row, a page of 100 at a time, with a search (F1, probe46a). */
export const load = (async ({ locals, url, params }) => {
	const site = await siteForPage(requireUser(locals.user, url), params.site);
	const breakdown = shownBreakdown(params.name);
	if (!breakdown) error(404, 'There is no such table.');
	return {
		name: breakdown.name,
		pageSize: DETAILS_PAGE,
		dashboard: await readDashboard(couch(), site, url.searchParams, {
			paged: breakdown.name as BreakdownName
		})
	};
}) satisfies PageServerLoad;
