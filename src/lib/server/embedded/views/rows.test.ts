/**
 * Map rows kept on demand (rows.ts): an index that keeps no rows for its `_count` and
 * `_sum` views stores none after a catch-up, answers every read that needs rows from the
 * back-index exactly as an index keeping them does, asks for them, and once they are built
 * — in chunks between batches that update and delete documents on both sides of the
 * build's progress, with a restart in the middle — stores byte for byte what the index
 * that kept them from the start stores. An index made before (no `rowsKept`) keeps them.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { writeBatch, type Change } from './batch';
import { checkIndex } from './check';
import { healDirty } from './heal';
import { parseViewQuery } from './params';
import { answerQuery } from './query';
import { ViewReader } from './reader';
import { Indexer, type ChangesSource } from './indexer';
import { CHOOSE_AFTER_DOCS, WANT_ROWS, buildRows, chooseRows } from './rows';
import type { MapSandbox } from './sandbox';
import { indexRange, keyText, metaKey, type IndexMeta, type Level } from './store';
import { closeTempStores, dumpIndex, newTestIndex, seededInts, writeChanges } from './test-index';

afterEach(closeTempStores);

/** One view of each kind; keys repeat within and across documents, some do not read back. */
const VIEWS = [
	{
		name: 'count',
		reducer: '_count',
		map: 'function (doc) { emit([doc.g, doc.b], null); if (doc.b === 2) emit([doc.g, doc.b], 1); }'
	},
	{
		name: 'plain',
		reducer: null,
		map: 'function (doc) { emit(doc.g, doc.v); }'
	},
	{
		name: 'stats',
		reducer: '_stats',
		map: 'function (doc) { emit([doc.g], doc.v); }'
	},
	{
		name: 'sum',
		reducer: '_sum',
		map: 'function (doc) { emit([doc.g, doc.v], [doc.v, 1]); emit([doc.g, doc.v], [1, doc.b]); emit(doc.b, doc.v); }'
	}
] as const;

/** The views whose rows are kept on demand: count and sum. */
const LAZY = [0, 3];

/** Seeded documents, a few with astral characters in their ids. */
function documents(count: number, seed: number) {
	const next = seededInts(seed);
	return Array.from({ length: count }, (_, i) => ({
		_id: `doc-${String(i).padStart(3, '0')}${i % 17 === 0 ? '😀' : ''}`,
		g: ['a', 'b', 'c'][next(3)],
		b: next(4),
		v: next(9) - 4 + [0, 0.5, -1.1][next(3)]
	}));
}

/** Creation, then two rounds of updates and deletions: rows on both sides of a build. */
function phases(): Change[][] {
	const docs = documents(90, 5);
	let seq = 0;
	const out: Change[][] = [
		docs.map((doc) => ({ id: doc._id, seq: ++seq, doc, changes: [{ rev: '1-a' }] }))
	];
	for (const round of [2, 3]) {
		out.push(
			docs
				.filter((_, i) => i % round === 0)
				.map((doc, i) =>
					i % 3 === 0
						? { id: doc._id, seq: ++seq, deleted: true, changes: [{ rev: `${round}-a` }] }
						: {
								id: doc._id,
								seq: ++seq,
								doc: { ...doc, v: doc.v * -2 + round, b: (doc.b + round) % 5 },
								changes: [{ rev: `${round}-a` }]
							}
				)
		);
	}
	return out;
}

/** Map rows stored per view (`i1/<view>/r|…`). */
async function storedRows(store: Level, views: number = VIEWS.length): Promise<number[]> {
	const counts = new Array<number>(views).fill(0);
	for await (const key of store.keys({ ...indexRange(1), keyEncoding: 'buffer' })) {
		const found = /^i1\/(\d+)\/r\|/.exec(keyText(key as unknown as Buffer));
		if (found) counts[Number(found[1])]++;
	}
	return counts;
}

