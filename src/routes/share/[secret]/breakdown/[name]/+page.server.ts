import { error } from '@sveltejs/kit';
import { DETAILS_PAGE, readDashboard } from '$lib/server/stats/dashboard';
import { couch } from '$lib/server/couch';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { sharedPages } from '$lib/shell';
import { shownBreakdown, type BreakdownName } from '$lib/stats/catalogue';
import type { PageServerLoad } from './$types';

/**
 * A shared dashboard's breakdown details (the owner's `/sites/ID/breakdown/NAME`): the
 * share link's own site only, a table its dashboard shows, read-only.
 */
export const load = (async ({ params, url, setHeaders }) => {
	const site = await findSiteByShareLink(couch(), params.secret);
	// Same answer for a malformed, revoked or unknown secret: nothing to reveal.
	if (!site) error(404, 'This share link does not exist or was turned off.');
	const breakdown = shownBreakdown(params.name);
	if (!breakdown) error(404, 'There is no such table.');
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	return {
		name: breakdown.name,
		pageSize: DETAILS_PAGE,
		shared: sharedPages(site),
		dashboard: await readDashboard(couch(), site, url.searchParams, {
			paged: breakdown.name as BreakdownName
		})
	};
}) satisfies PageServerLoad;
