import { error, fail, redirect, type ActionFailure } from '@sveltejs/kit';
import type { User } from './auth';
import { couch } from '../couch';
import { CouchstatsError, FieldError } from '../errors';
import type { FormAnswer } from '../../forms/form-result';
import type { SiteRecord } from './sites';
import { authorizeSite } from '../stats/authorize';

/**
 * Runs a form action's work; a {@link CouchstatsError} becomes `fail(status, {form,
 * message})` so the page shows what was wrong beside the form `form`, with `field` when
 * it is a {@link FieldError}; anything else stays an internal error.
 * @param form The key of the form the action is about ($lib/forms/form-result).
 */
export async function attempt<T>(
	work: () => Promise<T>,
	form: string
): Promise<T | ActionFailure<FormAnswer & { message: string }>> {
	try {
		return await work();
	} catch (e) {
		if (e instanceof FieldError) {
			return fail(e.status, { form, field: e.field, message: e.message });
		}
		if (e instanceof CouchstatsError) return fail(e.status, { form, message: e.message });
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
