/**
 * Fences: counted intervals over a view's keys, so a read's `offset` and a reduce over a
 * range cost O(log rows) entries, as CouchDB's B-tree (whose inner nodes keep the
 * reduction of their subtree) answers them, instead of walking every group or key before
 * the range (README.md, "Offsets and range reduces at scale").
 *
 * A view's fences are boundaries in the order of its keys' indexable strings, on
 * {@link FENCE_LEVELS} levels: a level-j interval (from its boundary up to the next
 * boundary of that level) aims at {@link FENCE_ROWS}^j rows, and each boundary of a level
 * is also one of the level below (nested, as long as no interval emptied and was dropped,
 * see `split`). Each interval stores, as `f<j>|<boundary>`, the aggregate of its rows: the
 * first interval's boundary is '' (below every key). The aggregate of any range is then
 * the full intervals of the top level inside it plus, at each end, the part of one
 * interval read from the level below, down to exact entries: at most about
 * 2 × FENCE_ROWS entries per level and end, plus the top level's intervals in the range.
 *
 * Boundaries are chosen by counting rows, so they adapt to any distribution of keys
 * (timestamps, random session ids). Batches add each distinct key's delta to the
 * interval that holds it on every level, found in an in-memory copy of the boundaries
 * ({@link FenceKeeper}); an interval that outgrows twice its aim is split between batches,
 * from the level below, in one atomic write. Like group levels (levels.ts), fences are
 * built on demand: a read that needs them is answered the old way meanwhile and tells the
 * indexer, which builds them in chunks of {@link BUILD_KEYS} keys between its batches,
 * each chunk written atomically with the view's progress (`fences`: the key it reached),
 * and reads use them once built whole (`fences: true`). Batches keep the intervals built
 * so far up to date. A crash resumes the build after the last chunk written.
 *
 * `_stats` views keep no fences: a removed extreme would leave an interval's minimum or
 * maximum to be recomputed (heal.ts heals exact keys and groups only), so their offsets and
 * range reduces walk groups as before.
 */
import { entryText } from './batch';
import type { Range } from './ranges';
import { parseAggregate, ViewReader } from './reader';
import { merge, settled, type Aggregate, type Delta } from './reducers';
import {
	keyText,
	metaKey,
	RawBatch,
	spaceRange,
	viewPrefix,
	type IndexMeta,
	type Level,
	type ViewMeta
} from './store';

/** Levels of fences: 64^3 rows per top-level interval. */
export const FENCE_LEVELS = 3;
/** Rows a level-1 interval aims at; a level-j interval aims at FENCE_ROWS^j. */
export const FENCE_ROWS = 64;
/** Distinct keys per build chunk: one chunk's write stays small, batches go on between. */
export const BUILD_KEYS = 20_000;

/** A view's sub-space of level-`level` fence intervals. */
export function fenceSub(level: number): string {
	return `f${level}|`;
}

/** Whether a view keeps fences when a read needs them (not `_stats`, see the module comment). */
export function fencesApply(view: ViewMeta): boolean {
	return view.reducer !== '_stats';
}

/** Where a range of rows starts at a boundary. */
const at = (boundary: string) => ({ row: '5' + boundary, key: boundary });

/**
 * The aggregate of a range's rows: from the view's fences once built, O(log rows)
 * entries; until then, and for `_stats` views, from groups and exact keys (reader.ts),
 * without wanting group levels for a view whose fences are wanted instead.
 */
export async function rangeAggregate(reader: ViewReader, range: Range): Promise<Aggregate> {
	if (!fencesApply(reader.view)) return reader.aggregate(range);
	if (reader.view.fences !== true) {
		reader.wantFences();
		return reader.keptAggregate(range);
	}
	return cover(reader, range, FENCE_LEVELS);
}

/**
 * The range's aggregate on `level`: the whole intervals from the first boundary inside
 * the range on, and the two ends from the level below. As boundaries nest, an end read
 * on the level below starts or stops at one of its boundaries, so each level reads one
 * partial interval per end, as a B-tree descends two paths.
 */
