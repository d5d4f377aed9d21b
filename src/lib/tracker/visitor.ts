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
 */
import type { StoredRecord } from '../records.ts';
import type { Host } from './tracker.ts';

/** What the calls take of the core: its fetch (`window`), the endpoint and site, its JSON. */
export type Asker = Pick<Host, 'settings' | 'window' | 'stringify'>;

/** Longest `Retry-After` waited for before giving up with the server's message, in seconds. */
const MAX_RETRY_S = 10;

/** Posts one request to the visitor endpoint; retries shortly when asked to. */
async function ask(host: Asker, body: object): Promise<Record<string, unknown>> {
	const { settings: s } = host;
	for (;;) {
		const response = await host.window.fetch(new URL('../v1/visitor', s.endpoint + '/').href, {
			method: 'POST',
			body: host.stringify({ site: s.site, ...body }),
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
 * Every record stored under `visitor` on the site, oldest first, read page by page.
 * @throws Error with the server's message when it refuses or cannot answer.
 */
export async function readMine(host: Asker, visitor: string): Promise<StoredRecord[]> {
	const records: StoredRecord[] = [];
	let after: unknown;
	do {
		const page = await ask(host, { visitor, action: 'read', after });
		records.push(...(page.records as StoredRecord[]));
		after = page.next;
	} while (after);
	return records;
}

/**
 * Erases every record stored under `visitor` on the site.
 * @returns how many records the server deleted.
 * @throws Error with the server's message when it refuses or cannot answer.
 */
export async function eraseMine(host: Asker, visitor: string): Promise<number> {
	return (await ask(host, { visitor, action: 'erase' })).deleted as number;
}
