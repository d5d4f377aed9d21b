import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE, forgetSession } from '$lib/server/auth';
import type { RequestHandler } from './$types';

export const POST = (({ cookies }) => {
	const token = cookies.get(SESSION_COOKIE);
	if (token) forgetSession(token);
	cookies.delete(SESSION_COOKIE, { path: '/' });
	redirect(303, '/login');
}) satisfies RequestHandler;
