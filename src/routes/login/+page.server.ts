import { fail, redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/accounts/auth';
import { couch } from '$lib/server/couch';
import { attemptLogin, landingAfterLogin } from '$lib/server/accounts/login';
import type { Actions, PageServerLoad } from './$types';
import { readForm } from '$lib/server/read-form';
import { NAME_MAX } from '$lib/account-limits';

export const load = (({ locals }) => ({ user: locals.user })) satisfies PageServerLoad;

/** The login form's body at most: its two fields at their longest, percent-encoded. */
const LOGIN_BODY_MAX = 16 * 1024;

export const actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const form = await readForm(request, LOGIN_BODY_MAX);
		const name = String(form.get('name') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const outcome = await attemptLogin(couch(), { name, password, client: getClientAddress() });
		if (!outcome.ok) {
			return fail(outcome.status, { name: name.slice(0, NAME_MAX), message: outcome.message });
		}
		setSessionCookie(cookies, outcome.session.token, url);
		redirect(303, landingAfterLogin(url));
	}
} satisfies Actions;
