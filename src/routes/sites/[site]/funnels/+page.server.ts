import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { readFunnelPage } from '$lib/server/funnels/pages';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	const site = await siteForPage(requireUser(locals.user, url), params.site);
	return { funnels: await readFunnelPage(couch(), site, url.searchParams, Date.now()) };
}) satisfies PageServerLoad;
