/**
 * Fences (fences.ts): before, during and after a build on demand — in chunks between
 * batches that insert, update and delete rows on both sides of the build's progress, with
 * a restart in the middle (the keeper made again from what the store holds) — every
 * range's aggregate from the fences is the one the groups and exact keys give and counts
 * exactly the rows in the range; every stored interval holds exactly the rows from its
 * boundary to the next; batches split intervals that outgrow their aim; and an `offset`
 * reads a bounded number of entries however many keys lie before the range.
 */
import { afterEach, expect, test } from 'vitest';
import { writeBatch, type Change } from './batch';
import { FenceKeeper, fenceSub, rangeAggregate } from './fences';
import { parseViewQuery } from './params';
import { answerQuery } from './query';
import { queryRange, type Range } from './ranges';
import { ViewReader, readCounts } from './reader';
import { reducedValue } from './reducers';
import { metaKey, viewPrefix, type IndexMeta, type Level } from './store';
import { seededRandom } from '../../../../../tests/support/synthetic';
import { closeTempStores, newTestIndex, seededInts } from './test-index';

afterEach(closeTempStores);

/** Keys of 2 and 4 elements, a map-only view with repeated numeric keys, `_sum`, `_stats`. */
const VIEWS = [
	{
		name: 'count',
		reducer: '_count',
		map: 'function (doc) { emit([doc.s, doc.g, doc.b, doc._id], null); emit([doc.s, doc.g], null); }'
	},
	{ name: 'rows', reducer: null, map: 'function (doc) { emit(doc.t, doc.v); }' },
	{
		name: 'sum',
		reducer: '_sum',
		map: 'function (doc) { emit([doc.s, doc.b, doc.g], [doc.v, 1]); }'
	},
	{ name: 'stats', reducer: '_stats', map: 'function (doc) { emit(doc.t, doc.v); }' }
] as const;
const FENCED = [0, 1, 2];
/** Tiny intervals (3, 9, 27 rows) and chunks, so a few hundred rows use every level. */
const SIZES = { rows: 3, buildKeys: 8 };

function documents(from: number, count: number, seed: number) {
	const random = seededRandom(seed);
	const next = (n: number) => Math.floor(random() * n);
	return Array.from({ length: count }, (_, i) => ({
		_id: `doc-${String(from + i).padStart(4, '0')}`,
		s: ['x', 'y'][next(2)],
		g: ['a', 'b', 'c', 'd'][next(4)],
		b: next(5),
		t: next(60),
		v: next(9) - 3
	}));
}

let seq = 0;
const created = (docs: ReturnType<typeof documents>): Change[] =>
	docs.map((doc) => ({ id: doc._id, seq: ++seq, doc, changes: [{ rev: '1-a' }] }));

/** Updates every `round`-th document, deleting every other one of those. */
function changed(docs: ReturnType<typeof documents>, round: number): Change[] {
	return docs
		.filter((_, i) => i % round === 0)
		.map((doc, i) =>
			i % 2 === 0
				? { id: doc._id, seq: ++seq, deleted: true, changes: [{ rev: `${round}-a` }] }
				: {
						id: doc._id,
						seq: ++seq,
						doc: { ...doc, t: (doc.t * 7 + round) % 61, b: (doc.b + round) % 6 },
						changes: [{ rev: `${round}-a` }]
					}
		);
}

/** Ranges over the view's rows: one-sided (offsets), two-sided with and without docids. */
async function someRanges(reader: ViewReader, count: number, seed: number): Promise<Range[]> {
	const rows = [];
	for await (const row of reader.rows({}, false)) rows.push(row);
	const next = seededInts(seed);
	const ranges: Range[] = [{}];
	for (let i = 0; i < count && rows.length; i++) {
		const [a, b] = [rows[next(rows.length)], rows[next(rows.length)]];
		const descending = next(3) === 0;
		const [lo, hi] = a.idx <= b.idx !== descending ? [a, b] : [b, a];
		const bound = (row: typeof a) => ({
			key: row.key,
			...(next(2) ? { docid: row.id } : {})
		});
		const range = queryRange(reader.encoder, bound(lo), bound(hi), next(2) === 0, descending);
		ranges.push(range, { lo: range.lo }, { hi: range.hi });
	}
	return ranges;
}

