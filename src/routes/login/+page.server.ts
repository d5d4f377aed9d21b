import { fail, redirect } from '@sveltejs/kit';
import { login, setSessionCookie } from '$lib/server/auth';
import { couch } from '$lib/server/couch';
import { loginDelayMs, recordLoginResult } from '$lib/server/login-throttle';
import type { Actions, PageServerLoad } from './$types';

export const load = (({ locals }) => ({ user: locals.user })) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const name = String(form.get('name') ?? '').trim();
		const password = String(form.get('password') ?? '');
		if (!name || !password) {
			return fail(400, { name, message: 'Enter your account name and password.' });
		}
		const key = `${getClientAddress()}|${name.toLowerCase()}`;
		const delay = loginDelayMs(key);
		if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
		const session = await login(couch().url, name, password);
		recordLoginResult(key, Boolean(session));
		if (!session) {
			return fail(401, { name, message: 'Wrong account name or password.' });
		}
		setSessionCookie(cookies, session.token, url);
		const next = url.searchParams.get('redirectTo') ?? '/';
		redirect(303, next.startsWith('/') && !next.startsWith('//') ? next : '/');
	}
} satisfies Actions;