/** Queries that need rows: reduce=false reads, and reduces cut by a document id. */
const QUERIES = [
	'reduce=false',
	'reduce=false&descending=true&limit=7&skip=2',
	'reduce=false&startkey=["b"]&endkey=["c",{}]',
	'reduce=false&startkey="b"&endkey="c"',
	'reduce=false&startkey=2&endkey=3&inclusive_end=false',
	'reduce=false&key=["a",2]',
	'reduce=false&startkey=["a",2]&startkey_docid=doc-040&endkey=["c",1]&endkey_docid=doc-050',
	'reduce=false&keys=[["b",1],["a",3],1]',
	'group=true&startkey=["a",1]&startkey_docid=doc-030&endkey=["c",2]&endkey_docid=doc-060',
	'startkey=["a",0]&startkey_docid=doc-020&endkey=["b",3]&endkey_docid=doc-070',
	'group_level=1&startkey=["b"]&startkey_docid=doc-044',
	'descending=true&startkey=["c",3]&startkey_docid=doc-080&endkey=["a"]&endkey_docid=doc-010'
];

/** Every query's answer on every view it applies to. */
async function answers(
	{ store, sandbox }: { store: Level; sandbox: MapSandbox },
	meta: IndexMeta,
	want?: (view: number) => void
) {
	const out: unknown[] = [];
	for (let view = 0; view < VIEWS.length; view++) {
		for (const text of QUERIES) {
			const query = parseViewQuery(new URLSearchParams(text));
			if (VIEWS[view].reducer === null && query.reduce !== false) continue;
			const reader = new ViewReader(
				store,
				undefined,
				meta,
				view,
				(v, level) => {
					if (level === WANT_ROWS) want?.(v);
				},
				sandbox
			);
			out.push([VIEWS[view].name, text, await answerQuery(reader, query, async () => new Map())]);
		}
	}
	return out;
}

test('a reduce view keeps no rows until a read needs them, then reads answer alike before and after the build', async () => {
	const eager = await newTestIndex(VIEWS, true);
	const lazy = await newTestIndex(VIEWS, true, true);
	const [first, ...later] = phases();
	for (const index of [eager, lazy]) {
		for (let i = 0; i < first.length; i += 25) {
			const batch = first.slice(i, i + 25);
			await writeChanges(index, batch);
		}
	}
	// After the catch-up: no rows for the _count and _sum views, every row for the others.
	const rows = await storedRows(lazy.store);
	expect(LAZY.map((view) => rows[view])).toEqual([0, 0]);
	expect(rows).toEqual((await storedRows(eager.store)).map((n, i) => (LAZY.includes(i) ? 0 : n)));
	expect(await checkIndex(lazy.store, lazy.meta, lazy.sandbox)).toEqual([]);

	// Reads that need rows answer from the back-index, and ask for the rows.
	const wanted = new Set<number>();
	const expected = await answers(eager, eager.meta);
	expect(await answers(lazy, lazy.meta, (view) => wanted.add(view))).toEqual(expected);
	expect([...wanted].sort()).toEqual(LAZY);

	// Built 10 rows at a time (whole documents) between batches that update and delete
	// documents on both sides of the progress; a restart after the second batch: only
	// what the store says survives. The second view is wanted one chunk later, so the
	// two views are built from different documents (one scan each) until both are whole.
	await buildRows(lazy.store, lazy.meta, lazy.sandbox, [LAZY[0]], 10);
	await buildRows(lazy.store, lazy.meta, lazy.sandbox, [LAZY[1]], 10);
	let meta: IndexMeta = JSON.parse((await lazy.store.get(metaKey(1)))!);
	expect(LAZY.map((view) => meta.views[view].rowsKept)).toEqual([
		expect.stringMatching(/^doc-/),
		expect.stringMatching(/^doc-/)
	]);
	let during = 0;
	for (const changes of later) {
		for (let i = 0; i < changes.length; i += 6) {
			const batch = changes.slice(i, i + 6);
			await writeChanges(eager, batch);
			await writeBatch(lazy.store, meta, lazy.sandbox, batch, batch.at(-1)!.seq, () => {});
			if (LAZY.some((view) => meta.views[view].rowsKept !== true)) {
				during++;
				expect(await checkIndex(lazy.store, meta, lazy.sandbox)).toEqual([]);
				expect(await answers(lazy, meta)).toEqual(await answers(eager, eager.meta));
			}
			await buildRows(lazy.store, meta, lazy.sandbox, [], 10);
			if (i === 6) meta = JSON.parse((await lazy.store.get(metaKey(1)))!);
		}
	}
	expect(during).toBeGreaterThan(3);
	while (await buildRows(lazy.store, meta, lazy.sandbox, [], 10));
	expect(meta.views.map((view) => view.rowsKept)).toEqual([true, true, true, true]);

	// Built: the same store byte for byte, and reads from rows want nothing.
	for (const { store, meta: m, sandbox } of [eager, { ...lazy, meta }]) {
		await healDirty(store, m);
		expect(await checkIndex(store, m, sandbox)).toEqual([]);
	}
	expect(await dumpIndex(lazy.store, 1)).toEqual(await dumpIndex(eager.store, 1));
	const after = new Set<number>();
	expect(await answers(lazy, meta, (view) => after.add(view))).toEqual(
		await answers(eager, eager.meta)
	);
	expect(after.size).toBe(0);
}, 120_000);