/** The aggregates of `ranges` from the fences and from groups, and a count of their rows. */
async function compareRanges(store: Level, meta: IndexMeta, view: number, ranges: Range[]) {
	const reader = new ViewReader(store, undefined, meta, view);
	const reducer = meta.views[view].reducer;
	for (const range of ranges) {
		const fenced = await rangeAggregate(reader, range);
		const grouped = await reader.aggregate(range);
		let rows = 0;
		for await (const _row of reader.rows(range, false)) rows++;
		expect(fenced!.c, JSON.stringify(range)).toBe(rows);
		if (reducer && rows) {
			expect(reducedValue(reducer, fenced!)).toEqual(reducedValue(reducer, grouped));
		}
	}
}

/** Every stored interval against the exact keys from its boundary to the next one. */
async function checkIntervals(store: Level, meta: IndexMeta, view: number): Promise<number> {
	const reader = new ViewReader(store, undefined, meta, view);
	let intervals = 0;
	for (let level = 1; level <= 3; level++) {
		const entries: [string, string][] = [];
		for await (const entry of reader.entries(fenceSub(level))) entries.push(entry);
		for (let i = 0; i < entries.length; i++) {
			const [boundary, text] = entries[i];
			const end = entries[i + 1]?.[0];
			const range: Range = {
				...(boundary ? { lo: { row: '5' + boundary, key: boundary } } : {}),
				...(end !== undefined ? { hi: { row: '5' + end, key: end } } : {})
			};
			const { k: _k, ...stored } = JSON.parse(text) as { k: unknown; c: number };
			expect(stored.c, `view ${view} ${fenceSub(level)}${boundary}`).toBe(
				(await reader.keysAggregate(range)).c
			);
			if (meta.views[view].reducer) {
				expect(reducedValue(meta.views[view].reducer!, stored)).toEqual(
					reducedValue(meta.views[view].reducer!, await reader.keysAggregate(range))
				);
			}
		}
		intervals += entries.length;
	}
	return intervals;
}

