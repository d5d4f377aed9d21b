/**
 * Groups read a store round trip at a time (reader.ts `groupChunks`): where keys of
 * several lengths interleave over many round trips, the merge of their streams keeps
 * CouchDB's collation order in both directions, each group once, each aggregate whole;
 * an entry whose `_stats` extremes are dirty (not healed yet) is read from the level
 * below it.
 */
import { afterEach, expect, test } from 'vitest';
import { collate } from 'pouchdb-collate';
import { writeBatch, type Change } from './batch';
import { ViewReader } from './reader';
import { keyRange } from './ranges';
import { closeTempStores, dumpIndex, newTestIndex, writeChanges } from './test-index';

afterEach(closeTempStores);

/** Far more distinct keys of each length than one round trip (256 entries) reads. */
const DOCS = 900;

/** Keys of one, two and three elements, interleaving: [g], [g, n], [g, n, "x"]. */
const VIEWS = [
	{
		name: 'mixed',
		reducer: '_count',
		map: `function (doc) {
			emit([doc.g], null);
			emit([doc.g, doc.n], null);
			if (doc.n % 2 === 0) emit([doc.g, doc.n, 'x'], null);
		}`
	}
] as const;

/** Documents over 4 groups; n repeats every 700, so some keys hold two rows. */
function changes(): Change[] {
	return Array.from({ length: DOCS }, (_, i) => {
		const doc = { _id: `doc-${i}`, g: ['a', 'b', 'c', 'd'][i % 4], n: i % 700 };
		return { id: doc._id, seq: i + 1, doc, changes: [{ rev: '1-a' }] };
	});
}

/** The expected groups at `level` (Infinity: each key) and their rows, in order. */
function expected(level: number): [unknown, number][] {
	const sums = new Map<string, { key: unknown[]; sum: number }>();
	const add = (key: unknown[]) => {
		const group = level === Infinity ? key : key.slice(0, level);
		const text = JSON.stringify(group);
		const entry = sums.get(text) ?? { key: group, sum: 0 };
		entry.sum += 1;
		sums.set(text, entry);
	};
	for (const { doc } of changes()) {
		const { g, n } = doc as { g: string; n: number };
		add([g]);
		add([g, n]);
		if (n % 2 === 0) add([g, n, 'x']);
	}
	return [...sums.values()]
		.sort((a, b) => collate(a.key, b.key))
		.map(({ key, sum }): [unknown, number] => [key, sum]);
}

async function groupsOf(lazy: boolean, level: number, reverse: boolean) {
	const index = await newTestIndex(VIEWS, lazy);
	await writeBatch(index.store, index.meta, index.sandbox, changes(), DOCS, () => {});
	const reader = new ViewReader(index.store, undefined, index.meta, 0);
	const out: [unknown, number][] = [];
	for await (const group of reader.groups({}, level, reverse)) {
		out.push([group.key, group.aggregate.c]);
	}
	return out;
}

test.each([
	['every key (group=true)', Infinity],
	['group_level 1', 1],
	['group_level 2', 2]
])(
	'%s: keys of three lengths merged over many round trips, in order both ways',
	async (_, level) => {
		const want = expected(level);
		expect(want.length).toBeGreaterThan(level === 1 ? 3 : 600);
		// Levels kept (read from `p` entries) and on demand (folded from exact entries).
		for (const lazy of [false, true]) {
			expect(await groupsOf(lazy, level, false)).toEqual(want);
			expect(await groupsOf(lazy, level, true)).toEqual([...want].reverse());
		}
	}
);

/** 40 documents over keys [g, n] with values 0–39, created; then the 10 largest deleted. */
const STATS_DOCS = Array.from({ length: 40 }, (_, i) => ({
	_id: `doc-${i}`,
	g: ['a', 'b'][i % 2],
	n: i % 5,
	v: i
}));
const CREATED: Change[] = STATS_DOCS.map((doc, i) => ({
	id: doc._id,
	seq: i + 1,
	doc,
	changes: [{ rev: '1-a' }]
}));
// The largest value of every key and group goes: their maxima are dirty.
const DELETED: Change[] = STATS_DOCS.slice(-10).map((doc, i) => ({
	id: doc._id,
	seq: 41 + i,
	deleted: true,
	changes: [{ rev: '2-a' }]
}));

/** A `_stats` view's index after each batch of changes is written. */
async function statsIndex(map: string, batches: Change[][]) {
	const index = await newTestIndex([{ name: 'stats', reducer: '_stats', map }]);
	for (const changes of batches) await writeChanges(index, changes);
	return index;
}

test('a dirty _stats entry, read before it is healed, answers from the level below', async () => {
	const map = 'function (doc) { emit([doc.g, doc.n], doc.v); }';
	const dirty = await statsIndex(map, [CREATED, DELETED]);
	expect((await dumpIndex(dirty.store, 1)).some((entry) => entry.includes('"d":1'))).toBe(true);
	const clean = await statsIndex(map, [CREATED.slice(0, 30)]);

	const read = async (index: typeof clean) => {
		const reader = new ViewReader(index.store, undefined, index.meta, 0);
		const out: unknown[] = [await reader.aggregate({})];
		for (const level of [Infinity, 1]) {
			for await (const group of reader.groups({}, level, false)) out.push(group);
		}
		return out;
	};
	expect(await read(dirty)).toEqual(await read(clean));
});

test('exact keys read at once (group=true with keys) answer as a walk over each key does', async () => {
	const index = await statsIndex(
		`function (doc) {
			emit([doc.g, doc.n], doc.v);
			emit(doc.g, doc.v);
			if (doc.n === 0) emit(['😀' + doc.g, doc.n], doc.v);
		}`,
		[CREATED, DELETED]
	);
	// The keys whose largest value went are read from their rows.
	expect((await dumpIndex(index.store, 1)).some((entry) => entry.includes('"d":1'))).toBe(true);

	const reader = new ViewReader(index.store, undefined, index.meta, 0);
	// Keys of two depths, one without rows, one twice, two holding a surrogate pair.
	const keys = [['b', 3], 'a', ['a', 9], ['😀a', 0], ['a', 0], 'b', ['a', 0], ['😀b', 0], 'c'];
	const encoded = keys.map((key) => reader.encoder.encode(JSON.stringify(key)));
	const walked = [];
	for (const key of encoded) {
		const found = [];
		for await (const group of reader.groups(keyRange(key), Infinity, false)) found.push(group);
		expect(found.length).toBeLessThanOrEqual(1);
		walked.push(found[0]);
	}
	expect(walked.filter((group) => group === undefined)).toHaveLength(2);
	expect(await reader.exactGroupsOf(encoded)).toEqual(walked);
});
