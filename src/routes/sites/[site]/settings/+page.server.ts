import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { attempt, requireUser } from '$lib/server/accounts/form';
import { addGoal, parseGoalForm, removeGoal } from '$lib/server/accounts/goals';
import { parseFunnelForm, removeFunnel, saveFunnel } from '$lib/server/accounts/funnels';
import { goalPhrase } from '$lib/stats/goals';
import { itemKey } from '$lib/forms/form-result';
import {
	addOwner,
	addToken,
	disableShareLink,
	enableShareLink,
	loadManagedSite,
	parseSiteForm,
	removeOwner,
	revokeToken,
	setExcludedAddresses,
	setRetention,
	shareSessions,
	siteForOwner,
	updateSite
} from '$lib/server/accounts/site-admin';
import { rangeZoneName } from '$lib/server/accounts/sites';
import { requestSiteDeletion, startSiteDeletion } from '$lib/server/accounts/site-delete';
import { refusedOrigins, stillRefused } from '$lib/server/ingest/refused-origins';
import type { Actions, PageServerLoad } from './$types';
import { readForm } from '$lib/server/read-form';
import { parseExcludedAddresses } from '$lib/server/accounts/excluded-addresses';
import { retentionOf } from '$lib/server/import/retention-schedule';
import { eraseVisitorAsOwner } from '$lib/server/accounts/visitor-erase';
import { appErasure } from '$lib/server/visitor';

export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals.user, url);
	const site = await loadManagedSite(couch(), user, params.site).catch((e) => {
		if (e instanceof CouchstatsError) error(e.status, e.message);
		throw e;
	});
	return {
		user,
		origin: url.origin,
		site: siteForOwner(site),
		retention: await retentionOf(site),
		// Not those the site lists now: their records are taken.
		refused: refusedOrigins.list(site.id, Date.now()).filter((r) => stillRefused(site, r))
	};
}) satisfies PageServerLoad;

/**
 * Runs one settings action for the logged-in user with the submitted form. Its answer
 * names the form it is about (`form`, the page's key for it, which `key` reads from the
 * submitted fields) so the page shows it beside that form; a success may name another
 * (a removal's answer is shown beside its list, the item having gone).
 */
async function act<T extends Record<string, unknown>>(
	event: RequestEvent<{ site: string }>,
	key: string | ((form: FormData) => string),
	work: (user: NonNullable<App.Locals['user']>, form: FormData) => Promise<T>
) {
	const user = requireUser(event.locals.user, event.url);
	const form = await readForm(event.request);
	const about = typeof key === 'string' ? key : key(form);
	return attempt(async () => ({ form: about, ...(await work(user, form)) }), about);
}

const field = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
/** The key of one item's form in a list (`owner:bob`): the page's `itemKey`. */
const item = (list: string, name: string) => (form: FormData) => itemKey(list, field(form, name));