async function cover(reader: ViewReader, range: Range, level: number): Promise<Delta> {
	if (level === 0) return reader.keysAggregate(range);
	const total: Delta = { c: 0 };
	let last: [string, string] | undefined;
	// Whether the range ends exactly at a boundary: then its last interval is whole.
	let whole = false;
	for await (const entry of reader.entries(fenceSub(level), range.lo?.key, range.hi?.key)) {
		const row = '5' + entry[0];
		if (range.lo && row < range.lo.row) continue;
		if (range.hi && row >= range.hi.row) {
			whole = row === range.hi.row;
			break;
		}
		if (last) merge(total, parseAggregate(last[1]));
		// A range starting exactly at a boundary has no part below it on this level.
		else if (!range.lo || row > range.lo.row) {
			merge(total, await cover(reader, { lo: range.lo, hi: at(entry[0]) }, level - 1));
		}
		last = entry;
	}
	if (!last) return cover(reader, range, level - 1);
	if (whole) merge(total, parseAggregate(last[1]));
	else merge(total, await cover(reader, { lo: at(last[0]), hi: range.hi }, level - 1));
	return total;
}

/** Index of the last element of a sorted list at or below `value` (-1: none). */
function floorIndex(list: string[], value: string): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (list[mid] <= value) lo = mid + 1;
		else hi = mid;
	}
	return lo - 1;
}

const NONE: string[] = [];

/**
 * One index's fences on the write side: the boundaries of every view keeping (or
 * building) fences, in memory for batch.ts, and what is left to build and split.
 * Called by the indexer only, between batches ({@link step}) and from its batches.
 */
export class FenceKeeper {
	/** Per view: per level (index level − 1), the boundaries, sorted. */
	private bounds = new Map<number, string[][]>();
	private wanted = new Set<number>();
	/** Intervals a batch left at more than twice their aim, by store key. */
	private oversize = new Map<string, { view: number; level: number; boundary: string }>();

	/**
	 * @param sizes Rows a level-1 interval aims at and keys per build chunk (smaller in
	 *   tests, so a few hundred rows make every level, chunk and split).
	 */
	constructor(
		private readonly store: Level,
		private readonly meta: IndexMeta,
		private readonly sizes = { rows: FENCE_ROWS, buildKeys: BUILD_KEYS }
	) {}

	private aim(level: number): number {
		return this.sizes.rows ** level;
	}

	/** Notes a view whose fences a read needed. */
	want(view: number): void {
		if (fencesApply(this.meta.views[view]) && this.meta.views[view].fences === undefined) {
			this.wanted.add(view);
		}
	}

	/**
	 * The store keys of the intervals holding a key on every level, or none when the view
	 * keeps no fences for that key (none, or not built that far yet).
	 */
	entries(view: number, keyIdx: string): string[] {
		const state = this.meta.views[view].fences;
		if (state === undefined || (state !== true && keyIdx >= state)) return NONE;
		const levels = this.bounds.get(view);
		if (!levels) throw new Error(`view index ${this.meta.id}: fences of view ${view} not loaded`);
		const prefix = viewPrefix(this.meta.id, view);
		return levels.map((list, i) => prefix + fenceSub(i + 1) + list[floorIndex(list, keyIdx)]);
	}

	/** Notes the row count a batch left in an entry: oversize intervals are split later. */
	settled(view: number, storeKey: string, rows: number): void {
		const start = viewPrefix(this.meta.id, view).length;
		if (storeKey.charCodeAt(start) !== 102 /* f */) return;
		const level = Number(storeKey[start + 1]);
		if (rows > 2 * this.aim(level)) {
			this.oversize.set(storeKey, { view, level, boundary: storeKey.slice(start + 3) });
		}
	}

	/**
	 * Between batches: loads the boundaries of views keeping fences, builds one chunk of
	 * each view's fences under way, and splits the intervals batches made oversize.
	 * @returns Whether a build is left.
	 */
	async step(): Promise<boolean> {
		let left = false;
		for (let view = 0; view < this.meta.views.length; view++) {
			let state = this.meta.views[view].fences;
			if (state === undefined && this.wanted.has(view)) state = '';
			if (state === undefined) continue;
			if (!this.bounds.has(view)) this.bounds.set(view, await this.load(view));
			if (state !== true) left = (await this.buildChunk(view, state)) || left;
		}
		this.wanted.clear();
		const oversize = [...this.oversize.values()].sort((a, b) => a.level - b.level);
		this.oversize.clear();
		for (const interval of oversize)
			await this.split(interval.view, interval.level, interval.boundary);
		return left;
	}

	private async load(view: number): Promise<string[][]> {
		const prefix = viewPrefix(this.meta.id, view);
		const levels: string[][] = [];
		for (let level = 1; level <= FENCE_LEVELS; level++) {
			const space = prefix + fenceSub(level);
			// The first interval's boundary stays when its entry emptied and was dropped.
			const list = [''];
			for await (const key of this.store.keys(spaceRange(space))) {
				const boundary = keyText(key as unknown as Buffer).slice(space.length);
				if (boundary !== '') list.push(boundary);
			}
			levels.push(list);
		}
		return levels;
	}

