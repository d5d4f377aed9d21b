import { describe, expect, test } from 'vitest';
import { CURSOR_OUTDATED, type FunnelResponse } from '$lib/stats/funnels';
import { readFunnelBatches } from './batches';

/** A batch of the Funnels API whose next cursor is `next`, told apart by `read`. */
const batch = (read: number, next: string | null) =>
	({
		progress: { read, total: 3, sessionsRead: read, done: next === null },
		next
	}) as FunnelResponse;

const OUTDATED = {
	error: CURSOR_OUTDATED,
	message: 'this cursor is from an older version of couchstats'
};

/** A Funnels API answering each cursor (`''`: none, the first batch) as `answers` say. */
function api(answers: Record<string, [number, object][]>) {
	const asked: string[] = [];
	const fetch = async (url: string) => {
		const cursor = new URL(url, 'http://localhost').searchParams.get('cursor') ?? '';
		asked.push(cursor);
		const [status, body] = answers[cursor].shift()!;
		return Response.json(body, { status, headers: { 'retry-after': '2' } });
	};
	return { fetch: fetch as typeof globalThis.fetch, asked };
}

describe('readFunnelBatches', () => {
	const query = new URLSearchParams({ site: 'demo', funnel: 'f1' });

	test('reads each batch with the cursor the one before gave, to the last', async () => {
		const { fetch, asked } = api({ c1: [[200, batch(2, 'c2')]], c2: [[200, batch(3, null)]] });
		const read: [number, string | null][] = [];
		const failed = await readFunnelBatches(query, 'c1', {
			fetch,
			stopped: () => false,
			onBatch: (report, cursor) => read.push([report.progress.read, cursor])
		});
		expect([failed, asked, read]).toEqual([
			null,
			['c1', 'c2'],
			[
				[2, 'c1'],
				[3, 'c2']
			]
		]);
	});

	test('a cursor from an older version starts the read again from its first batch, once', async () => {
		const { fetch, asked } = api({
			old: [[400, OUTDATED]],
			'': [[200, batch(1, 'c1')]],
			c1: [[200, batch(3, null)]]
		});
		const read: [number, string | null][] = [];
		const failed = await readFunnelBatches(query, 'old', {
			fetch,
			stopped: () => false,
			onBatch: (report, cursor) => read.push([report.progress.read, cursor])
		});
		expect([failed, asked, read]).toEqual([
			null,
			['old', '', 'c1'],
			[
				[1, null],
				[3, 'c1']
			]
		]);
	});

	test('says why when a read fails, an outdated cursor after a fresh start too, rather than start again forever', async () => {
		const { fetch, asked } = api({ old: [[400, OUTDATED]], '': [[400, OUTDATED]] });
		const failed = await readFunnelBatches(query, 'old', {
			fetch,
			stopped: () => false,
			onBatch: () => {}
		});
		expect([failed, asked]).toEqual([OUTDATED.message, ['old', '']]);
	});

	test("says what a proxy's page of its own was, not the JSON parser's error", async () => {
		// review44: a 502's HTML showed as "SyntaxError: Unexpected token".
		const fetch = (async () =>
			new Response('<html>Bad Gateway</html>', { status: 502 })) as typeof globalThis.fetch;
		const failed = await readFunnelBatches(query, 'c1', {
			fetch,
			stopped: () => false,
			onBatch: () => {}
		});
		expect(failed).toBe('the funnel could not be read (502: the answer was not JSON)');
	});

	test('waits as long as a 429 says, then asks again', async () => {
		const { fetch, asked } = api({
			c1: [
				[429, { error: 'too_many_requests', message: 'later' }],
				[200, batch(3, null)]
			]
		});
		const waits: number[] = [];
		const failed = await readFunnelBatches(query, 'c1', {
			fetch,
			stopped: () => false,
			onBatch: () => {},
			sleep: async (ms) => void waits.push(ms)
		});
		expect([failed, asked, waits]).toEqual([null, ['c1', 'c1'], [2000]]);
	});

	test('stops at once when the page left the read', async () => {
		const { fetch, asked } = api({ c1: [[200, batch(2, 'c2')]] });
		let stopped = false;
		const failed = await readFunnelBatches(query, 'c1', {
			fetch,
			stopped: () => stopped,
			onBatch: () => (stopped = true)
		});
		expect([failed, asked]).toEqual([null, ['c1']]);
	});
});
