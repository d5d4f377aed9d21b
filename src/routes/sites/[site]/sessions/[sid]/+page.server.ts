import { error } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { readTimelinePage, sessionVisitor } from '$lib/server/sessions/pages';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	const site = await siteForPage(requireUser(locals.user, url), params.site);
	const timeline = await readTimelinePage(couch(), site, params.sid, url.searchParams).catch(
		(e) => {
			if (e instanceof CouchstatsError) error(e.status, e.message);
			throw e;
		}
	);
	return {
		site: { id: site.id, name: site.name, timeZone: site.timeZone },
		timeline,
		// The owner's page only: a share link's never names it.
		visitor: await sessionVisitor(couch(), site.id, timeline)
	};
}) satisfies PageServerLoad;
