/**
 * SvelteKit's CSRF rule, applied by hooks.server.ts everywhere except the ingest
 * endpoint: a state-changing request with a form content type must come from the
 * app's own origin.
 */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Whether a request is a form submission from another origin. */
export function isCrossSiteForm(request: Request, url: URL): boolean {
	if (!UNSAFE.includes(request.method)) return false;
	const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (!FORM_TYPES.includes(type)) return false;
	return request.headers.get('origin') !== url.origin;
}
