/**
 * A `<link rel="modulepreload">` for the tracker core, so that pages with the
 * `<Analytics>` component start downloading it while the HTML is parsed instead of
 * at hydration. The core is a dynamic import (it must not block hydration), and
 * SvelteKit preloads only static imports; without a hint, a visitor who leaves within
 * the ~100 ms between hydration and the core's arrival loses that page's pageview.
 *
 * The core's built file names are only known once the client build has run, after
 * this module was bundled for the server: the `trackerCorePreload` plugin in
 * vite.config.ts writes them over the placeholder below in the server output. In dev
 * the placeholder stays and no link is added (Vite serves the sources directly).
 */

import { START_ATTRIBUTE } from '$lib/tracker/start-attribute';

/**
 * The client build's file names of the core and its imports, comma-separated: the
 * build replaces this placeholder (the same token is in vite.config.ts).
 */
const FILES = '__COUCHSTATS_TRACKER_CORE_FILES__';

/**
 * The preload links of the tracker core, for the `<head>` of a page that tracks, or
 * '' before the build has named the files (dev, tests of the sources).
 * @param files The built files, relative to the app's root (default: the build's).
 */
export function trackerPreloadLinks(files: string = FILES): string {
	// Only the start of the token: the build replaces every whole token in the output.
	if (!files || files.startsWith('__COUCHSTATS_')) return '';
	return files
		.split(',')
		.map((file) => `<link rel="modulepreload" href="/${file}" data-couchstats-core>`)
		.join('');
}

/**
 * `response` (a page) with the nonce of its Content-Security-Policy on `<Analytics>`'s
 * inline start script, which the policy (svelte.config.js) would block otherwise:
 * SvelteKit gives the nonce to its own scripts only. As it is when the policy has no
 * nonce or the answer is no HTML.
 */
export async function withStartNonce(response: Response): Promise<Response> {
	const policy = response.headers.get('content-security-policy') ?? '';
	const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
	if (!nonce || !response.headers.get('content-type')?.startsWith('text/html')) return response;
	const tag = `<script ${START_ATTRIBUTE}`;
	const html = (await response.text()).replace(tag, `${tag} nonce="${nonce}"`);
	const headers = new Headers(response.headers);
	headers.delete('content-length');
	return new Response(html, { status: response.status, statusText: response.statusText, headers });
}