test('an index made before rows were kept on demand keeps and updates every row', async () => {
	const old = await newTestIndex(VIEWS, true);
	const lazy = await newTestIndex(VIEWS, true, true);
	expect(old.meta.views.every((view) => !('rowsKept' in view))).toBe(true);
	const wanted = new Set<number>();
	for (const changes of phases()) {
		for (const index of [old, lazy]) await writeChanges(index, changes);
		expect(await answers(old, old.meta, (view) => wanted.add(view))).toEqual(
			await answers(lazy, lazy.meta)
		);
		await healDirty(old.store, old.meta);
		expect(await checkIndex(old.store, old.meta, old.sandbox)).toEqual([]);
	}
	expect(wanted.size).toBe(0);
	const rows = await storedRows(old.store);
	expect(rows.every((n) => n > 0)).toBe(true);
	expect(JSON.parse((await old.store.get(metaKey(1)))!).views).toEqual(old.meta.views);
	expect(old.meta.views.every((view) => !('rowsKept' in view))).toBe(true);
});

/** Views emitting about one row per document or fewer (kept), and more (not kept). */
const FANOUT = [
	{ name: 'half', reducer: '_sum', map: 'function (doc) { if (doc.n % 2) emit(doc.n, 1); }' },
	{ name: 'map', reducer: null, map: 'function (doc) { emit(doc.n); }' },
	{ name: 'one', reducer: '_count', map: 'function (doc) { emit([doc.n % 7, doc.n]); }' },
	{
		name: 'three',
		reducer: '_count',
		map: 'function (doc) { emit(doc.n); emit(doc.n % 5); emit([doc.n]); }'
	},
	{ name: 'two', reducer: '_sum', map: 'function (doc) { emit(doc.n, 1); emit(-doc.n, 2); }' }
] as const;

function numbered(from: number, to: number): Change[] {
	const out: Change[] = [];
	for (let n = from; n <= to; n++) {
		const id = `doc-${String(n).padStart(5, '0')}`;
		out.push({ id, seq: n, doc: { _id: id, n }, changes: [{ rev: '1-a' }] });
	}
	return out;
}

test('a new index chooses to keep the rows of the views emitting up to about one row per document', async () => {
	const index = await newTestIndex(FANOUT, true, true);
	await writeBatch(index.store, index.meta, index.sandbox, numbered(1, 30), 30, () => {});
	// Too few documents for a fair sample: no choice yet.
	expect(await chooseRows(index.store, index.meta, 40)).toBeUndefined();
	await writeBatch(index.store, index.meta, index.sandbox, numbered(31, 60), 60, () => {});
	// half (0.5 rows per document) and one (1); not three or two, nor the map-only view,
	// which keeps its rows from the start.
	expect(await chooseRows(index.store, index.meta, 40)).toEqual([0, 2]);
	index.meta.views[2].rowsKept = '';
	expect(await chooseRows(index.store, index.meta, 40)).toEqual([0]);
});

