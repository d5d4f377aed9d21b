import { couch } from '$lib/server/couch';
import { requireUser, siteForPage } from '$lib/server/accounts/form';
import { readSessionsPage } from '$lib/server/sessions/pages';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	const site = await siteForPage(requireUser(locals.user, url), params.site);
	return { sessions: await readSessionsPage(couch(), site, url.searchParams, Date.now(), false) };
}) satisfies PageServerLoad;
