/**
 * The tracker's two requests to the ingest. Records leave the browser one way only:
 * a POST of `_bulk_docs` with `new_edits: false`, each record with the `_id` and
 * `_rev` it was made with, so a record sent twice (a retry, another tab, the next
 * page) is stored once. The body is a string, so the request goes as `text/plain`,
 * which needs no CORS preflight; cookies are never sent.
 */
import { REQUEST_MS, type ClientRecord } from '../records.ts';

/**
 * Posts `docs` to `<endpoint>/_bulk_docs`, with `sent`, the local clock as the request
 * leaves, and `offset`, the server's clock minus the local one once a probe has learnt
 * it: the ingest moves the records (on the local clock, `local`) by `offset`, or by its
 * receive time minus `sent` when that contradicts `offset` (bulk-docs.ts). With
 * `keepalive` (when the page hides), a small body still goes out if the page closes
 * (browsers allow 64 KiB of such requests in flight). Gives up after `REQUEST_MS`, so a
 * hung server cannot stall delivery.
 *
 * @returns true when the ingest answered 2xx: every record is stored, or refused for
 *   good (a per-record `forbidden`), so none needs to be sent again.
 */
export function post(
	fetch: typeof globalThis.fetch,
	endpoint: string,
	docs: readonly ClientRecord[],
	clock: { sent: number; offset?: number },
	keepalive?: boolean
): Promise<boolean> {
	const body = JSON.stringify({ new_edits: false, docs, ...clock });
	return (
		fetch(endpoint + '/_bulk_docs', {
			method: 'POST',
			body,
			credentials: 'omit',
			keepalive: keepalive && body.length < 60_000,
			signal: AbortSignal.timeout(REQUEST_MS)
		})
			// Reading the body completes the request (an unread one stays open).
			.then((response) => response.text().then(() => response.ok))
			.catch(() => false)
	);
}

/**
 * Learns the server clock minus the local clock from `GET <endpoint>/` (`now`),
 * taking the middle of the round trip as the moment the server read its clock.
 *
 * @throws when the endpoint is unreachable or answers without `now`.
 */
export async function serverOffset(
	fetch: typeof globalThis.fetch,
	endpoint: string,
	now: () => number
): Promise<number> {
	const sent = now();
	const response = await fetch(endpoint + '/', {
		credentials: 'omit',
		signal: AbortSignal.timeout(5000)
	});
	const body = (await response.json()) as { now?: unknown };
	if (typeof body.now != 'number') throw 0;
	return Math.round(body.now - (sent + now()) / 2);
}
