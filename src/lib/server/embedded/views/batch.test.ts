/**
 * A batch folds its rows per key before touching the store (one read-modify-write per
 * distinct entry, whatever the number of rows under it). These tests hold that folding
 * to the simplest model: the whole store an index leaves behind (rows, every exact and
 * group_level entry, row counts) must be the same byte for byte however the changes are
 * cut into batches, and after updates and deletions across batches the same as an index
 * built at once from the documents that remain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { writeBatch, type Change } from './batch';
import { checkIndex } from './check';
import { healDirty } from './heal';
import { MapSandbox } from './sandbox';
import { indexRange, openViewStore, type IndexMeta, type Level } from './store';

const opened: { store: Level; dir: string }[] = [];

afterEach(async () => {
	for (const { store, dir } of opened.splice(0)) {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

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

async function newIndex(): Promise<{ store: Level; meta: IndexMeta; sandbox: MapSandbox }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-batch-'));
	const store = await openViewStore(dir);
	opened.push({ store, dir });
	const meta: IndexMeta = {
		id: 1,
		db: 'db',
		ddoc: '_design/d',
		signature: 'test',
		views: VIEWS.map((view) => ({ ...view, rows: 0, depths: [], maxDepth: 0 })),
		includeDesign: false,
		seq: 0,
		state: 'building'
	};
	return { store, meta, sandbox: new MapSandbox(meta.views) };
}

/**
 * Indexes each phase of changes (what the database's changes feed lists after one round
 * of writes: each document once, at its latest revision) in batches of `size`, and
 * returns everything the index stored.
 */
async function indexInBatches(phases: Change[][], size: number): Promise<string[]> {
	const { store, meta, sandbox } = await newIndex();
	for (const changes of phases) {
		for (let i = 0; i < changes.length; i += size) {
			const batch = changes.slice(i, i + size);
			await writeBatch(store, meta, sandbox, batch, batch.at(-1)!.seq, () => undefined);
		}
	}
	await healDirty(store, meta);
	expect(await checkIndex(store, meta)).toEqual([]);
	const dump: string[] = [];
	for await (const [key, value] of store.iterator({
		...indexRange(meta.id),
		keyEncoding: 'buffer'
	})) {
		dump.push(`${(key as unknown as Buffer).toString('hex')} ${value}`);
	}
	dump.push(JSON.stringify(meta.views));
	return dump;
}

/** Seeded documents: few groups and buckets, so keys repeat many times in a batch. */
function documents(count: number, seed: number) {
	let state = seed;
	const next = (n: number) => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state % n;
	};
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
