import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Reread } from '$lib/reread';
import { ACCESS_ENDED, ACCESS_UNCHECKED, LATEST_MAX } from '$lib/stats/active';
import {
	INDEXING_RETRY_MS,
	LATER_MS,
	LiveFeed,
	READ_PACE,
	READ_PACE_FROM_MS,
	RETRY_MAX_MS,
	RETRY_MS,
	refreshDelay
} from './live.svelte';

test.each([
	[['heartbeat'], LATER_MS],
	[['heartbeat', 'milestone', 'milestone'], LATER_MS],
	[['heartbeat', 'pageview'], 0],
	[['milestone', 'event'], 0],
	[['heartbeat', 'return'], 0],
	[['dropped'], LATER_MS]
])('records of types %j refresh the page after %i ms', (types, delay) => {
	expect(refreshDelay(types.map((type) => ({ type })))).toBe(delay);
});

/** Stands in for the browser's `EventSource`: the test dispatches its events. */
class FakeEventSource extends EventTarget {
	static readonly CLOSED = 2;
	static last: FakeEventSource | undefined;
	readyState = 0;
	constructor(readonly url: string) {
		super();
		FakeEventSource.last = this;
	}
	close() {
		this.readyState = FakeEventSource.CLOSED;
	}
	send(type: string, data?: unknown) {
		this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data) }));
	}
}

