import { error } from '@sveltejs/kit';
import { LIVE_SECTIONS, readDashboard } from '$lib/server/stats/dashboard';
import { couch } from '$lib/server/couch';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { showsSessions } from '$lib/server/stats/authorize';
import { sharedPages } from '$lib/shell';
import { timeZoneGroups } from '$lib/time-zones';
import type { PageServerLoad } from './$types';

export const load = (async ({ params, url, setHeaders }) => {
	// Journeys and paths are the layout's (+layout.server.ts); a live push re-reads this
	// part through /api/v1/dashboard?part=live.
	const site = await findSiteByShareLink(couch(), params.secret);
	// Same answer for a malformed, revoked or unknown secret: nothing to reveal.
	if (!site) error(404, 'This share link does not exist or was turned off.');
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	return {
		// Live visitors one by one only if the owner switched sessions on (a security probe:
		// they were listed, with their pages, countries and browsers, whatever the switch).
		dashboard: await readDashboard(couch(), site, url.searchParams, {
			sections: LIVE_SECTIONS,
			liveSessions: showsSessions({ share: params.secret }, site)
		}),
		shared: sharedPages(site),
		timeZones: timeZoneGroups(Date.now())
	};
}) satisfies PageServerLoad;
