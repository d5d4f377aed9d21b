/**
 * A batch folds its rows per key before touching the store (one read-modify-write per
 * distinct entry, whatever the number of rows under it). These tests hold that folding
 * to the simplest model: the whole store an index leaves behind (rows, every exact and
 * group_level entry, row counts) must be the same byte for byte however the changes are
 * cut into batches, and after updates and deletions across batches the same as an index
 * built at once from the documents that remain.
 */
import { parseIndexableString } from 'pouchdb-collate';
import { afterEach, expect, test } from 'vitest';
import { entryText, storedCount, writeBatch, type Change } from './batch';
import { checkIndex } from './check';
import { healDirty } from './heal';
import { ViewReader } from './reader';
import { settled } from './reducers';
import { indexRange, keyText, type IndexMeta, type Level } from './store';
import { closeTempStores, dumpIndex, newTestIndex, seededInts } from './test-index';

afterEach(closeTempStores);

/** Views over one key space: `[group, bucket]` keys repeat across and within documents. */
const VIEWS = [
	{ name: 'count', reducer: '_count', map: 'function (doc) { emit([doc.g, doc.b], null); }' },
	{
		name: 'sum',
		reducer: '_sum',
		map: 'function (doc) { for (var i = 0; i < doc.n; i++) emit([doc.g, doc.b, i % 2], [doc.v, 1]); emit(doc.g, doc.v); }'
	},
	{
		name: 'stats',
		reducer: '_stats',
		map: 'function (doc) { emit([doc.g, doc.b], doc.v); emit([doc.g], -doc.v); }'
	}
] as const;

/**
 * Indexes each phase of changes (what the database's changes feed lists after one round
 * of writes: each document once, at its latest revision) in batches of `size`, and
 * returns everything the index stored.
 */
async function indexInBatches(phases: Change[][], size: number): Promise<string[]> {
	const { store, meta, sandbox } = await newTestIndex(VIEWS);
	for (const changes of phases) {
		for (let i = 0; i < changes.length; i += size) {
			const batch = changes.slice(i, i + size);
			await writeBatch(store, meta, sandbox, batch, batch.at(-1)!.seq, () => undefined);
		}
	}
	await healDirty(store, meta);
	expect(await checkIndex(store, meta, sandbox)).toEqual([]);
	const dump = await dumpIndex(store, meta.id);
	dump.push(JSON.stringify(meta.views));
	return dump;
}

/** Seeded documents: few groups and buckets, so keys repeat many times in a batch. */
function documents(count: number, seed: number) {
	const next = seededInts(seed);
	return Array.from({ length: count }, (_, i) => ({
		_id: `doc-${String(i).padStart(4, '0')}`,
		g: ['a', 'b', 'c'][next(3)],
		b: next(4),
		n: 1 + next(3),
		v: next(7) - 2 + next(4) / 4
	}));
}

function created(docs: Record<string, unknown>[], firstSeq = 1): Change[] {
	return docs.map((doc, i) => ({
		id: doc._id as string,
		seq: firstSeq + i,
		doc,
		changes: [{ rev: '1-a' }]
	}));
}

test('a batch with many rows to one key stores what one document per batch stores', async () => {
	const changes = [created(documents(120, 7))];
	const oneBatch = await indexInBatches(changes, 120);
	expect(await indexInBatches(changes, 1)).toEqual(oneBatch);
	expect(await indexInBatches(changes, 17)).toEqual(oneBatch);
}, 120_000);

test('updates and deletions across batches leave what indexing the remaining documents gives', async () => {
	const docs = documents(60, 11);
	const final = new Map(docs.map((doc) => [doc._id, doc as Record<string, unknown>]));
	const phases: Change[][] = [created(docs)];
	let seq = docs.length;
	// Two rounds of updates (new values, new keys, other row counts), then deletions: each
	// round removes rows that earlier batches wrote, and the second round's updates and
	// deletions share batches.
	for (const round of [1, 2]) {
		const phase: Change[] = [];
		docs.forEach((doc, i) => {
			if (round === 2 && i % 5 === 0) {
				final.delete(doc._id);
				phase.push({ id: doc._id, seq: ++seq, deleted: true, changes: [{ rev: '3-a' }] });
			} else if (i % 3 !== round) {
				const updated = { ...doc, v: doc.v * -2 + round, b: (doc.b + round) % 5, n: round };
				final.set(doc._id, updated);
				phase.push({ id: doc._id, seq: ++seq, doc: updated, changes: [{ rev: `${round + 1}-a` }] });
			}
		});
		phases.push(phase);
	}
	const fresh = await indexInBatches([created([...final.values()])], 1_000);
	for (const size of [2, 23, 1_000]) {
		expect(await indexInBatches(phases, size)).toEqual(fresh);
	}
}, 120_000);

test("a row count's stored text reads back without parsing its key; any other aggregate's does not", () => {
	const keys = ['"a"', '[",\\"c\\":7}",1]', '{"c":3}', '[[",\\"c\\":"],-2.5e-7]', 'null'];
	for (const key of keys) {
		for (const count of [1, 2, 1_234_567]) {
			expect(storedCount(entryText(key, { c: count }))).toBe(count);
			expect(storedCount(entryText(undefined, { c: count }))).toBe(count);
		}
		// _sum and _stats aggregates are parsed as before.
		expect(storedCount(entryText(key, { c: 2, s: [3] }))).toBeUndefined();
		expect(storedCount(entryText(key, { c: 1, t: 2, q: 4, lo: 2, hi: 2 }))).toBeUndefined();
		expect(storedCount(entryText(key, { c: 1, x: 1, e: 'a' }))).toBeUndefined();
	}
	expect(storedCount(entryText(undefined, { c: 2, s: [3] }))).toBeUndefined();
	expect(storedCount(entryText(undefined, { c: 1, x: 1, e: ',"c":5' }))).toBeUndefined();
});

