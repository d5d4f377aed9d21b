import { error } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { readSessionsPage } from '$lib/server/sessions/pages';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { sharedPages } from '$lib/shell';
import type { PageServerLoad } from './$types';

/** The session list through a share link, when the owner lets it show sessions. */
export const load = (async ({ params, url, setHeaders }) => {
	const site = await findSiteByShareLink(couch(), params.secret);
	// Same answer for an unknown secret and one that shows no sessions: nothing to reveal.
	if (!site?.shareSessions) error(404, 'This share link does not exist or shows no sessions.');
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	return {
		sessions: await readSessionsPage(couch(), site, url.searchParams, Date.now(), true),
		shared: sharedPages(site)
	};
}) satisfies PageServerLoad;
