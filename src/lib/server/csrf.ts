/**
 * The CSRF rule, applied by hooks.server.ts everywhere except the ingest endpoint: a
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
