/**
 * What the server holds about this browser: the records stored under its visitor id on
 * the site, read or erased through the visitor endpoint (`POST /api/v1/visitor`, beside
 * the ingest: `<endpoint>/../v1/visitor`). Part of the deferred bundle; the core loads
 * it when a page asks (`myData()`, `erase()`), even where tracking is off, so a visitor
 * who opted out or sends Do-Not-Track can still see and erase what was stored before.
 *
 * The id goes in the body (never in a URL, which servers log and browsers keep in
 * history), as `text/plain` (no CORS preflight), without cookies, written with the
 * core's `stringify` (one said-once record a page, json.ts).
 *
 * The calls keep the arguments a core of an earlier version gives (`fetch`, `ingest`,
 * `site`, `visitor`), the core's `stringify` coming last: the standalone files are cached
 * apart for an hour (tracker-files.js), and a core and a deferred part of two versions
 * must work together (a review: with these calls taking the core's `Host` instead, the
 * visitor's `myData()` and `erase()` failed for that hour, whichever file was the older).
 */
import type { StoredRecord } from '../records.ts';

/** How a request's body is written: the core's json.ts `stringify`. */
type Stringify = (value: unknown) => string;

/** Longest `Retry-After` waited for before giving up with the server's message, in seconds. */
const MAX_RETRY_S = 10;

/** Posts one request to the visitor endpoint; retries shortly when asked to. */
async function ask(
	fetch: typeof globalThis.fetch,
	ingest: string,
	body: object,
	stringify: Stringify
): Promise<Record<string, unknown>> {
	for (;;) {
		const response = await fetch(new URL('../v1/visitor', ingest + '/').href, {
			method: 'POST',
			body: stringify(body),
			credentials: 'omit',
			signal: AbortSignal.timeout(30_000)
		});
		const answer = await response.json().catch(() => ({}));
		if (response.ok) return answer;
		const wait = +(response.headers.get('retry-after') ?? NaN);
		if (!(wait <= MAX_RETRY_S)) throw new Error(answer.message ?? 'HTTP ' + response.status);
		await new Promise((resolve) => setTimeout(resolve, wait * 1000));
	}
}

/**
 * Every record stored under `visitor` on `site`, oldest first, read page by page, the
 * requests written with `stringify` (default `JSON.stringify`: a core of an earlier
 * version gives none).
 * @throws Error with the server's message when it refuses or cannot answer.
 */
export async function readMine(
	fetch: typeof globalThis.fetch,
	ingest: string,
	site: string,
	visitor: string,
	stringify: Stringify = JSON.stringify
): Promise<StoredRecord[]> {
	const records: StoredRecord[] = [];
	let after: unknown;
	do {
		const page = await ask(fetch, ingest, { site, visitor, action: 'read', after }, stringify);
		records.push(...(page.records as StoredRecord[]));
		after = page.next;
	} while (after);
	return records;
}

/**
 * Erases every record stored under `visitor` on `site`, the request written with
 * `stringify` (as {@link readMine}).
 * @returns how many records the server deleted.
 * @throws Error with the server's message when it refuses or cannot answer.
 */
export async function eraseMine(
	fetch: typeof globalThis.fetch,
	ingest: string,
	site: string,
	visitor: string,
	stringify: Stringify = JSON.stringify
): Promise<number> {
	return (await ask(fetch, ingest, { site, visitor, action: 'erase' }, stringify))
		.deleted as number;
}
