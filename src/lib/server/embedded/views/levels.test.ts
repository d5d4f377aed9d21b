/**
 * Group levels kept on demand (levels.ts): an index that keeps no group level answers a
 * group_level read from its exact entries exactly as an index keeping every level does,
 * asks for the level, and once the level is built — in chunks between batches that
 * update and delete rows on both sides of the build's progress, with a crash in the
 * middle — stores byte for byte what the index that kept it from the start stores.
 */
import { afterEach, expect, test } from 'vitest';
import { writeBatch, type Change } from './batch';
import { checkIndex } from './check';
import { healDirty } from './heal';
import { buildLevels, type WantedLevel } from './levels';
import { ViewReader } from './reader';
import { indexRange, metaKey, type IndexMeta, type Level } from './store';
import { closeTempStores, dumpIndex, newTestIndex, seededInts } from './test-index';

afterEach(closeTempStores);

/** Keys of 1 to 4 elements, so groups have members of several depths and exact peers. */
const VIEWS = [
	{
		name: 'count',
		reducer: '_count',
		map: 'function (doc) { emit([doc.s, doc.g, doc.b, doc._id], null); emit([doc.s, doc.g], null); }'
	},
	{
		name: 'stats',
		reducer: '_stats',
		map: 'function (doc) { emit([doc.s, doc.g, doc.b], doc.v); if (doc.b % 2) emit([doc.s], doc.v); }'
	},
	{
		name: 'sum',
		reducer: '_sum',
		map: 'function (doc) { emit([doc.s, doc.b, doc.g], [doc.v, 1]); }'
	}
] as const;

/** Seeded documents over few sites, groups and buckets. */
function documents(count: number, seed: number) {
	const next = seededInts(seed);
	return Array.from({ length: count }, (_, i) => ({
		_id: `doc-${String(i).padStart(3, '0')}`,
		s: ['x', 'y'][next(2)],
		g: ['a', 'b', 'c', 'd'][next(4)],
		b: next(5),
		v: next(9) - 3 + next(4) / 4
	}));
}

/** Creation, then updates, then deletions and updates: rows on both sides of a build. */
function phases(): Change[][] {
	const docs = documents(80, 3);
	let seq = 0;
	const out: Change[][] = [
		docs.map((doc) => ({ id: doc._id, seq: ++seq, doc, changes: [{ rev: '1-a' }] }))
	];
	for (const round of [2, 3]) {
		out.push(
			docs
				.filter((_, i) => i % round === 0)
				.map((doc, i) =>
					round === 3 && i % 2 === 0
						? { id: doc._id, seq: ++seq, deleted: true, changes: [{ rev: `${round}-a` }] }
						: {
								id: doc._id,
								seq: ++seq,
								doc: { ...doc, v: doc.v * -2 + round, b: (doc.b + round) % 6 },
								changes: [{ rev: `${round}-a` }]
							}
				)
		);
	}
	return out;
}

/** Every group level of every view. */
const ALL_LEVELS: WantedLevel[] = [0, 1, 2].flatMap((view) =>
	[1, 2, 3].map((level) => ({ view, level }))
);

/** Group level entries stored (`i1/<view>/p<L>|…`). */
async function levelEntries(store: Level): Promise<number> {
	let count = 0;
	for await (const key of store.keys(indexRange(1))) if (/^i1\/\d+\/p/.test(key)) count++;
	return count;
}

async function groupsOf(
	store: Level,
	meta: IndexMeta,
	view: number,
	level: number,
	want?: () => void
) {
	const reader = new ViewReader(store, undefined, meta, view, want);
	const out: unknown[] = [];
	for await (const group of reader.groups({}, level, false)) out.push([group.key, group.aggregate]);
	for await (const group of reader.groups({}, level, true)) out.push([group.key, group.aggregate]);
	out.push(await reader.aggregate({}));
	return out;
}

test('a level built lazily across batches and a crash stores and answers what a level kept from the start does', async () => {
	const eager = await newTestIndex(VIEWS);
	const lazy = await newTestIndex(VIEWS, true);
	const [first, ...later] = phases();
	for (const index of [eager, lazy]) {
		await writeBatch(index.store, index.meta, index.sandbox, first, first.at(-1)!.seq, () => {});
	}
	// No group level kept: reads fold exact entries into the same groups, and ask for the level.
	const wanted: WantedLevel[] = [];
	for (const { view, level } of ALL_LEVELS) {
		expect(
			await groupsOf(lazy.store, lazy.meta, view, level, () => wanted.push({ view, level }))
		).toEqual(await groupsOf(eager.store, eager.meta, view, level));
	}
	expect(wanted.length).toBeGreaterThan(0);
	expect(await levelEntries(lazy.store)).toBe(0);
	expect(await levelEntries(eager.store)).toBeGreaterThan(0);

	// Two groups per chunk, then a crash: what the store says is all that survives.
	await buildLevels(lazy.store, lazy.meta, ALL_LEVELS, 2);
	let meta: IndexMeta = JSON.parse((await lazy.store.get(metaKey(lazy.meta.id)))!);
	expect(Object.values(meta.views[0].levels!)).toContainEqual(expect.stringMatching(/^5/));
	for (const changes of later) {
		for (let i = 0; i < changes.length; i += 7) {
			const batch = changes.slice(i, i + 7);
			await writeBatch(eager.store, eager.meta, eager.sandbox, batch, batch.at(-1)!.seq, () => {});
			await writeBatch(lazy.store, meta, lazy.sandbox, batch, batch.at(-1)!.seq, () => {});
			await buildLevels(lazy.store, meta, [], 2);
			if (i === 7) meta = JSON.parse((await lazy.store.get(metaKey(1)))!);
		}
	}
	while (await buildLevels(lazy.store, meta, [], 2));
	for (const { store, meta: m, sandbox } of [eager, { ...lazy, meta }]) {
		await healDirty(store, m);
		expect(await checkIndex(store, m, sandbox)).toEqual([]);
	}
	expect(meta.views.map((view) => view.levels)).toEqual(
		VIEWS.map(() => ({ 1: true, 2: true, 3: true }))
	);
	expect(await dumpIndex(lazy.store, meta.id)).toEqual(await dumpIndex(eager.store, eager.meta.id));
	for (const { view, level } of ALL_LEVELS) {
		expect(await groupsOf(lazy.store, meta, view, level)).toEqual(
			await groupsOf(eager.store, eager.meta, view, level)
		);
	}
}, 120_000);
