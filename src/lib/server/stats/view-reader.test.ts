import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Couch } from '../couch';
import {
	createViewReader,
	DEFAULT_VIEW_TIMEOUT_MS,
	MAX_BATCH,
	PENDING_CHANGES,
	STAGED_LOOK_MS,
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

/** Queries sent as one request (`…/_view/{view}/queries`), answered when the test says so. */
interface Batch {
	path: string;
	queries: Record<string, unknown>[];
	answer: (rows: unknown[][]) => void;
	fail: (error: Error) => void;
}

/**
 * A client whose view queries wait for the test and whose `_active_tasks` lists the
 * indexers `tasks()` returns (by their backlog; none: no indexer running); `staged`:
 * the design documents the events database holds besides the live ones.
 */
function fakeCouch(tasks: () => number[], design = '_design/stats', staged: string[] = []) {
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
	const batches: Batch[] = [];
	const couch = {
		names: { events: 't-events' },
		server: {
			request: asked,
			relax: ({ path, body }: { path: string; body: { queries: Record<string, unknown>[] } }) =>
				new Promise((resolve, reject) =>
					batches.push({
						path,
						queries: body.queries,
						answer: (rows) => resolve({ results: rows.map((r) => ({ rows: r })) }),
						fail: reject
					})
				)
		},
		events: {
			head: async (id: string) => {
				if (!staged.includes(id)) throw Object.assign(new Error('missing'), { statusCode: 404 });
				return {};
			},
			view: (_design: string, view: string, qs: Record<string, unknown>) =>
				new Promise((resolve) =>
					queries.push({ view, stale: qs.stale === 'ok', answer: (rows) => resolve({ rows }) })
				)
		}
	} as unknown as Couch;
	return { couch, queries, asked, batches };
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

	test('yes while a changed _design/stats is staged beside the live one', async () => {
		const staged = fakeCouch(() => [], '_design/stats', ['_design/stats-next']);
		expect(await createViewReader(staged.couch, { now: Date.now }).stale()).toBe(true);
		const other = fakeCouch(() => [], '_design/stats', ['_design/visitor-next']);
		expect(await createViewReader(other.couch, { now: Date.now }).stale()).toBe(false);
	});

	test('looks for the staged design document once per STAGED_LOOK_MS per client', async () => {
		const { couch } = fakeCouch(() => [], '_design/stats', ['_design/stats-next']);
		const head = vi.spyOn(couch.events, 'head');
		expect(await createViewReader(couch, { now: Date.now }).stale()).toBe(true);
		vi.setSystemTime(Date.now() + STAGED_LOOK_MS - 1);
		expect(await createViewReader(couch, { now: Date.now }).stale()).toBe(true);
		expect(head).toHaveBeenCalledTimes(1);
		vi.setSystemTime(Date.now() + 1);
		await createViewReader(couch, { now: Date.now }).stale();
		expect(head).toHaveBeenCalledTimes(2);
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

describe('queries made together', () => {
	test('of one view go as one request, in order; other views and stale reads apart', async () => {
		const { couch, queries, batches } = fakeCouch(() => []);
		const reader = createViewReader(couch);
		const reads = [
			reader.read('pages', { startkey: ['a'], endkey: ['a', {}], group: true }),
			reader.read('metrics', { keys: [['m']] }),
			reader.read('pages', { keys: [['b'], ['c']], group: true })
		];
		await vi.advanceTimersByTimeAsync(0);
		expect(batches.map((b) => [b.path, b.queries])).toEqual([
			[
				'_design/stats/_view/pages/queries',
				[
					{ startkey: ['a'], endkey: ['a', {}], group: true },
					{ keys: [['b'], ['c']], group: true }
				]
			]
		]);
		expect(queries.map((q) => q.view)).toEqual(['metrics']);
		batches[0].answer([[{ key: ['a', 1], value: 1 }], [{ key: ['c'], value: 2 }]]);
		queries[0].answer(ROWS);
		expect(await Promise.all(reads)).toEqual([
			[{ key: ['a', 1], value: 1 }],
			ROWS,
			[{ key: ['c'], value: 2 }]
		]);
		expect([reader.queries, reader.rowsRead]).toEqual([3, 3]);
		// A stale read and a fresh one of the same view, made together, go apart.
		const far = fakeCouch(() => [PENDING_CHANGES + 1]);
		const stale = createViewReader(far.couch);
		void stale.read('pages', {});
		void stale.read('pages', {});
		await vi.advanceTimersByTimeAsync(0);
		expect(far.batches.map((b) => b.queries)).toEqual([[{ stale: 'ok' }, { stale: 'ok' }]]);
	});

	test(`at most ${MAX_BATCH} to a request`, async () => {
		const { couch, batches } = fakeCouch(() => []);
		const reader = createViewReader(couch);
		const reads = Array.from({ length: MAX_BATCH + 3 }, (_, i) => reader.read('s', { limit: i }));
		await vi.advanceTimersByTimeAsync(0);
		expect(batches.map((b) => b.queries.map((q) => q.limit))).toEqual([
			Array.from({ length: MAX_BATCH }, (_, i) => i),
			[MAX_BATCH, MAX_BATCH + 1, MAX_BATCH + 2]
		]);
		for (const batch of batches) batch.answer(batch.queries.map((q) => [{ key: [q.limit] }]));
		expect((await Promise.all(reads)).map((rows) => rows[0].key[0])).toEqual(
			Array.from({ length: MAX_BATCH + 3 }, (_, i) => i)
		);
	});

	test('a request that fails is asked again one query at a time, each read getting its own answer', async () => {
		const { couch, queries, batches } = fakeCouch(() => []);
		const reader = createViewReader(couch);
		const reads = [reader.read('pages', { limit: 1 }), reader.read('pages', { limit: 2 })];
		await vi.advanceTimersByTimeAsync(0);
		batches[0].fail(new Error('not supported'));
		await vi.advanceTimersByTimeAsync(0);
		expect(queries.map((q) => q.view)).toEqual(['pages', 'pages']);
		// So is one whose answer is not a result per query.
		const more = [reader.read('pages', { limit: 3 }), reader.read('pages', { limit: 4 })];
		await vi.advanceTimersByTimeAsync(0);
		batches[1].answer([[{ key: 3, value: 'three' }]]);
		await vi.advanceTimersByTimeAsync(0);
		expect(queries).toHaveLength(4);
		queries[2].answer([{ key: 3, value: 'three' }]);
		queries[3].answer([{ key: 4, value: 'four' }]);
		expect(await Promise.all(more)).toEqual([
			[{ key: 3, value: 'three' }],
			[{ key: 4, value: 'four' }]
		]);
		queries[1].answer([{ key: 2, value: 'two' }]);
		queries[0].answer([{ key: 1, value: 'one' }]);
		expect(await Promise.all(reads)).toEqual([
			[{ key: 1, value: 'one' }],
			[{ key: 2, value: 'two' }]
		]);
	});

	test('a client that throws at once fails the read, never leaves it waiting', async () => {
		// Seen with a fake client by a helper: the read waited for good.
		const { couch } = fakeCouch(() => []);
		(couch.events as unknown as { view: () => never }).view = () => {
			throw new Error('refused at once');
		};
		const reader = createViewReader(couch);
		await expect(reader.read('pages', { limit: 1 })).rejects.toThrow('refused at once');
	});
});
