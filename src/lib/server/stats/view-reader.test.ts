import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Couch } from '../couch';
import {
	createViewReader,
	DEFAULT_VIEW_TIMEOUT_MS,
	PENDING_CHANGES,
	STALE_RESERVE_MS
} from './view-reader';

/** How long reads wait for the index in a request with the default budget. */
const WAITING_MS = DEFAULT_VIEW_TIMEOUT_MS - STALE_RESERVE_MS;

/** A view query the reader made, answered when the test says so. */
interface Query {
	view: string;
	stale: boolean;
	answer: (rows: unknown[]) => void;
}

/**
 * A client whose view queries wait for the test and whose `_active_tasks` lists the
 * indexers `tasks()` returns (by their backlog; none: no indexer running).
 */
function fakeCouch(tasks: () => number[], design = '_design/stats') {
	const queries: Query[] = [];
	const asked = vi.fn(async () =>
		tasks().map((behind) => ({
			type: 'indexer',
			database: 't-events',
			design_document: design,
			changes_done: 1_000,
			total_changes: 1_000 + behind
		}))
	);
	const couch = {
		names: { events: 't-events' },
		server: { request: asked },
		events: {
			view: (_design: string, view: string, qs: Record<string, unknown>) =>
				new Promise((resolve) =>
					queries.push({ view, stale: qs.stale === 'ok', answer: (rows) => resolve({ rows }) })
				)
		}
	} as unknown as Couch;
	return { couch, queries, asked };
}

const ROWS = [{ key: ['demo'], value: 3 }];

beforeEach(() => {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
	vi.useRealTimers();
});

describe('the view reader answers within its budget', () => {
	test('an indexer a few changes behind: a read waits for it only until the budget less the stale reserve, then answers what is indexed', async () => {
		const { couch, queries, asked } = fakeCouch(() => [100]);
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(WAITING_MS - 1);
		expect(queries.map((q) => q.stale)).toEqual([false]);
		await vi.advanceTimersByTimeAsync(1);
		expect(queries.map((q) => q.stale)).toEqual([false, true]);
		queries[1].answer(ROWS);
		expect(await read).toEqual(ROWS);
		expect(reader.indexing).toBe(true);
		// The indexer was known to run: no second look at `_active_tasks`.
		expect(asked).toHaveBeenCalledTimes(1);
	});

	test('a read made once the waiting time is spent reads what is indexed at once', async () => {
		const { couch, queries } = fakeCouch(() => [100]);
		const reader = createViewReader(couch, { now: Date.now });
		const first = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		queries[0].answer(ROWS);
		await first;
		expect(reader.indexing).toBe(false);
		// The request's other work took the rest of the waiting time.
		vi.setSystemTime(Date.now() + WAITING_MS);
		const second = reader.read('pages', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(queries.map((q) => [q.view, q.stale])).toEqual([
			['metrics', false],
			['pages', true]
		]);
		queries[1].answer(ROWS);
		expect(await second).toEqual(ROWS);
		expect(reader.indexing).toBe(true);
	});

	test(`more than ${PENDING_CHANGES} changes behind: every read answers what is indexed without waiting`, async () => {
		const { couch, queries } = fakeCouch(() => [PENDING_CHANGES + 1]);
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(queries.map((q) => q.stale)).toEqual([true]);
		queries[0].answer(ROWS);
		expect(await read).toEqual(ROWS);
		expect(reader.indexing).toBe(true);
	});

	test("another design document's indexer, however far behind, does not make the stats reads stale", async () => {
		const { couch, queries } = fakeCouch(() => [PENDING_CHANGES + 1], '_design/visitor');
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(queries.map((q) => q.stale)).toEqual([false]);
		queries[0].answer(ROWS);
		expect(await read).toEqual(ROWS);
		expect(reader.indexing).toBe(false);
	});

	test('no indexer running: a slow read is waited for, not answered stale', async () => {
		const { couch, queries, asked } = fakeCouch(() => []);
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(WAITING_MS);
		// Asked again when the waiting time ran out: still no indexer.
		expect(asked).toHaveBeenCalledTimes(2);
		await vi.advanceTimersByTimeAsync(10 * DEFAULT_VIEW_TIMEOUT_MS);
		expect(queries.map((q) => q.stale)).toEqual([false]);
		queries[0].answer(ROWS);
		expect(await read).toEqual(ROWS);
		expect(reader.indexing).toBe(false);
	});

	test('an indexer that starts during a slow read: the read answers what is indexed when the waiting time runs out', async () => {
		let running: number[] = [];
		const { couch, queries } = fakeCouch(() => running);
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		running = [100];
		await vi.advanceTimersByTimeAsync(WAITING_MS);
		expect(queries.map((q) => q.stale)).toEqual([false, true]);
		queries[1].answer(ROWS);
		expect(await read).toEqual(ROWS);
		expect(reader.indexing).toBe(true);
	});
});

describe('whether a request reads the index as it stands', () => {
	test('yes behind an indexer far behind, asked once with the reads; no when none runs', async () => {
		const far = fakeCouch(() => [PENDING_CHANGES + 1]);
		const reader = createViewReader(far.couch, { now: Date.now });
		expect(await reader.stale()).toBe(true);
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(far.queries.map((q) => q.stale)).toEqual([true]);
		far.queries[0].answer(ROWS);
		await read;
		expect(far.asked).toHaveBeenCalledTimes(1);

		const idle = fakeCouch(() => []);
		expect(await createViewReader(idle.couch, { now: Date.now }).stale()).toBe(false);
		const near = fakeCouch(() => [PENDING_CHANGES]);
		expect(await createViewReader(near.couch, { now: Date.now }).stale()).toBe(false);
	});

	test('yes once a read answered from the index as it stands', async () => {
		let running: number[] = [];
		const { couch, queries } = fakeCouch(() => running);
		const reader = createViewReader(couch, { now: Date.now });
		const read = reader.read('metrics', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(await reader.stale()).toBe(false);
		running = [100];
		await vi.advanceTimersByTimeAsync(WAITING_MS);
		queries[1].answer(ROWS);
		await read;
		expect(await reader.stale()).toBe(true);
	});
});