test('fences built on demand across batches and a restart give every range exactly the rows it holds', async () => {
	const index = await newTestIndex(VIEWS, true);
	const { store, sandbox } = index;
	let meta = index.meta;
	let keeper = new FenceKeeper(store, meta, SIZES);
	// As the indexer does: the keeper's step (loads, a chunk, splits), then a batch.
	const write = async (changes: Change[]) => {
		await keeper.step();
		await writeBatch(store, meta, sandbox, changes, changes.at(-1)!.seq, () => {}, keeper);
	};
	const docs = documents(0, 300, 3);
	await write(created(docs));

	// No fences yet: reads answer from groups and keys and want the fences (not for
	// `_stats`), but no group level, which every later row would pay for.
	const wanted: number[][] = [];
	for (const view of [...FENCED, 3]) {
		const reader = new ViewReader(store, undefined, meta, view, (v, level) =>
			wanted.push([v, level])
		);
		const range = { hi: (await someRanges(reader, 1, view))[1].lo };
		expect((await rangeAggregate(reader, range)).c).toBe(
			(await new ViewReader(store, undefined, meta, view).aggregate(range)).c
		);
	}
	expect(wanted).toEqual(FENCED.map((view) => [view, 0]));
	for (const view of [...FENCED, 3]) keeper.want(view);
	await keeper.step();
	expect(meta.views.map((view) => typeof view.fences)).toEqual([
		'string',
		'string',
		'string',
		'undefined'
	]);

	// Batches on both sides of the build's progress; a restart from what the store holds.
	const later = [...changed(docs, 2), ...created(documents(300, 150, 5)), ...changed(docs, 3)];
	for (let i = 0; i < later.length; i += 9) {
		await write(later.slice(i, i + 9));
		if (i === 18) {
			meta = JSON.parse((await store.get(metaKey(meta.id)))!);
			expect(meta.views[0].fences).toMatch(/^5/);
			keeper = new FenceKeeper(store, meta, SIZES);
		}
	}
	while (await keeper.step());
	expect(meta.views.map((view) => view.fences)).toEqual([true, true, true, undefined]);
	const built = [];
	for (const view of FENCED) {
		built.push(await checkIntervals(store, meta, view));
		await compareRanges(
			store,
			meta,
			view,
			await someRanges(new ViewReader(store, undefined, meta, view), 40, view)
		);
	}

	// New rows after the build: intervals outgrow their aim and are split, exactly.
	const more = created(documents(450, 200, 7));
	for (let i = 0; i < more.length; i += 50) await write(more.slice(i, i + 50));
	for (const [i, view] of FENCED.entries()) {
		expect(await checkIntervals(store, meta, view)).toBeGreaterThan(built[i]);
		await compareRanges(
			store,
			meta,
			view,
			await someRanges(new ViewReader(store, undefined, meta, view), 40, 10 + view)
		);
	}
	// A restart reads the same boundaries back: further batches stay exact.
	meta = JSON.parse((await store.get(metaKey(meta.id)))!);
	keeper = new FenceKeeper(store, meta, SIZES);
	await keeper.step();
	await write(changed(documents(450, 200, 7), 4));
	for (const view of FENCED) {
		await checkIntervals(store, meta, view);
		await compareRanges(
			store,
			meta,
			view,
			await someRanges(new ViewReader(store, undefined, meta, view), 20, 20 + view)
		);
	}
	expect(await keysOf(store, viewPrefix(meta.id, 3) + 'f')).toBe(0);
}, 120_000);

test("an offset reads a bounded number of entries however many keys lie before the range's start", async () => {
	const { store, meta, sandbox } = await newTestIndex(
		[{ name: 'count', reducer: '_count', map: 'function (doc) { emit(doc.t, null); }' }],
		true
	);
	const keeper = new FenceKeeper(store, meta, { rows: 64, buildKeys: 20_000 });
	const changes: Change[] = Array.from({ length: 6_000 }, (_, i) => ({
		id: `doc-${i}`,
		seq: i + 1,
		doc: { _id: `doc-${i}`, t: i },
		changes: [{ rev: '1-a' }]
	}));
	for (let i = 0; i < changes.length; i += 1_000) {
		const batch = changes.slice(i, i + 1_000);
		await writeBatch(store, meta, sandbox, batch, batch.at(-1)!.seq, () => {}, keeper);
		await keeper.step();
	}
	const offsetRead = async (startkey: number) => {
		const reader = new ViewReader(store, undefined, meta, 0, () => keeper.want(0));
		const query = parseViewQuery(
			new URLSearchParams({ startkey: String(startkey), limit: '0', reduce: 'false' })
		);
		const before = readCounts.entries;
		const answer = await answerQuery(reader, query, async () => new Map());
		return { offset: answer.offset, entries: readCounts.entries - before };
	};
	await offsetRead(0);
	while (await keeper.step());
	for (const start of [10, 3_000, 5_990]) {
		const { offset, entries } = await offsetRead(start);
		expect(offset).toBe(start);
		// Two ends of about 64 entries per level and the top level's few intervals, not 5,990.
		expect(entries).toBeLessThan(400);
	}
}, 120_000);

async function keysOf(store: Level, prefix: string): Promise<number> {
	let count = 0;
	for await (const _key of store.keys({ gte: prefix, lt: prefix + '\uffff' })) count++;
	return count;
}
