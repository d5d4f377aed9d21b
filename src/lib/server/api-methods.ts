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
import { errorResponse } from './api-response';

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
	// By the route, not the address: `/api/v1/visit%6Fr` is the visitor endpoint too.
	if (!routeId?.startsWith('/api/v1/') || takesCrossOriginWrites(routeId)) return undefined;
	if (API_READ_METHODS.includes(method)) return undefined;
	const response = errorResponse(
		new CouchstatsError(
			405,
			`${pathname} is read with GET only (the API changes nothing); ${method} is not taken here`
		)
	);
	response.headers.set('allow', API_READ_METHODS.join(', '));
	return response;
}

/**
 * The answer to a HEAD request: `response`'s status and headers, its body cancelled
 * unread. SvelteKit answers HEAD with the route's GET, and Node sends a HEAD answer's
 * headers only once its body has ended: a live stream's never does (HEAD waited for ever,
 * holding one of its address's streams), and a records export's would be read whole for
 * nothing, holding the site's one export meanwhile.
 */
export function headAnswer(response: Response): Response {
	response.body?.cancel().catch(() => {});
	return new Response(null, {
		status: response.status,
		statusText: response.statusText,
		headers: response.headers
	});
}
