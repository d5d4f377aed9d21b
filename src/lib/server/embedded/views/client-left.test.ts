/**
 * A read whose client left (engine.ts `ReadFor.signal`): once its signal is aborted, a
 * view read stops at its next store round trip and closes its iterators, several
 * queries of one request stop together before their snapshot is closed, and a read
 * waiting for its index stops waiting while the index goes on. Over HTTP:
 * tests/integration/read-abandoned.test.ts.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startViewEngine, type ServedView, type ViewEngine } from './engine';
import { parseViewQuery } from './params';
import { CHUNK, readCounts } from './reader';
import { memoryPouch, type MemoryDatabase } from './test-index';

/** Documents: a full read of a view takes about 50 store round trips. */
const DOCS = 12_000;
const name = `client-left-${Date.now()}`;
let db: MemoryDatabase;
let engine: ViewEngine;

beforeAll(async () => {
	const Pouch = memoryPouch();
	db = new Pouch(name);
	await db.put({
		_id: '_design/d',
		views: {
			rows: { map: 'function (doc) { emit(doc.n, null); }' },
			// Keys of two depths: a grouped read merges two walks.
			count: {
				map: 'function (doc) { emit(doc.n % 2 ? doc.n : [doc.n], 1); }',
				reduce: '_count'
			}
		}
	});
	await addDocs(0, DOCS);
	// Indexing waits for a read in flight as long as it lasts (the update=true test holds one).
	engine = await startViewEngine({ Pouch, readWaitMs: 600_000, log: () => {} });
	await served('rows').query(parseViewQuery(new URLSearchParams('limit=0')));
}, 120_000);

afterAll(async () => {
	await engine?.close();
	await db?.destroy();
});

async function addDocs(from: number, count: number) {
	for (let first = from; first < from + count; first += 4_000) {
		const n = Math.min(4_000, from + count - first);
		await db.bulkDocs(
			Array.from({ length: n }, (_, i) => ({ _id: `d${first + i}`, n: first + i }))
		);
	}
}

function served(view: string): ServedView {
	return {
		query: async (query, by) => (await engine.view(name, '_design/d', view))!.query(query, by),
		queries: async (queries, by) =>
			(await engine.view(name, '_design/d', view))!.queries(queries, by)
	};
}

const query = (search: string) => parseViewQuery(new URLSearchParams(search));

/** Aborts `left` once the read under way has read `entries` stored entries. */
async function abortAfter(left: AbortController, entries: number, from: number) {
	await vi.waitFor(() => expect(readCounts.entries - from).toBeGreaterThanOrEqual(entries), {
		timeout: 20_000,
		interval: 0
	});
	const read = readCounts.entries - from;
	left.abort();
	return read;
}

test.each([
	{ view: 'rows', search: 'reduce=false', rows: DOCS },
	{ view: 'count', search: 'group=true', rows: DOCS }
])(
	'a read ($view, $search) whose client left stops at its next store round trip and closes its iterators',
	async ({ view, search, rows }) => {
		const whole = readCounts.entries;
		expect((await served(view).query(query(search))).rows).toHaveLength(rows);
		const all = readCounts.entries - whole;
		const iterators = readCounts.iterators;

		const left = new AbortController();
		const from = readCounts.entries;
		const answer = served(view).query(query(search), { signal: left.signal });
		answer.catch(() => undefined);
		const atAbort = await abortAfter(left, CHUNK, from);
		await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
		const read = readCounts.entries - from;
		// At most a round trip already under way per walk (two walks merged for `count`).
		expect(read - atAbort).toBeLessThanOrEqual(2 * CHUNK);
		expect(read).toBeLessThan(all / 2);
		expect(readCounts.iterators).toBe(iterators);
		expect(getEventListeners(left.signal, 'abort')).toHaveLength(0);
		// Other reads are answered as before.
		expect((await served(view).query(query(search))).rows).toHaveLength(rows);
	}
);

test('several queries of a request stop together, their iterators closed before it rejects', async () => {
	const queries = ['reduce=false', 'reduce=false&descending=true', 'reduce=false&startkey=6000'];
	const iterators = readCounts.iterators;
	const left = new AbortController();
	const from = readCounts.entries;
	const answers = served('rows').queries(queries.map(query), { signal: left.signal });
	answers.catch(() => undefined);
	await abortAfter(left, 3 * CHUNK, from);
	await expect(answers).rejects.toMatchObject({ name: 'AbortError' });
	// No query still reads the snapshot (closed once the last stopped).
	expect(readCounts.iterators).toBe(iterators);
	expect(readCounts.entries - from).toBeLessThan(DOCS);
	const full = await served('rows').queries(queries.map(query));
	expect(full.map((answer) => answer.rows.length)).toEqual([DOCS, DOCS, DOCS - 6_000]);
});

test('a read waiting for its index stops waiting when its client leaves; the indexing goes on', async () => {
	// Indexing makes no progress while this read is in flight (readWaitMs above).
	const held = engine.reads.begin();
	try {
		await addDocs(DOCS, 500);
		const left = new AbortController();
		const answer = served('count').query(query(''), { signal: left.signal });
		answer.catch(() => undefined);
		// The read listens to its signal once it waits for the index.
		await vi.waitFor(() => expect(getEventListeners(left.signal, 'abort')).toHaveLength(1), {
			timeout: 20_000,
			interval: 0
		});
		left.abort();
		await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
		expect(getEventListeners(left.signal, 'abort')).toHaveLength(0);
		const stale = await served('count').query(query('update=false'));
		expect(stale.rows).toEqual([{ key: null, value: DOCS }]);
	} finally {
		held.end();
	}
	const caughtUp = await served('count').query(query(''));
	expect(caughtUp.rows).toEqual([{ key: null, value: DOCS + 500 }]);
	// The documents it added go again: the tests share the database and, shuffled, may
	// run after this one.
	const added = await db.allDocs({ keys: Array.from({ length: 500 }, (_, i) => `d${DOCS + i}`) });
	await db.bulkDocs(
		added.rows.map((row) => ({
			_id: row.id,
			_rev: (row as { value: { rev: string } }).value.rev,
			_deleted: true
		}))
	);
	const restored = await served('count').query(query(''));
	expect(restored.rows).toEqual([{ key: null, value: DOCS }]);
});
