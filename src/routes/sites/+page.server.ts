import { redirect } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/auth';
import { couch } from '$lib/server/couch';
import { attempt, requireUser } from '$lib/server/accounts/form';
import {
	acceptInvitation,
	createSite,
	declineInvitation,
	parseSiteForm
} from '$lib/server/accounts/site-admin';
import { startSiteDeletion } from '$lib/server/accounts/site-delete';
import { itemKey } from '$lib/forms/form-result';
import { readSitesPage } from './sites-page';
import { readSitesToday } from './site-numbers';
import type { Actions, PageServerLoad } from './$types';
import { readForm } from '$lib/server/read-form';

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals.user, url);
	const list = await readSitesPage(user, url.searchParams);
	// The page's sites only, and on the page's load only, not by its re-reads of a
	// deletion's progress.
	return { user, ...list, numbers: await readSitesToday(couch(), list.sites) };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const form = await readForm(request);
		const result = await attempt(() => createSite(couch(), user, parseSiteForm(form)), 'create');
		if ('status' in result) return result;
		redirect(303, `/sites/${result.id}/settings`);
	},
	accept: ({ request, locals, url }) =>
		answerInvitation(request, requireUser(locals.user, url), async (user, id) => {
			const site = await acceptInvitation(couch(), user, id);
			return `You now own ${site.name} (${site.id}).`;
		}),
	decline: ({ request, locals, url }) =>
		answerInvitation(request, requireUser(locals.user, url), async (user, id) => {
			await declineInvitation(couch(), user, id);
			return `Declined the invitation to ${id}.`;
		}),
	finishDeletion: async ({ request, locals, url }) => {
		const user = requireUser(locals.user, url);
		const id = String((await readForm(request)).get('id') ?? '');
		const result = await attempt(() => startSiteDeletion(couch(), user, id), itemKey('finish', id));
		if ('status' in result) return result;
		redirect(303, `/sites?deleted=${encodeURIComponent(id)}`);
	}
} satisfies Actions;

/** Accepts or declines the invitation to the form's site; the answer goes to the list. */
async function answerInvitation(
	request: Request,
	user: User,
	work: (user: User, id: string) => Promise<string>
) {
	const id = String((await readForm(request)).get('id') ?? '');
	return attempt(async () => ({ form: 'invitations', saved: await work(user, id) }), 'invitations');
}
