import { error, fail, redirect, type ActionFailure } from '@sveltejs/kit';
import type { User } from './auth';
import { couch } from '../couch';
import { CouchstatsError } from '../errors';
import type { SiteRecord } from './sites';
import { authorizeSite } from '../stats/authorize';

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

/**
 * The site an owner's page is about, by the Stats API's rule: owners and admins read;
 * anyone else gets the 403 error page, even for a site that does not exist (admins get
 * 404 for those).
 */
export async function siteForPage(user: User, siteId: string): Promise<SiteRecord> {
	try {
		return await authorizeSite(couch(), siteId, { user, authorization: null });
	} catch (e) {
		if (e instanceof CouchstatsError) error(e.status === 400 ? 404 : e.status, e.message);
		throw e;
	}
}
