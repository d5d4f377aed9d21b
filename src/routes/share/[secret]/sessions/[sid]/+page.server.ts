import { error } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { readTimelinePage } from '$lib/server/sessions/pages';
import { findSiteByShareLink } from '$lib/server/accounts/site-admin';
import { sharedPages } from '$lib/shell';
import type { PageServerLoad } from './$types';

/** A session's timeline through a share link, when the owner lets it show sessions. */
export const load = (async ({ params, url, setHeaders }) => {
	const site = await findSiteByShareLink(couch(), params.secret);
	// Same answer for an unknown secret and one that shows no sessions: nothing to reveal.
	if (!site?.shareSessions) error(404, 'This share link does not exist or shows no sessions.');
	setHeaders({ 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
	const timeline = await readTimelinePage(couch(), site, params.sid, url.searchParams).catch(
		(e) => {
			if (e instanceof CouchstatsError) error(e.status, e.message);
			throw e;
		}
	);
	return {
		site: { name: site.name, timeZone: site.timeZone },
		timeline,
		shared: sharedPages(site)
	};
}) satisfies PageServerLoad;
