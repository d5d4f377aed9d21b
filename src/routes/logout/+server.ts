import { redirect } from '@sveltejs/kit';
import { endSessions, sessionCookie } from '$lib/server/accounts/auth';
import { couch } from '$lib/server/couch';
import type { RequestHandler } from './$types';

export const POST = (async ({ cookies, locals, url }) => {
	if (locals.user) await endSessions(couch(), locals.user.name);
	cookies.delete(sessionCookie(url), { path: '/' });
	redirect(303, '/login');
}) satisfies RequestHandler;