	private reader(view: number): ViewReader {
		return new ViewReader(this.store, undefined, this.meta, view);
	}

	/**
	 * Builds the intervals of the next {@link BUILD_KEYS} keys from `from` on, from exact
	 * entries: every chunk starts a boundary on each level.
	 * @returns Whether keys are left.
	 */
	private async buildChunk(view: number, from: string): Promise<boolean> {
		const prefix = viewPrefix(this.meta.id, view);
		const range: Range = from === '' ? {} : { lo: at(from) };
		const batch = new RawBatch(this.store);
		const open = Array.from({ length: FENCE_LEVELS }, () => ({ boundary: from, sum: { c: 0 } }));
		const added: string[][] = open.map(() => [from]);
		const close = (level: number) => {
			const { boundary, sum } = open[level - 1];
			if (sum.c > 0)
				batch.put(prefix + fenceSub(level) + boundary, entryText(undefined, settled(sum)));
		};
		let keys = 0;
		let next = true as true | string;
		for await (const group of this.reader(view).groups(range, Infinity, false)) {
			if (keys++ === this.sizes.buildKeys) {
				next = group.idx;
				break;
			}
			// A full interval closes with every level below it, so boundaries nest.
			let top = 0;
			for (let level = 1; level <= FENCE_LEVELS; level++) {
				if (open[level - 1].sum.c >= this.aim(level)) top = level;
			}
			for (let level = 1; level <= top; level++) {
				close(level);
				open[level - 1] = { boundary: group.idx, sum: { c: 0 } };
				added[level - 1].push(group.idx);
			}
			for (const interval of open) merge(interval.sum, group.aggregate);
		}
		for (let level = 1; level <= FENCE_LEVELS; level++) close(level);
		const views = this.meta.views.map((v, i) =>
			i === view ? { ...v, fences: next as true | string } : v
		);
		await batch.write(metaKey(this.meta.id), JSON.stringify({ ...this.meta, views }));
		// Only once written: a batch keeps up to date exactly the intervals the store has.
		const levels = this.bounds.get(view)!;
		added.forEach((list, i) => {
			for (const boundary of list) if (boundary !== '') levels[i].push(boundary);
		});
		this.meta.views = views;
		return next !== true;
	}

	/**
	 * Splits an interval into pieces of about its level's aim, from the level below (its
	 * nested intervals, or its exact keys), in one write.
	 */
	private async split(view: number, level: number, boundary: string): Promise<void> {
		const levels = this.bounds.get(view);
		if (!levels) return;
		const list = levels[level - 1];
		const index = floorIndex(list, boundary);
		if (list[index] !== boundary) return;
		const end = list[index + 1];
		const range: Range = {
			lo: boundary === '' ? undefined : at(boundary),
			hi: end === undefined ? undefined : at(end)
		};
		const below = level > 1 ? levels[level - 2] : undefined;
		const nested =
			below &&
			below[floorIndex(below, boundary)] === boundary &&
			(end === undefined || below[floorIndex(below, end)] === end);
		const pieces: { boundary: string; sum: Delta }[] = [];
		const add = (idx: string, aggregate: Aggregate) => {
			const piece = pieces[pieces.length - 1];
			if (!piece || piece.sum.c >= this.aim(level)) pieces.push({ boundary: idx, sum: { c: 0 } });
			merge(pieces[pieces.length - 1].sum, aggregate);
		};
		const reader = this.reader(view);
		if (nested) {
			for await (const [idx, text] of reader.entries(fenceSub(level - 1), boundary, end)) {
				if (end !== undefined && idx >= end) break;
				add(idx, parseAggregate(text));
			}
		} else {
			for await (const group of reader.groups(range, Infinity, false))
				add(group.idx, group.aggregate);
		}
		if (pieces.length < 2) return;
		// The first piece keeps the interval's boundary (the first item may lie above it).
		pieces[0].boundary = boundary;
		const prefix = viewPrefix(this.meta.id, view) + fenceSub(level);
		const batch = new RawBatch(this.store);
		for (const piece of pieces)
			batch.put(prefix + piece.boundary, entryText(undefined, settled(piece.sum)));
		await batch.write(metaKey(this.meta.id), JSON.stringify(this.meta));
		list.splice(index + 1, 0, ...pieces.slice(1).map((piece) => piece.boundary));
	}
}