test('an indexer builds the chosen rows and their fences once it has mapped enough documents, and reads then use them', async () => {
	const total = CHOOSE_AFTER_DOCS + 500;
	const source: ChangesSource = {
		async changes(options) {
			const since = Number(options.since);
			const results = numbered(since + 1, Math.min(total, since + Number(options.limit)));
			return { results, last_seq: results.at(-1)?.seq ?? since };
		},
		async info() {
			return { update_seq: total };
		}
	};
	const { store, meta } = await newTestIndex(FANOUT, true, true);
	const indexer = new Indexer(store, meta, source, {
		batchSize: 300,
		log: () => undefined,
		onDesignChange: () => undefined,
		onReady: () => undefined
	});
	indexer.start();
	try {
		await indexer.waitFor(total, 60_000);
		await vi.waitFor(() =>
			expect(meta.views.map((v) => v.rowsKept)).toEqual([true, true, true, false, false])
		);
		// Their fences too, for the offsets of their reads (fences.ts).
		await vi.waitFor(() =>
			expect(meta.views.map((v) => v.fences)).toEqual([true, undefined, true, undefined, undefined])
		);
		expect(meta.rowsChosen).toBe(true);
		const stored: IndexMeta = JSON.parse((await store.get(metaKey(1)))!);
		expect(stored.rowsChosen).toBe(true);
		expect(await storedRows(store, FANOUT.length)).toEqual([total / 2, total, total, 0, 0]);
		expect(await checkIndex(store, meta, indexer.sandbox)).toEqual([]);
		// A reduce=false read of a chosen view reads its rows, and wants nothing.
		const wanted: number[] = [];
		const reader = new ViewReader(store, undefined, meta, 2, (v, level) => {
			if (level === WANT_ROWS) wanted.push(v);
		});
		const query = parseViewQuery(new URLSearchParams('reduce=false&startkey=[3]&endkey=[3,{}]'));
		const answer = (await answerQuery(reader, query, async () => new Map())) as { rows: unknown[] };
		expect(answer.rows.length).toBe(Math.floor((total - 3) / 7) + 1);
		expect(wanted).toEqual([]);
	} finally {
		await indexer.stop();
	}
});

test("an index that chose its rows before a restart builds those views' fences after it", async () => {
	const index = await newTestIndex(FANOUT, true, true);
	await writeBatch(index.store, index.meta, index.sandbox, numbered(1, 60), 60, () => {});
	// Chosen and stored, then a crash before the fences' first chunk.
	index.meta.rowsChosen = true;
	while (await buildRows(index.store, index.meta, index.sandbox, [0, 2]));
	const stored: IndexMeta = JSON.parse((await index.store.get(metaKey(1)))!);
	expect(stored.rowsChosen).toBe(true);
	expect(stored.views.map((v) => v.fences)).toEqual(FANOUT.map(() => undefined));
	const source: ChangesSource = {
		async changes(options) {
			return { results: [], last_seq: Number(options.since) };
		},
		async info() {
			return { update_seq: 60 };
		}
	};
	const indexer = new Indexer(index.store, stored, source, {
		log: () => undefined,
		onDesignChange: () => undefined,
		onReady: () => undefined
	});
	indexer.start();
	try {
		await vi.waitFor(() =>
			expect(stored.views.map((v) => v.fences)).toEqual([
				true,
				undefined,
				true,
				undefined,
				undefined
			])
		);
		expect(await checkIndex(index.store, stored, index.sandbox)).toEqual([]);
	} finally {
		await indexer.stop();
	}
});
