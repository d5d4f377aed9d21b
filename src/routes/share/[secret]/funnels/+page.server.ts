import { error } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { readFunnelPage } from '$lib/server/funnels/pages';
import { sharedPages } from '$lib/shell';
import { timeZoneGroups } from '$lib/time-zones';
import type { PageServerLoad } from './$types';

/** A site's funnels through its share link: counts only, read-only, that site's alone. */
export const load = (async ({ params, url, setHeaders }) => {
	const site = await findSiteByShareLink(couch(), params.secret);
	// Same answer for a malformed, revoked or unknown secret, as the share page: nothing to reveal.
	if (!site) error(404, 'This share link does not exist or was turned off.');
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	return {
		funnels: await readFunnelPage(couch(), site, url.searchParams, Date.now()),
		shared: sharedPages(site),
		timeZones: timeZoneGroups(Date.now())
	};
}) satisfies PageServerLoad;
