import { fail, redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/accounts/auth';
import { couch } from '$lib/server/couch';
import { attemptLogin, landingAfterLogin } from '$lib/server/accounts/login';
import type { Actions, PageServerLoad } from './$types';
import { readForm } from '$lib/server/read-form';
import { NAME_MAX } from '$lib/account-limits';
import { logNotice } from '$lib/server/log';
import { clientAddress } from '$lib/server/accounts/client-address';

export const load = (({ locals }) => ({ user: locals.user })) satisfies PageServerLoad;

/** The login form's body at most: its two fields at their longest, percent-encoded. */
const LOGIN_BODY_MAX = 16 * 1024;

export const actions = {
	default: async (event) => {
		const { request, cookies, url } = event;
		const form = await readForm(request, LOGIN_BODY_MAX);
		const name = String(form.get('name') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const client = clientAddress(event);
		const outcome = await attemptLogin(couch(), { name, password, client });
		if (!outcome.ok) {
			// One line an operator's tools can count, by address; never the name typed, which
			// is sometimes a password typed in the wrong field.
			if (outcome.status === 401 || outcome.status === 429) {
				logNotice(`login refused from ${client} (${outcome.status}: ${outcome.message})`);
			}
			return fail(outcome.status, { name: name.slice(0, NAME_MAX), message: outcome.message });
		}
		setSessionCookie(cookies, outcome.session.token, url);
		redirect(303, landingAfterLogin(url));
	}
} satisfies Actions;