export const actions = {
	update: (event) =>
		act(event, 'site', async (user, form) => {
			form.set('id', event.params.site);
			const input = parseSiteForm(form);
			await updateSite(couch(), user, event.params.site, input);
			// A new zone needs the snippet's too (an outside review: only "Settings saved."),
			// and leaves earlier days' visitors as the old zone counted them (an outside probe:
			// nothing said so where the zone is changed).
			const previous = field(form, 'previousTimeZone');
			// By the zone, not its name: US/Pacific for America/Los_Angeles moves nothing.
			const moved = rangeZoneName(input.timeZone, previous) !== previous;
			return {
				saved: moved
					? `Settings saved. Update the snippet on every page too (data-time-zone="${input.timeZone}", or timeZone of <Analytics>, below): browsers follow the new zone once the ingest has answered them, but a new visitor's first page view is flagged by the snippet's. Earlier days' pageviews, sessions and events follow the new zone's days; their visitors stay counted once per day of ${previous || 'the old zone'}, as they were.`
					: 'Settings saved.'
			};
		}),
	addOwner: (event) =>
		act(event, 'owner-new', async (user, form) => {
			const password = field(form, 'password') || undefined;
			const added = await addOwner(couch(), user, event.params.site, field(form, 'name'), password);
			return { saved: added.message };
		}),
	removeOwner: (event) =>
		act(event, item('owner', 'name'), async (user, form) => {
			const removed = await removeOwner(couch(), user, event.params.site, field(form, 'name'));
			return { form: 'owners', saved: removed.message };
		}),
	addToken: (event) =>
		act(event, 'token-new', async (user, form) => {
			const { secret } = await addToken(couch(), user, event.params.site, field(form, 'label'), {
				records: field(form, 'records') === 'on'
			});
			return { saved: 'New token (copy it now, it is not shown again):', token: secret };
		}),
	revokeToken: (event) =>
		act(event, item('token', 'id'), async (user, form) => {
			await revokeToken(couch(), user, event.params.site, field(form, 'id'));
			return { form: 'tokens', saved: 'Token revoked.' };
		}),
	enableShare: (event) =>
		act(event, 'share', async (user) => {
			const secret = await enableShareLink(couch(), user, event.params.site);
			return {
				saved: 'Share link (copy it now):',
				shareUrl: `${event.url.origin}/share/${secret}`
			};
		}),
	disableShare: (event) =>
		act(event, 'share', async (user) => {
			await disableShareLink(couch(), user, event.params.site);
			return { saved: 'Share link disabled.' };
		}),
	addGoal: (event) =>
		act(
			event,
			(form) => `goal-${field(form, 'kind')}`,
			async (user, form) => {
				const site = await addGoal(couch(), user, event.params.site, parseGoalForm(form));
				return { saved: ['Added the goal ', ...goalPhrase(site.goals!.at(-1)!), '.'] };
			}
		),
	removeGoal: (event) =>
		act(event, item('goal', 'id'), async (user, form) => {
			await removeGoal(couch(), user, event.params.site, field(form, 'id'));
			return { form: 'goals', saved: 'Goal removed.' };
		}),
	saveFunnel: (event) =>
		act(event, item('funnel', 'id'), async (user, form) => {
			const input = parseFunnelForm(form);
			await saveFunnel(couch(), user, event.params.site, input);
			return {
				saved: [`${input.id ? 'Saved' : 'Added'} the funnel `, { quoted: input.name }, '.']
			};
		}),
	removeFunnel: (event) =>
		act(event, item('funnel-remove', 'id'), async (user, form) => {
			await removeFunnel(couch(), user, event.params.site, field(form, 'id'));
			return { form: 'funnels', saved: 'Funnel removed.' };
		}),
	deleteSite: (event) =>
		act(event, 'delete', async (user, form) => {
			const id = event.params.site;
			await requestSiteDeletion(couch(), user, id, field(form, 'confirm'));
			await startSiteDeletion(couch(), user, id);
			redirect(303, `/sites?deleted=${encodeURIComponent(id)}`);
		}),
	excludeAddresses: (event) =>
		act(event, 'excluded', async (user, form) => {
			const entries = parseExcludedAddresses(field(form, 'excludedAddresses'));
			await setExcludedAddresses(couch(), user, event.params.site, entries);
			return {
				saved: entries.length
					? `Records from ${entries.length === 1 ? 'that address' : `those ${entries.length} addresses and ranges`} are dropped from now on.`
					: 'No address is excluded.'
			};
		}),
	setRetention: (event) =>
		act(event, 'retention', async (user, form) => {
			const site = await setRetention(couch(), user, event.params.site, field(form, 'retention'));
			return {
				saved: site.retention
					? `Saved: this site keeps its records for ${site.retention}; the app's daily run deletes older ones, from its next run on.`
					: 'Saved: this site has no retention period of its own.'
			};
		}),
	eraseVisitor: (event) =>
		act(event, 'erase-visitor', async (user, form) => {
			const deleted = await eraseVisitorAsOwner(
				couch(),
				user,
				event.params.site,
				{ visitor: field(form, 'visitor'), confirmed: field(form, 'confirm') === 'on' },
				appErasure()
			);
			return {
				saved: deleted
					? `Erased the visitor's ${deleted} record${deleted === 1 ? '' : 's'} on this site.`
					: 'This site holds no record under that visitor id (erased already?).'
			};
		}),
	shareSessions: (event) =>
		act(event, 'share-sessions', async (user, form) => {
			const on = field(form, 'on') === 'on';
			await shareSessions(couch(), user, event.params.site, on);
			return { saved: on ? 'The share link shows sessions.' : 'The share link hides sessions.' };
		})
} satisfies Actions;
