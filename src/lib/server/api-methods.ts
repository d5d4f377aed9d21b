/**
 * The app's API below `/api/v1/` is read with GET (and HEAD); of its endpoints only the
 * visitor endpoint, which tracked sites' pages post to (csrf.ts `takesCrossOriginWrites`),
 * takes another method. A request of any other method to an existing API route is answered
 * here, before the CSRF rule, with 405 in the API's JSON shape and `Allow: GET, HEAD`: an
 * outside probe's script (a Bearer token, no `Origin`) sending DELETE to the Stats API was
 * told its "form was sent from a page that did not say where it was", and with an `Origin`
 * got SvelteKit's plain-text 405. `api-methods.test.ts` holds every route to this.
 */
import { CouchstatsError } from './errors';
import { takesCrossOriginWrites } from './accounts/csrf';

/** The methods every read-only API route answers. */
export const API_READ_METHODS = ['GET', 'HEAD'];

/**
 * The 405 for `method` on the route `routeId` (SvelteKit's `route.id`; null when no route
 * matched, which stays a 404) at `pathname`, or undefined when the route takes it.
 */
export function wrongApiMethod(
	routeId: string | null,
	pathname: string,
	method: string
): Response | undefined {
	if (!routeId?.startsWith('/api/v1/') || takesCrossOriginWrites(pathname)) return undefined;
	if (API_READ_METHODS.includes(method)) return undefined;
	const e = new CouchstatsError(
		405,
		`${pathname} is read with GET only (the API changes nothing); ${method} is not taken here`
	);
	return Response.json(
		{ error: e.name, message: e.message },
		{ status: 405, headers: { allow: API_READ_METHODS.join(', ') } }
	);
}
