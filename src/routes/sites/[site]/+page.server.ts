import { readDashboard } from '$lib/server/stats/dashboard';
import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import type { PageServerLoad } from './$types';

/** Key the live panel invalidates to re-read the numbers. */
const STATS = 'couchstats:stats';

export const load = (async ({ locals, url, params, depends }) => {
	depends(STATS);
	const user = requireUser(locals.user, url);
	const site = await siteForPage(user, params.site);
	return {
		dashboard: await readDashboard(couch(), site, url.searchParams),
		user: { name: user.name }
	};
}) satisfies PageServerLoad;
