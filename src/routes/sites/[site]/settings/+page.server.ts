import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { attempt, requireUser } from '$lib/server/accounts/form';
import { addGoal, parseGoalForm, removeGoal } from '$lib/server/accounts/goals';
import { parseFunnelForm, removeFunnel, saveFunnel } from '$lib/server/accounts/funnels';
import { goalLabel } from '$lib/stats/goals';
import {
	addOwner,
	addToken,
	disableShareLink,
	enableShareLink,
	loadManagedSite,
	parseSiteForm,
	removeOwner,
	revokeToken,
	shareSessions,
	siteForOwner,
	updateSite
} from '$lib/server/accounts/site-admin';
import { requestSiteDeletion, startSiteDeletion } from '$lib/server/accounts/site-delete';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals.user, url);
	const site = await loadManagedSite(couch(), user, params.site).catch((e) => {
		if (e instanceof CouchstatsError) error(e.status, e.message);
		throw e;
	});
	return {
		user,
		origin: url.origin,
		site: siteForOwner(site)
	};
}) satisfies PageServerLoad;

/** Runs one settings action for the logged-in user with the submitted form. */
async function act<T>(
	event: RequestEvent<{ site: string }>,
	work: (user: NonNullable<App.Locals['user']>, form: FormData) => Promise<T>
) {
	const user = requireUser(event.locals.user, event.url);
	const form = await event.request.formData();
	return attempt(() => work(user, form));
}

const field = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export const actions = {
	update: (event) =>
		act(event, async (user, form) => {
			form.set('id', event.params.site);
			await updateSite(couch(), user, event.params.site, parseSiteForm(form));
			return { saved: 'Settings saved.' };
		}),
	addOwner: (event) =>
		act(event, async (user, form) => {
			const password = field(form, 'password') || undefined;
			await addOwner(couch(), user, event.params.site, field(form, 'name'), password);
			return { saved: `Added owner ${field(form, 'name')}.` };
		}),
	removeOwner: (event) =>
		act(event, async (user, form) => {
			await removeOwner(couch(), user, event.params.site, field(form, 'name'));
			return { saved: `Removed owner ${field(form, 'name')}.` };
		}),
	addToken: (event) =>
		act(event, async (user, form) => {
			const { secret } = await addToken(couch(), user, event.params.site, field(form, 'label'));
			return { token: secret };
		}),
	revokeToken: (event) =>
		act(event, async (user, form) => {
			await revokeToken(couch(), user, event.params.site, field(form, 'id'));
			return { saved: 'Token revoked.' };
		}),
	enableShare: (event) =>
		act(event, async (user) => {
			const secret = await enableShareLink(couch(), user, event.params.site);
			return { shareUrl: `${event.url.origin}/share/${secret}` };
		}),
	disableShare: (event) =>
		act(event, async (user) => {
			await disableShareLink(couch(), user, event.params.site);
			return { saved: 'Share link disabled.' };
		}),
	addGoal: (event) =>
		act(event, async (user, form) => {
			const site = await addGoal(couch(), user, event.params.site, parseGoalForm(form));
			return { saved: `Added the goal ${goalLabel(site.goals!.at(-1)!)}.` };
		}),
	removeGoal: (event) =>
		act(event, async (user, form) => {
			await removeGoal(couch(), user, event.params.site, field(form, 'id'));
			return { saved: 'Goal removed.' };
		}),
	saveFunnel: (event) =>
		act(event, async (user, form) => {
			const input = parseFunnelForm(form);
			await saveFunnel(couch(), user, event.params.site, input);
			return { saved: `${input.id ? 'Saved' : 'Added'} the funnel ${input.name}.` };
		}),
	removeFunnel: (event) =>
		act(event, async (user, form) => {
			await removeFunnel(couch(), user, event.params.site, field(form, 'id'));
			return { saved: 'Funnel removed.' };
		}),
	deleteSite: (event) =>
		act(event, async (user, form) => {
			const id = event.params.site;
			await requestSiteDeletion(couch(), user, id, field(form, 'confirm'));
			await startSiteDeletion(couch(), user, id);
			redirect(303, `/sites?deleted=${encodeURIComponent(id)}`);
		}),
	shareSessions: (event) =>
		act(event, async (user, form) => {
			const on = field(form, 'on') === 'on';
			await shareSessions(couch(), user, event.params.site, on);
			return { saved: on ? 'The share link shows sessions.' : 'The share link hides sessions.' };
		})
} satisfies Actions;
