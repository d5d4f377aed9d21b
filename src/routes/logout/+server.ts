import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE, endSessions } from '$lib/server/accounts/auth';
import { couch } from '$lib/server/couch';
import type { RequestHandler } from './$types';

export const POST = (async ({ cookies, locals }) => {
	if (locals.user) await endSessions(couch(), locals.user.name);
	cookies.delete(SESSION_COOKIE, { path: '/' });
	redirect(303, '/login');
}) satisfies RequestHandler;
