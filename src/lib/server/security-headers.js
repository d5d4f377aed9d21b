/**
 * The headers every answer of the app carries against a browser misreading or framing
 * it: no content sniffing, no framing by any page (a page of the same site could frame
 * the settings page and lead its owner's clicks: an outside review), and no referrer
 * beyond the app's own origin (a share page's path is its secret). A page of a signed-in
 * owner's (`/sites/…`) is never stored by a cache, as the JSON APIs and share pages are not.
 *
 * Plain JavaScript, so that `scripts/serve.js` gives them to the files adapter-node
 * serves before the app sees the request (`/_app/…`, `/couchstats.js`: an outside
 * review found them bare), and the app's hook to everything else. Pages replace the
 * Content-Security-Policy with the whole policy (svelte.config.js).
 */

/** The headers of every answer. */
export const COMMON_HEADERS = Object.freeze({
	'X-Content-Type-Options': 'nosniff',
	'X-Frame-Options': 'DENY',
	'Content-Security-Policy': "frame-ancestors 'none'",
	'Referrer-Policy': 'same-origin'
});

/**
 * The headers for an answer to a request of `pathname`, set unless the answer set them.
 * @param {string} pathname
 * @returns {Record<string, string>}
 */
export function securityHeaders(pathname) {
	/** @type {Record<string, string>} */
	const headers = { ...COMMON_HEADERS };
	if (pathname === '/sites' || pathname.startsWith('/sites/')) {
		headers['Cache-Control'] = 'private, no-store';
	}
	return headers;
}

/**
 * `response` with {@link securityHeaders} it does not set itself (a copy when its
 * headers are immutable).
 * @param {Response} response
 * @param {string} pathname
 * @returns {Response}
 */
export function withSecurityHeaders(response, pathname) {
	let out = response;
	for (const [name, value] of Object.entries(securityHeaders(pathname))) {
		if (out.headers.has(name)) continue;
		try {
			out.headers.set(name, value);
		} catch {
			out = new Response(out.body, out);
			out.headers.set(name, value);
		}
	}
	return out;
}
