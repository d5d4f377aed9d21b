import { redirect } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { attempt, requireUser } from '$lib/server/accounts/form';
import { createSite, parseSiteForm } from '$lib/server/accounts/site-admin';
import { startSiteDeletion } from '$lib/server/accounts/site-delete';
import { itemKey } from '$lib/forms/form-result';
import { readSitesPage } from './sites-page';
import type { Actions, PageServerLoad } from './$types';
import { readForm } from '$lib/server/read-form';

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals.user, url);
	return { user, ...(await readSitesPage(user, url.searchParams.get('deleted'))) };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const form = await readForm(request);
		const result = await attempt(() => createSite(couch(), user, parseSiteForm(form)), 'create');
		if ('status' in result) return result;
		redirect(303, `/sites/${result.id}/settings`);
	},
	finishDeletion: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const id = String((await readForm(request)).get('id') ?? '');
		const result = await attempt(() => startSiteDeletion(couch(), user, id), itemKey('finish', id));
		if ('status' in result) return result;
		redirect(303, `/sites?deleted=${encodeURIComponent(id)}`);
	}
} satisfies Actions;
