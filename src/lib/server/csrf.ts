/**
 * The CSRF rule, applied by hooks.server.ts everywhere except the endpoints tracked
 * sites call ({@link takesCrossOriginWrites}): a
 * state-changing request must come from the app's own origin, whatever its content
 * type. (SvelteKit's own check looks at form content types only, so a same-site page
 * could POST `/logout` with none.) Browsers send `Origin` on every such request.
 */
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Whether a state-changing request comes from another origin (or names none). */
export function isCrossSiteWrite(request: Request, url: URL): boolean {
	if (!UNSAFE.includes(request.method)) return false;
	return request.headers.get('origin') !== url.origin;
}

/**
 * The endpoints that tracked sites' pages post to from their own origins: the ingest and
 * the visitor endpoint. The CSRF rule would refuse them; they are exempt because they act
 * on no ambient authority. hooks.server.ts reads no session cookie for them, and what
 * they do is authorised by the request itself (the records it carries; the visitor id in
 * its body, which a forging page does not know), after checking the page's origin against
 * the sites' registered host names themselves. An exact list, not a prefix: a new route
 * below `/api/v1` stays protected.
 */
export function takesCrossOriginWrites(pathname: string): boolean {
	return pathname.startsWith('/api/ingest/') || pathname === '/api/ingest' || pathname === VISITOR;
}

const VISITOR = '/api/v1/visitor';
