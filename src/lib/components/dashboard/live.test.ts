import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { INDEXING_RETRY_MS, LATER_MS, LiveFeed, refreshDelay } from './live.svelte';

test.each([
	[['heartbeat'], LATER_MS],
	[['heartbeat', 'milestone', 'milestone'], LATER_MS],
	[['heartbeat', 'pageview'], 0],
	[['milestone', 'event'], 0],
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
	beforeEach(() => {
		vi.useFakeTimers();
		vi.stubGlobal('EventSource', FakeEventSource);
	});
	afterEach(() => {
		vi.useRealTimers();
		vi.unstubAllGlobals();
	});

	test('re-reads the numbers only while the stream is connected, and once after a reconnect', async () => {
		const reload = vi.fn(() => Promise.resolve());
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

	test('re-reads numbers from an index still being built until they are complete, and stops when closed', async () => {
		const reload = vi.fn(() => Promise.resolve());
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
		const reload = vi.fn(() => Promise.resolve());
		let navigating = false;
		const feed = new LiveFeed('/api/v1/live?site=demo', reload, undefined, () => navigating);
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
});
