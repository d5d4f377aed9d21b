import { LIVE_SECTIONS, readDashboard } from '$lib/server/stats/dashboard';
import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { DEMO_SITE } from '$lib/server/accounts/sites';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	// Journeys and paths are the layout's (+layout.server.ts); a live push re-reads this
	// part through /api/v1/dashboard?part=live.
	const user = requireUser(locals.user, url);
	const site = await siteForPage(user, params.site);
	return {
		dashboard: await readDashboard(couch(), site, url.searchParams, { sections: LIVE_SECTIONS }),
		user: { name: user.name },
		// What an empty range suggests: the demo site's pages are the app's own, tracked already.
		emptyHint:
			site.id === DEMO_SITE
				? "Open the demo blog's pages to see them counted here."
				: 'Add the snippet from Settings to your pages.'
	};
}) satisfies PageServerLoad;
