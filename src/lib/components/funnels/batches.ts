/**
 * The browser side of a funnel read in batches (the Funnels API, README "Funnels API"):
 * the page shows the first batch the server read, and this reads the next ones, each
 * with the cursor the one before gave, until the last.
 */
import { CURSOR_OUTDATED, type FunnelResponse } from '$lib/stats/funnels';

/** What {@link readFunnelBatches} needs besides the read: injectable for tests. */
export interface BatchReading {
	/** Called with each batch read and the cursor it was read with (null: the first batch). */
	onBatch(report: FunnelResponse, cursor: string | null): void;
	/** Whether the page left the read (another funnel or range): it stops at once. */
	stopped(): boolean;
	fetch?: typeof fetch;
	/** Waits `ms`; default a timer. */
	sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads a funnel's batches from `cursor` (the first batch's `next`) to the last, for the
 * Funnels API parameters `query`. Told to wait (429, the read budget), it waits its
 * `Retry-After` and asks again. A cursor an older couchstats wrote ({@link CURSOR_OUTDATED}:
 * a reader who upgraded mid-read) cannot go on exactly: the read starts again from its
 * first batch, once, rather than show the error.
 * @returns the message of the failure that ended the read, or null when it was read to
 *   its end or stopped.
 */
export async function readFunnelBatches(
	query: URLSearchParams,
	cursor: string,
	reading: BatchReading
): Promise<string | null> {
	const get = reading.fetch ?? fetch;
	const sleep = reading.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
	/** The cursor of the next batch; '' for the first, null when there is none. */
	let next: string | null = cursor;
	let restarted = false;
	while (next !== null && !reading.stopped()) {
		const from: string | null = next;
		const res: Response = await get(`/api/v1/funnels?${query}${from ? `&cursor=${from}` : ''}`);
		// A proxy between may answer with a page of its own (a 502's HTML): said as such, not
		// as the parser's error (review44).
		const body: (FunnelResponse & { error?: string; message?: string }) | null = await res
			.json()
			.catch(() => null);
		if (reading.stopped()) return null;
		if (res.status === 429) {
			await sleep((Number(res.headers.get('retry-after')) || 1) * 1000);
			continue;
		}
		if (!body) return `the funnel could not be read (${res.status}: the answer was not JSON)`;
		if (res.status === 400 && body.error === CURSOR_OUTDATED && !restarted) {
			restarted = true;
			next = '';
			continue;
		}
		if (!res.ok) return body.message ?? 'the funnel could not be read';
		reading.onBatch(body, from || null);
		next = body.next;
	}
	return null;
}
