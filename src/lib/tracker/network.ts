/**
 * The tracker's request to the ingest. Records leave the browser one way only:
 * a POST of `_bulk_docs` with `new_edits: false`, each record with the `_id` and
 * `_rev` it was made with, so a record sent twice (a retry, another tab, the next
 * page) is stored once. The body is a string, so the request goes as `text/plain`,
 * which needs no CORS preflight; cookies are never sent.
 */
import {
	HOSTS_HEADER,
	NOW_HEADER,
	REQUEST_MS,
	ZONE_HEADER,
	type ClientRecord
} from '../records.ts';
import { bytes, stringify } from './json.ts';
import { sayOnce } from './say-once.ts';

/** What a request tells the ingest of the browser's clock, and hears of the server's. */
export interface RequestClock {
	/** The local clock as the request leaves. */
	sent: number;
	/** The server's clock minus the local one, as the page last learnt it. */
	offset?: number;
	/**
	 * Takes the server's clock the answer tells ({@link NOW_HEADER}; 0 when it tells none),
	 * and the time zone and host names of the site whose records it stored, when it tells
	 * them ({@link ZONE_HEADER}, {@link HOSTS_HEADER}): a request may carry another site's
	 * records (two sites on one origin share the journal), so they are that site's, not
	 * the page's.
	 */
	answered(now: number, told?: { site: string; zone: string; hosts?: string }): void;
}

/**
 * Answers that refuse a request as this page made it, not its records: they would refuse
 * it again, so this page sends no more (its records wait, in the outbox or its journal,
 * for another page of the site), and its console says why. An outside probe: a page whose
 * scripts broke the body (`Array.prototype.toJSON`, a replaced `JSON.stringify`) or whose
 * fetch wrapper dropped the method (a GET) was refused every few seconds, silently.
 */
const MANGLED: Record<number, string> = {
	400: 'a script on this page changed how JSON is written (JSON.stringify or a toJSON)',
	405: "a script on this page wraps fetch and drops the request's method and body",
	415: "a script on this page wraps fetch and changes the request's content type"
};

/**
 * How a request ended: `sent` (the ingest answered 2xx with a `_bulk_docs` array: every
 * record stored, or refused for good by a per-record `forbidden`: none needs
 * to go again), `failed` (try again later; any other answer), `large` (413: the body was
 * too large for the ingest or a proxy before it; try again with fewer records), `lost`
 * (no answer the page may read: a network error, a time-out, or a proxy's refusal
 * without CORS headers, such as nginx's 413; try again later), or `refused` (the
 * ingest refused the request as this page made it: see {@link MANGLED}).
 */
export type Outcome = 'sent' | 'failed' | 'large' | 'lost' | 'refused';

/**
 * Posts `docs` to `<endpoint>/_bulk_docs`, with `sent`, the local clock as the request
 * leaves, and `offset`, the server's clock minus the local one as last learnt: the ingest
 * moves the records (on the local clock, `local`) by `offset`, or by its receive time
 * minus `sent` when that contradicts `offset` (bulk-docs.ts). Every answer tells the
 * server's clock (`clock.answered`). With `keepalive` (when the page hides), a small
 * body still goes out if the page closes (browsers allow 64 KiB of such requests in
 * flight, counted in bytes: a body of 30,000 CJK characters is 90 KB). Gives up after `REQUEST_MS`, so a hung server cannot stall delivery. Never
 * throws: a page whose `fetch` (or `JSON.stringify`) throws fails the request, as a
 * network would, and says so once.
 */
export function post(
	fetch: typeof globalThis.fetch,
	endpoint: string,
	docs: readonly ClientRecord[],
	clock: RequestClock,
	keepalive?: boolean
): Promise<Outcome> {
	const { sent, offset } = clock;
	let request: Promise<Response>;
	try {
		const body = stringify({ new_edits: false, docs, sent, offset });
		request = fetch(endpoint + '/_bulk_docs', {
			method: 'POST',
			body,
			credentials: 'omit',
			keepalive: keepalive && bytes(body) < 60_000,
			signal: AbortSignal.timeout(REQUEST_MS)
		});
	} catch (e) {
		// Into the host page it went (an outside probe: a page's fetch that threw).
		sayOnce('threw', `sending records threw on this page: ${e}; they wait`);
		return Promise.resolve('failed');
	}
	return (
		Promise.resolve(request)
			// Reading the body completes the request (an unread one stays open).
			.then((response) => {
				const zone = response.headers.get(ZONE_HEADER);
				const site = docs[0]?.site;
				const hosts = response.headers.get(HOSTS_HEADER) ?? undefined;
				clock.answered(
					Number(response.headers.get(NOW_HEADER)),
					zone && docs.every((doc) => doc.site === site) ? { site, zone, hosts } : undefined
				);
				return response.text().then((text): Outcome => {
					const { status } = response;
					// A refusal says why, once a page: of the whole request (this page's origin is
					// no site's), or of its records (another site's origin, an unknown site).
					if (status == 403 || text.includes('"forbidden"')) sayOnce('forbidden', text);
					if (MANGLED[status]) {
						sayOnce(
							'refused ' + status,
							`the ingest refused this page's request (HTTP ${status} ${text}): ${MANGLED[status]}; its records wait for another page of the site`
						);
						return 'refused';
					}
					if (status == 413) return 'large';
					if (!response.ok) return 'failed';
					// Only the ingest's own answer is delivery: a `_bulk_docs` array. A captive portal
					// or a proxy answering 200 with a page of its own (an outside probe: every record
					// purged, none stored) is none. Not its clock header: a page's script may hide it.
					if (text[0] == '[') return 'sent';
					sayOnce(
						'not ingest',
						`the endpoint answered HTTP ${status} with something other than the ingest's answer (a captive portal or a proxy?); records wait`
					);
					return 'failed';
				});
			})
			.catch((): Outcome => 'lost')
	);
}