describe('LiveFeed', () => {
	/** How the live endpoint answers the feed's own request after a refused stream. */
	let answer = 503;
	const fetched = vi.fn(() => Promise.resolve(new Response('{}', { status: answer })));
	beforeEach(() => {
		vi.useFakeTimers();
		vi.stubGlobal('EventSource', FakeEventSource);
		answer = 503;
		fetched.mockClear();
		vi.stubGlobal('fetch', fetched);
	});
	afterEach(() => {
		vi.useRealTimers();
		vi.unstubAllGlobals();
	});

	test('re-reads the numbers only while the stream is connected, and once after a reconnect', async () => {
		const reload = vi.fn(() => Promise.resolve<Reread>('read'));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		const source = () => FakeEventSource.last!;
		source().send('ready');
		expect(feed.status).toBe('live');

		source().send('records', { records: [{ type: 'pageview', path: '/', ts: 1 }] });
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(1));

		// A heartbeat asks for a re-read a moment later; the server goes away meanwhile
		// (a restart): no re-read may run while it is unreachable, whoever asks for it.
		source().send('records', { records: [{ type: 'heartbeat', path: '/', ts: 2 }] });
		source().readyState = FakeEventSource.CLOSED;
		source().send('error');
		expect(feed.status).toBe('reconnecting');
		await vi.advanceTimersByTimeAsync(LATER_MS);
		await feed.refresh();
		expect(reload).toHaveBeenCalledTimes(1);

		// EventSource gave up on the refused request: the feed opens a new one, and its
		// `ready` brings the numbers up to date once.
		await vi.advanceTimersByTimeAsync(3_000);
		source().send('ready');
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(2));
		stop();
	});

	test('stops for good when the stream ends because access ended, and says so', async () => {
		const reload = vi.fn(() => Promise.resolve<Reread>('read'));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		const first = FakeEventSource.last!;
		first.send('ready');
		first.send('end', { reason: ACCESS_ENDED });
		expect(feed.status).toBe('ended');
		expect(first.readyState).toBe(FakeEventSource.CLOSED);
		await vi.advanceTimersByTimeAsync(60_000);
		await feed.refresh();
		expect(FakeEventSource.last).toBe(first);
		expect(reload).not.toHaveBeenCalled();
		stop();
		expect(feed.status).toBe('ended');
	});

	test('stops for good when the stream is refused with 401 or 403, and retries any other refusal', async () => {
		for (const [status, ended] of [
			[401, true],
			[403, true],
			[503, false],
			[429, false]
		] as const) {
			answer = status;
			const feed = new LiveFeed('/api/v1/live?site=demo', () => Promise.resolve<Reread>('read'));
			const stop = feed.start();
			const first = FakeEventSource.last!;
			first.readyState = FakeEventSource.CLOSED;
			first.send('error');
			await vi.advanceTimersByTimeAsync(3_000);
			expect(fetched).toHaveBeenLastCalledWith('/api/v1/live?site=demo', { cache: 'no-store' });
			expect(feed.status).toBe(ended ? 'ended' : 'reconnecting');
			expect(FakeEventSource.last === first).toBe(ended);
			stop();
		}
	});

	test.each([ACCESS_UNCHECKED, 'shutting down'])(
		'reconnects after an end for any other reason (%s), as after a restart',
		async (reason) => {
			const feed = new LiveFeed('/api/v1/live?site=demo', () => Promise.resolve<Reread>('read'));
			const stop = feed.start();
			const first = FakeEventSource.last!;
			first.send('ready');
			first.send('end', { reason });
			expect(feed.status).toBe('live');
			first.readyState = FakeEventSource.CLOSED;
			first.send('error');
			await vi.advanceTimersByTimeAsync(3_000);
			expect(FakeEventSource.last).not.toBe(first);
			stop();
		}
	);

	test('re-reads numbers from an index still being built until they are complete, and stops when closed', async () => {
		const reload = vi.fn(() => Promise.resolve<Reread>('read'));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		// Read before the stream is connected: re-read once it is.
		feed.settled(true);
		await vi.advanceTimersByTimeAsync(3 * INDEXING_RETRY_MS);
		expect(reload).not.toHaveBeenCalled();
		FakeEventSource.last!.send('ready');
		await vi.advanceTimersByTimeAsync(INDEXING_RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(1);
		// The re-read is still incomplete: once more; then complete: no more.
		feed.settled(true);
		await vi.advanceTimersByTimeAsync(INDEXING_RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(2);
		feed.settled(false);
		await vi.advanceTimersByTimeAsync(10 * INDEXING_RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(2);

		feed.settled(true);
		stop();
		await vi.advanceTimersByTimeAsync(10 * INDEXING_RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(2);
	});

	test('holds a re-read back while the page navigates, and runs it once the navigation has ended', async () => {
		const reload = vi.fn(() => Promise.resolve<Reread>('read'));
		let navigating = false;
		const feed = new LiveFeed('/api/v1/live?site=demo', reload, () => navigating);
		const stop = feed.start();
		FakeEventSource.last!.send('ready');
		// A click on a row starts a navigation; records arrive before it ends.
		navigating = true;
		FakeEventSource.last!.send('records', { records: [{ type: 'pageview', path: '/', ts: 1 }] });
		await feed.refresh();
		expect(reload).not.toHaveBeenCalled();
		navigating = false;
		feed.navigated();
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
		// Nothing held: a navigation's end re-reads nothing.
		feed.navigated();
		expect(reload).toHaveBeenCalledTimes(1);
		stop();
	});

	test('a re-read that fails while the stream stays connected marks the numbers not up to date and is tried again, less often each time, until it succeeds', async () => {
		const outcomes: Reread[] = ['failed', 'failed', 'failed', 'failed', 'failed', 'read'];
		const reload = vi.fn(() => Promise.resolve(outcomes.shift()!));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		FakeEventSource.last!.send('ready');
		FakeEventSource.last!.send('records', { records: [{ type: 'pageview', path: '/', ts: 1 }] });
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
		expect(feed.status).toBe('behind');
		// Tried again after 2, 4, 8, 16 s, then at most every 30 s.
		let calls = 1;
		for (const wait of [RETRY_MS, 2 * RETRY_MS, 4 * RETRY_MS, 8 * RETRY_MS, RETRY_MAX_MS]) {
			await vi.advanceTimersByTimeAsync(wait - 1);
			expect(reload).toHaveBeenCalledTimes(calls);
			await vi.advanceTimersByTimeAsync(1);
			expect(reload).toHaveBeenCalledTimes(++calls);
		}
		expect(feed.status).toBe('live');
		// Read: no more tries, and the next failure waits the first wait again.
		await vi.advanceTimersByTimeAsync(10 * RETRY_MAX_MS);
		expect(reload).toHaveBeenCalledTimes(6);
		outcomes.push('failed', 'read');
		await feed.refresh();
		expect(feed.status).toBe('behind');
		await vi.advanceTimersByTimeAsync(RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(8);
		expect(feed.status).toBe('live');
		stop();
	});

	test('a failed re-read is not tried while the stream is down: the reconnect re-reads, and the numbers stay marked until it succeeds', async () => {
		const outcomes: Reread[] = ['failed', 'failed', 'read'];
		const reload = vi.fn(() => Promise.resolve(outcomes.shift()!));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		const source = () => FakeEventSource.last!;
		source().send('ready');
		await feed.refresh();
		expect(feed.status).toBe('behind');
		source().send('error');
		expect(feed.status).toBe('reconnecting');
		await vi.advanceTimersByTimeAsync(10 * RETRY_MAX_MS);
		expect(reload).toHaveBeenCalledTimes(1);
		// Connected again, its re-read fails: still not up to date, tried again later.
		source().send('ready');
		expect(feed.status).toBe('behind');
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(2));
		expect(feed.status).toBe('behind');
		await vi.advanceTimersByTimeAsync(2 * RETRY_MS);
		expect(reload).toHaveBeenCalledTimes(3);
		expect(feed.status).toBe('live');
		stop();
	});

	test('the latest list takes the records of every read and of the stream, each once, newest first', () => {
		const feed = new LiveFeed('/api/v1/live?site=demo', () => Promise.resolve<Reread>('read'));
		const stop = feed.start();
		feed.add([
			{ type: 'pageview', path: '/b', ts: 20 },
			{ type: 'heartbeat', path: '/b', ts: 15 },
			{ type: 'event', path: '/a', name: 'buy', ts: 10 }
		]);
		FakeEventSource.last!.send('ready');
		// The stream replays a record the read had, and brings one made earlier that came late.
		FakeEventSource.last!.send('records', {
			records: [
				{ type: 'pageview', path: '/b', ts: 20 },
				{ type: 'return', path: '/a', ts: 30 },
				{ type: 'pageview', path: '/old', ts: 5 }
			]
		});
		// A read after `missed` brings one the stream never sent.
		feed.add([
			{ type: 'pageview', path: '/c', ts: 25 },
			{ type: 'pageview', path: '/b', ts: 20 }
		]);
		expect(feed.latest.map(({ type, path, ts }) => [type, path, ts])).toEqual([
			['return', '/a', 30],
			['pageview', '/c', 25],
			['pageview', '/b', 20],
			['event', '/a', 10],
			['pageview', '/old', 5]
		]);
		expect(new Set(feed.latest.map((r) => r.key)).size).toBe(5);
		stop();
	});

	test('a re-read waits after a dear one before it for READ_PACE times what that one took, after a cheap one for nothing', async () => {
		let calls = 0;
		const reload = vi.fn(async () => {
			calls++;
			await new Promise((resolve) => setTimeout(resolve, 1000));
			return 'read' as Reread;
		});
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start();
		FakeEventSource.last!.send('ready');
		const first = feed.refresh();
		await vi.advanceTimersByTimeAsync(1000);
		await first;
		expect(calls).toBe(1);
		void feed.refresh();
		await vi.advanceTimersByTimeAsync(READ_PACE * 1000 - 10);
		expect(calls).toBe(1);
		await vi.advanceTimersByTimeAsync(20);
		expect(calls).toBe(2);
		await vi.advanceTimersByTimeAsync(1000);
		// A cheap re-read: the next one runs at once.
		reload.mockImplementation(async () => {
			calls++;
			await new Promise((resolve) => setTimeout(resolve, READ_PACE_FROM_MS - 1));
			return 'read' as Reread;
		});
		await vi.advanceTimersByTimeAsync(READ_PACE * 1000);
		const cheap = feed.refresh();
		await vi.advanceTimersByTimeAsync(READ_PACE_FROM_MS);
		await cheap;
		void feed.refresh();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls).toBe(4);
		stop();
	});

	test('records older than a full latest list leave the list as it was, unwritten', () => {
		// An outside review: each streamed record cut the read's oldest, which the
		// dashboard's effect added back, and so on until Svelte stopped the widget.
		const feed = new LiveFeed('/api/v1/live?site=demo', () => Promise.resolve<Reread>('read'));
		const read = Array.from({ length: LATEST_MAX }, (_, i) => ({
			type: 'pageview',
			path: `/p${i}`,
			ts: 100 + i
		}));
		feed.add(read);
		feed.add([{ type: 'pageview', path: '/new', ts: 1000 }]);
		const list = feed.latest;
		expect(list).toHaveLength(LATEST_MAX);
		expect(list.map((r) => r.path)).not.toContain('/p0');
		feed.add(read);
		expect(feed.latest).toBe(list);
	});

	test('the first connection asks from the sequence the page was read at, and a page that missed records reads again', async () => {
		const reload = vi.fn(() => Promise.resolve<Reread>('read'));
		const feed = new LiveFeed('/api/v1/live?site=demo', reload);
		const stop = feed.start('42-g1AAAA_x');
		expect(FakeEventSource.last!.url).toBe('/api/v1/live?site=demo&since=42-g1AAAA_x');
		FakeEventSource.last!.send('ready');
		expect(reload).not.toHaveBeenCalled();
		FakeEventSource.last!.send('missed', {});
		// With the latest events, which other re-reads leave to the stream.
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
		expect(reload).toHaveBeenLastCalledWith(true);
		FakeEventSource.last!.send('records', { records: [{ type: 'pageview', path: '/', ts: 1 }] });
		await vi.waitFor(() => expect(reload).toHaveBeenCalledTimes(2));
		expect(reload).toHaveBeenLastCalledWith(false);
		// A reconnection reads again anyway: it asks from nowhere.
		FakeEventSource.last!.readyState = FakeEventSource.CLOSED;
		FakeEventSource.last!.send('error');
		await vi.advanceTimersByTimeAsync(3_000);
		expect(FakeEventSource.last!.url).toBe('/api/v1/live?site=demo');
		stop();
	});
});
