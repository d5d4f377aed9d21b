/**
 * The answer to a request the app refuses before its page or API answer is made, or in
 * place of it: too many reads (read-budget.ts), a store that did not answer in time
 * (store-limit.ts). The APIs' error (JSON) for them and for page data, and for a page the
 * app's error page (an outside re-check got plain text opening a share link).
 */
import type { CouchstatsError } from './errors';
import { errorResponse } from './api-response';
import errorPage from '../../error.html?raw';

/** What {@link refusal} reads of a request. */
export interface RefusedRequest {
	url: URL;
	/** Its `Accept` header. */
	accept: string | null;
	/**
	 * A page's data (`…/__data.json`, which SvelteKit strips from `event.url`: an outside
	 * re-check found its refusal an HTML page, not the JSON the client reads).
	 */
	isDataRequest: boolean;
}

/**
 * `error`'s answer, not cached: `{ error, message }` with its status for the APIs and page
 * data (the SvelteKit client shows a page data's error status and message on the error
 * page), and for a page `src/error.html`'s form, as SvelteKit fills it (the message is
 * the app's own text, no HTML to escape).
 */
export function refusal(request: RefusedRequest, error: CouchstatsError): Response {
	const json =
		request.url.pathname.startsWith('/api/') ||
		request.isDataRequest ||
		!!request.accept?.includes('application/json');
	const res = json
		? errorResponse(error)
		: new Response(
				errorPage
					.replaceAll('%sveltekit.status%', String(error.status))
					.replace('%sveltekit.error.message%', error.message),
				{ status: error.status, headers: { 'content-type': 'text/html; charset=utf-8' } }
			);
	res.headers.set('cache-control', 'no-store');
	return res;
}
