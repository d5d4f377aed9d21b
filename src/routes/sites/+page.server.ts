import { redirect } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { attempt, requireUser } from '$lib/server/form';
import { createSite, listSites, parseSiteForm } from '$lib/server/site-admin';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals.user, url);
	return { user, sites: await listSites(couch(), user) };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const form = await request.formData();
		const result = await attempt(() => createSite(couch(), user, parseSiteForm(form)));
		if ('status' in result) return result;
		redirect(303, `/sites/${result.id}/settings`);
	}
} satisfies Actions;
