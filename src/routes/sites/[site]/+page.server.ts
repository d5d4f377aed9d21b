import { error } from '@sveltejs/kit';
import { readDashboard } from '$lib/server/dashboard';
import { couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { requireUser } from '$lib/server/form';
import { authorizeSite } from '$lib/server/stats/authorize';
import type { PageServerLoad } from './$types';

/** Key the live panel invalidates to re-read the numbers. */
const STATS = 'couchstats:stats';

export const load = (async ({ locals, url, params, depends }) => {
	depends(STATS);
	const user = requireUser(locals.user, url);
	// The Stats API's rule: owners and admins read; anyone else gets 403, even for a
	// site that does not exist (admins get 404 for those).
	const site = await authorizeSite(couch(), params.site, { user, authorization: null }).catch(
		(e) => {
			if (e instanceof CouchstatsError) error(e.status === 400 ? 404 : e.status, e.message);
			throw e;
		}
	);
	return {
		dashboard: await readDashboard(couch(), site, url.searchParams),
		user: { name: user.name }
	};
}) satisfies PageServerLoad;
