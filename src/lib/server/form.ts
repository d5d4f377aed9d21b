import { fail, redirect, type ActionFailure } from '@sveltejs/kit';
import type { User } from './auth';
import { CouchstatsError } from './errors';

/**
 * Runs a form action's work; a {@link CouchstatsError} becomes `fail(status, {message})`
 * so the page shows what was wrong, anything else stays an internal error.
 */
export async function attempt<T>(
	work: () => Promise<T>
): Promise<T | ActionFailure<{ message: string }>> {
	try {
		return await work();
	} catch (e) {
		if (e instanceof CouchstatsError) return fail(e.status, { message: e.message });
		throw e;
	}
}

/** The logged-in user, or a redirect to the login page that comes back here. */
export function requireUser(user: User | null, url: URL): User {
	if (!user) redirect(303, `/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	return user;
}