/** Every exact (`e`) and group_level (`p`) entry of an index: store key → text. */
async function entryTexts(store: Level, meta: IndexMeta): Promise<Map<string, string>> {
	const texts = new Map<string, string>();
	const range = { ...indexRange(meta.id), keyEncoding: 'buffer' as const };
	for await (const [key, text] of store.iterator(range)) {
		const storeKey = keyText(key as unknown as Buffer);
		if (/^i\d+\/\d+\/[ep]\d+\|/.test(storeKey)) texts.set(storeKey, text);
	}
	return texts;
}

/** What reads answer: every view's groups at full depth and at group_level 1. */
async function groupsRead(store: Level, meta: IndexMeta): Promise<unknown[]> {
	const out: unknown[] = [];
	for (let view = 0; view < meta.views.length; view++) {
		const reader = new ViewReader(store, undefined, meta, view);
		for (const level of [Infinity, 1]) {
			for await (const group of reader.groups({}, level, false)) {
				out.push([view, level, group.key, settled(group.aggregate)]);
			}
		}
	}
	return out;
}

test('an entry stores its key only when the key does not read back from its store key', async () => {
	const { store, meta, sandbox } = await newTestIndex([
		{ name: 'count', reducer: '_count', map: 'function (doc) { emit([doc.g, doc.x], null); }' }
	]);
	const docs = [1, -1.1, 0.5, 2].map((x, i) => ({ _id: `doc-${i}`, g: 'a', x }));
	await writeBatch(store, meta, sandbox, created(docs), docs.length, () => undefined);
	const texts = await entryTexts(store, meta);
	expect([...texts.values()].sort()).toEqual([
		'{"c":1}',
		'{"c":1}',
		'{"c":1}',
		'{"c":4}',
		'{"k":["a",-1.1],"c":1}'
	]);
	expect((await groupsRead(store, meta)).map((group) => (group as unknown[])[2])).toEqual([
		['a', -1.1],
		['a', 0.5],
		['a', 1],
		['a', 2],
		['a']
	]);
});

test('entries stored with their key, as indexes made before kept them, read and update alike', async () => {
	const docs = documents(60, 13);
	const updated = docs.map((doc, i) => ({ ...doc, b: (doc.b + i) % 5, v: doc.v + 1 }));
	const changes = (list: typeof docs, rev: string, firstSeq: number): Change[] =>
		list.map((doc, i) => ({ id: doc._id, seq: firstSeq + i, doc, changes: [{ rev }] }));
	const old = await newTestIndex(VIEWS);
	await writeBatch(old.store, old.meta, old.sandbox, created(docs), 60, () => undefined);
	// Rewrite every entry as entries were stored before: with its key, read back from its idx.
	const rewrite = old.store.batch();
	for (const [sub, text] of await entryTexts(old.store, old.meta)) {
		const idx = sub.slice(sub.indexOf('|') + 1);
		const keyJson = JSON.stringify(parseIndexableString(idx));
		if (!text.startsWith('{"k":')) rewrite.put(sub, `{"k":${keyJson},${text.slice(1)}`);
	}
	await rewrite.write();
	expect(
		[...(await entryTexts(old.store, old.meta)).values()].every((t) => t.startsWith('{"k":'))
	).toBe(true);
	const fresh = await newTestIndex(VIEWS);
	await writeBatch(fresh.store, fresh.meta, fresh.sandbox, created(docs), 60, () => undefined);
	expect(await groupsRead(old.store, old.meta)).toEqual(await groupsRead(fresh.store, fresh.meta));
	for (const index of [old, fresh]) {
		await writeBatch(
			index.store,
			index.meta,
			index.sandbox,
			changes(updated, '2-a', 61),
			120,
			() => undefined
		);
		await healDirty(index.store, index.meta);
		expect(await checkIndex(index.store, index.meta, index.sandbox)).toEqual([]);
	}
	expect(await groupsRead(old.store, old.meta)).toEqual(await groupsRead(fresh.store, fresh.meta));
});

test('a document updated to emit null under the same key stores null, not its old value', async () => {
	// PouchDB 9's own map/reduce keeps the old value here (differential.test.ts).
	const views = [{ name: 'rows', reducer: null, map: 'function (doc) { emit(doc.k, doc.v); }' }];
	const updated = await newTestIndex(views);
	const before = { _id: 'd', k: ['s1'], v: { nested: [1, 'zz'] } };
	const after = { _id: 'd', k: ['s1'], v: null };
	await writeBatch(updated.store, updated.meta, updated.sandbox, created([before]), 1, () => {});
	const update: Change = { id: 'd', seq: 2, doc: after, changes: [{ rev: '2-b' }] };
	await writeBatch(updated.store, updated.meta, updated.sandbox, [update], 2, () => {});
	const once = await newTestIndex(views);
	await writeBatch(once.store, once.meta, once.sandbox, created([after]), 1, () => {});
	const stored = await dumpIndex(updated.store, 1);
	expect(stored).toEqual(await dumpIndex(once.store, 1));
	// The row's stored text is its value.
	expect(stored.some((line) => line.endsWith(' null'))).toBe(true);
});
