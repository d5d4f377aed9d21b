import { redirect } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { attempt, requireUser } from '$lib/server/accounts/form';
import { createSite, listSites, parseSiteForm } from '$lib/server/accounts/site-admin';
import { deletionProgress, startSiteDeletion } from '$lib/server/accounts/site-delete';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals.user, url);
	const [sites, deleting] = await Promise.all([
		listSites(couch(), user),
		listSites(couch(), user, { deleting: true })
	]);
	const deletedId = url.searchParams.get('deleted');
	const deleted = deletedId ? deletionProgress(user, deletedId) : undefined;
	return {
		user,
		sites,
		// Sites being deleted; `interrupted` when no deletion of it runs in this process.
		deleting: deleting.map(({ id, name }) => {
			const progress = deletionProgress(user, id);
			return { id, name, deleted: progress?.deleted ?? 0, state: progress?.state ?? 'interrupted' };
		}),
		// The result of the deletion the page was opened for, once its site record is gone.
		finished:
			deletedId && deleted?.state === 'done' && !deleting.some((site) => site.id === deletedId)
				? { id: deletedId, deleted: deleted.deleted }
				: undefined
	};
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const form = await request.formData();
		const result = await attempt(() => createSite(couch(), user, parseSiteForm(form)));
		if ('status' in result) return result;
		redirect(303, `/sites/${result.id}/settings`);
	},
	finishDeletion: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const id = String((await request.formData()).get('id') ?? '');
		const result = await attempt(() => startSiteDeletion(couch(), user, id));
		if ('status' in result) return result;
		redirect(303, `/sites?deleted=${encodeURIComponent(id)}`);
	}
} satisfies Actions;
