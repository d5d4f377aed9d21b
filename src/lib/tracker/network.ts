/**
 * The tracker's request to the ingest. Records leave the browser one way only:
 * a POST of `_bulk_docs` with `new_edits: false`, each record with the `_id` and
 * `_rev` it was made with, so a record sent twice (a retry, another tab, the next
 * page) is stored once. The body is a string, so the request goes as `text/plain`,
 * which needs no CORS preflight; cookies are never sent.
 */
import { NOW_HEADER, REQUEST_MS, ZONE_HEADER, type ClientRecord } from '../records.ts';

/** What a request tells the ingest of the browser's clock, and hears of the server's. */
export interface RequestClock {
	/** The local clock as the request leaves. */
	sent: number;
	/** The server's clock minus the local one, as the page last learnt it. */
	offset?: number;
	/**
	 * Takes the server's clock the answer tells ({@link NOW_HEADER}; 0 when it tells none),
	 * and the time zone of the site whose records it stored, when it tells one
	 * ({@link ZONE_HEADER}): a request may carry another site's records (two sites on one
	 * origin share the journal), so the zone is that site's, not the page's.
	 */
	answered(now: number, zone?: { site: string; zone: string }): void;
}

/** Whether this page said in its console why the ingest refused its records. */
let warned = false;

/**
 * Posts `docs` to `<endpoint>/_bulk_docs`, with `sent`, the local clock as the request
 * leaves, and `offset`, the server's clock minus the local one as last learnt: the ingest
 * moves the records (on the local clock, `local`) by `offset`, or by its receive time
 * minus `sent` when that contradicts `offset` (bulk-docs.ts). Every answer tells the
 * server's clock (`clock.answered`). With `keepalive` (when the page hides), a small
 * body still goes out if the page closes (browsers allow 64 KiB of such requests in
 * flight). Gives up after `REQUEST_MS`, so a hung server cannot stall delivery.
 *
 * @returns true when the ingest answered 2xx: every record is stored, or refused for
 *   good (a per-record `forbidden`), so none needs to be sent again.
 */
export function post(
	fetch: typeof globalThis.fetch,
	endpoint: string,
	docs: readonly ClientRecord[],
	clock: RequestClock,
	keepalive?: boolean
): Promise<boolean> {
	const { sent, offset } = clock;
	const body = JSON.stringify({ new_edits: false, docs, sent, offset });
	return (
		fetch(endpoint + '/_bulk_docs', {
			method: 'POST',
			body,
			credentials: 'omit',
			keepalive: keepalive && body.length < 60_000,
			signal: AbortSignal.timeout(REQUEST_MS)
		})
			// Reading the body completes the request (an unread one stays open).
			.then((response) => {
				const zone = response.headers.get(ZONE_HEADER);
				const site = docs[0]?.site;
				clock.answered(
					Number(response.headers.get(NOW_HEADER)),
					zone && docs.every((doc) => doc.site === site) ? { site, zone } : undefined
				);
				return response.text().then((text) => {
					// A refusal says why, once a page: of the whole request (this page's origin is
					// no site's), or of its records (another site's origin, an unknown site).
					if ((response.status == 403 || text.includes('"forbidden"')) && !warned) {
						warned = true;
						console.warn('couchstats:', text);
					}
					return response.ok;
				});
			})
			.catch(() => false)
	);
}
