/**
 * Reads one view of one index from a store snapshot: map rows in a range, the
 * aggregate of a range, and groups (exact keys or group_level prefixes) in order.
 *
 * Costs (README.md): rows read are the rows returned (for a view whose rows are not kept
 * yet, rows.ts, one back-index entry per document instead); a group read costs one stored
 * entry per group returned, plus the rows or entries the range cuts at its two ends;
 * a range's aggregate walks the groups of the first level the range splits, stepping
 * into only the (at most two) groups the range cuts.
 */
import type { AbstractSnapshot } from 'abstract-level';
import { KeyEncoder, keyBytes, parseKey, type EncodedKey } from './collation';
import {
	exactRows,
	groupRows,
	groupWalkStart,
	keyRange,
	overlap,
	withinGroup,
	type Range
} from './ranges';
import { addValue, merge, type Aggregate, type Delta } from './reducers';
import { WANT_ROWS, backIndexTexts, documentRows, parseRowText, rowsKept } from './rows';
import type { MapSandbox } from './sandbox';
import {
	ROWS,
	exactSub,
	getTexts,
	keyText,
	levelKept,
	prefixSub,
	viewPrefix,
	type IndexMeta,
	type Level,
	type ViewMeta
} from './store';

/** A stored map row as read. */
export interface StoredRow {
	/** The row's indexable string. */
	idx: string;
	key: unknown;
	id: string;
	value: unknown;
}

/** A group as read: its key and aggregate. */
export interface Group {
	idx: string;
	key: unknown;
	aggregate: Aggregate;
}

/** Entries read per store round trip. */
export const CHUNK = 256;

/**
 * What the readers of this process did since it started: stored entries and rows read
 * (what `npm run bench:reads` reports per request), the store iterators they hold open
 * now, and the reads stopped because their client left (http.ts). For tests and benches;
 * no HTTP answer shows them.
 */
export const readCounts = {
	entries: 0,
	byView: {} as Record<string, number>,
	iterators: 0,
	abandoned: 0
};

export class ViewReader {
	readonly encoder = new KeyEncoder();
	readonly view: ViewMeta;
	private readonly prefix: string;
	private readonly id: number;
	/** Told of levels, fences and rows a read needed (keptAggregate silences levels only). */
	private readonly tell?: (view: number, level: number) => void;

	/**
	 * @param want Told of each group level a read needed but the index does not keep yet
	 *   (answered from the level below meanwhile), so the indexer builds it (levels.ts);
	 *   level 0: the view's fences (fences.ts); WANT_ROWS: its map rows (rows.ts).
	 */
	constructor(
		private readonly store: Level,
		private readonly snapshot: AbstractSnapshot | undefined,
		meta: IndexMeta,
		private readonly viewNumber: number,
		private want?: (view: number, level: number) => void,
		/** The index's map functions, for rows made from the back-index (back-index.ts). */
		private readonly sandbox?: MapSandbox,
		/**
		 * Aborted when the read's client has left (http.ts): the read then stops before its
		 * next store round trip, with the signal's reason, closing its iterators.
		 */
		private readonly signal?: AbortSignal
	) {
		this.view = meta.views[viewNumber];
		this.prefix = viewPrefix(meta.id, viewNumber);
		this.id = meta.id;
		this.tell = want;
	}

	/**
	 * Whether `p<level>` entries answer for the groups of that level; if the view has
	 * such groups but the level is not kept (yet), the read is wanted and answered from
	 * the level below.
	 */
	private usesLevel(level: number): boolean {
		if (level >= this.view.maxDepth) return false;
		if (levelKept(this.view, level)) return true;
		this.want?.(this.viewNumber, level);
		return false;
	}

	/** The smallest level at or above `level` whose entries are kept (maxDepth: none). */
	private keptFrom(level: number): number {
		let at = level;
		while (at < this.view.maxDepth && !this.usesLevel(at)) at++;
		return at;
	}

	/** Map rows in a range, in order. */
	async *rows(range: Range, reverse: boolean): AsyncGenerator<StoredRow> {
		for await (const [idx, text] of this.rowTexts(range, reverse)) {
			// The row key is [key, docid] or [key, docid, n] (see collation.ts).
			const [key, id] = parseKey(idx) as [unknown, string];
			const row = parseRowText(text);
			yield { idx, key: 'key' in row ? row.key : key, id, value: row.value };
		}
	}

	/** The aggregate of every row in a range. */
	async aggregate(range: Range, wanted = 1): Promise<Aggregate> {
		const total: Delta = { c: 0 };
		// Groups of a level not kept are split into those of the next kept level (or exact
		// keys): the same rows, more entries read.
		const level = this.keptFrom(wanted);
		const grouped = level < this.view.maxDepth;
		for (const depth of this.view.depths) {
			if (grouped && depth > level) continue;
			for await (const [idx, text] of this.walk(exactSub(depth), range.lo?.key, range.hi?.key)) {
				const value = await this.exactAggregate(range, idx, text);
				if (value) merge(total, value);
			}
		}
		if (grouped) {
			const from = range.lo && groupWalkStart(range.lo, level);
			for await (const [idx, text] of this.walk(prefixSub(level), from, range.hi?.key)) {
				const value = await this.groupAggregate(range, level, idx, text);
				if (value) merge(total, value);
			}
		}
		return total;
	}

	/**
	 * The aggregate of a range's rows from exact entries alone, one per distinct key in
	 * the range: the finest level of fences.ts, which calls it only for ranges inside one
	 * fence interval.
	 */
	async keysAggregate(range: Range): Promise<Aggregate> {
		const total: Delta = { c: 0 };
		for (const depth of this.view.depths) {
			for await (const [idx, text] of this.walk(exactSub(depth), range.lo?.key, range.hi?.key)) {
				const value = await this.exactAggregate(range, idx, text);
				if (value) merge(total, value);
			}
		}
		return total;
	}

	/** The entries of one of the view's sub-spaces from `from` to `to` (inclusive), in order. */
	entries(sub: string, from?: string, to?: string): AsyncGenerator<[string, string]> {
		return this.walk(sub, from, to);
	}

	/**
	 * A range's aggregate from the levels kept now, wanting none: while a view's fences
	 * are built (fences.ts), a read needing a range's aggregate does not make the view keep
	 * group levels, which every later row would pay for.
	 */
	async keptAggregate(range: Range): Promise<Aggregate> {
		const want = this.want;
		this.want = undefined;
		try {
			return await this.aggregate(range);
		} finally {
			this.want = want;
		}
	}

	/** Tells the indexer a read needed this view's fences, not built yet (fences.ts). */
	wantFences(): void {
		this.tell?.(this.viewNumber, 0);
	}

	/**
	 * Groups in a range, in order: each distinct key (`level` Infinity, `group=true`),
	 * or each group of keys sharing their first `level` elements (`group_level`).
	 * Groups with no rows in the range are left out.
	 */
	async *groups(range: Range, level: number, reverse: boolean): AsyncGenerator<Group> {
		for await (const chunk of this.groupChunks(range, level, reverse)) yield* chunk;
	}

	/**
	 * {@link groups} a store round trip at a time: a query's answer takes them so, each
	 * group costing no step of an async generator of its own.
	 */
	async *groupChunks(range: Range, level: number, reverse: boolean): AsyncGenerator<Group[]> {
		const grouped = level < this.view.maxDepth;
		const stored = grouped && this.usesLevel(level);
		const streams: AsyncGenerator<Group[]>[] = [];
		for (const depth of this.view.depths) {
			if (grouped && depth > level) continue;
			streams.push(this.exactGroups(range, depth, reverse));
		}
		if (stored) streams.push(this.prefixGroups(range, level, reverse));
		else if (grouped) streams.push(this.foldedChunks(range, level, reverse));
		let pending: Group | undefined;
		for await (const chunk of mergeByIdx(streams, reverse)) {
			const out: Group[] = [];
			for (const group of chunk) {
				if (pending && pending.idx === group.idx) {
					// A key of exactly `level` elements and the group of longer keys it prefixes.
					const sum: Delta = { ...pending.aggregate };
					merge(sum, group.aggregate);
					pending = { ...pending, aggregate: sum };
					continue;
				}
				if (pending) out.push(pending);
				pending = group;
			}
			if (out.length) yield out;
		}
		if (pending) yield [pending];
	}

	/**
	 * The groups of exact keys (`group=true` with `keys`), in their order, undefined for a
	 * key without rows: each key's exact entry, all read at once. Walking a range per key
	 * made a store iterator each, about 0.1 ms a key: a 30-day series in Asia/Kolkata
	 * (about 800 quarter hours and hours) cost 70 ms of the store's time, against 6 ms
	 * for one range over the same hours.
	 */
	async exactGroupsOf(keys: readonly EncodedKey[]): Promise<(Group | undefined)[]> {
		this.signal?.throwIfAborted();
		const texts = await getTexts(
			this.store,
			keys.map((key) => this.prefix + exactSub(key.depth) + key.idx),
			{ snapshot: this.snapshot }
		);
		const groups: (Group | undefined)[] = [];
		for (let i = 0; i < keys.length; i++) {
			const { idx } = keys[i];
			const text = texts[i];
			if (text === undefined) {
				groups.push(undefined);
				continue;
			}
			this.counted(1);
			// Its whole key: the stored aggregate, or reduced from its rows when dirty.
			const found = this.exactAggregate(keyRange(keys[i]), idx, text);
			const aggregate = found instanceof Promise ? await found : found;
			groups.push(aggregate && { idx, key: entryKey(idx, text), aggregate });
		}
		return groups;
	}

	private async *exactGroups(range: Range, depth: number, reverse: boolean) {
		const sub = exactSub(depth);
		for await (const chunk of this.chunks(sub, range.lo?.key, range.hi?.key, reverse)) {
			const groups: Group[] = [];
			for (const [idx, text] of chunk) {
				const found = this.exactAggregate(range, idx, text);
				const aggregate = found instanceof Promise ? await found : found;
				if (aggregate) groups.push({ idx, key: entryKey(idx, text), aggregate });
			}
			yield groups;
		}
	}

	/**
	 * The groups of `level` (keys longer than `level` sharing their first `level`
	 * elements) folded from the exact entries of their members, in order: what `p<level>`
	 * entries hold, read from the level below (a level not kept, or being built). Costs
	 * one entry per distinct member key.
	 */
	async *foldedGroups(range: Range, level: number, reverse: boolean): AsyncGenerator<Group> {
		for await (const chunk of this.foldedChunks(range, level, reverse)) yield* chunk;
	}

	private async *foldedChunks(
		range: Range,
		level: number,
		reverse: boolean
	): AsyncGenerator<Group[]> {
		const streams = this.view.depths
			.filter((depth) => depth > level)
			.map((depth) => this.exactGroups(range, depth, reverse));
		let pending: Group | undefined;
		for await (const members of mergeByIdx(streams, reverse)) {
			const out: Group[] = [];
			for (const member of members) {
				const key = (member.key as unknown[]).slice(0, level);
				const idx = this.encoder.encode(JSON.stringify(key)).idx;
				if (pending && pending.idx === idx) {
					merge(pending.aggregate, member.aggregate);
					continue;
				}
				if (pending) out.push(pending);
				const aggregate: Delta = { c: 0 };
				merge(aggregate, member.aggregate);
				pending = { idx, key, aggregate };
			}
			if (out.length) yield out;
		}
		if (pending) yield [pending];
	}

	private async *prefixGroups(range: Range, level: number, reverse: boolean) {
		const from = range.lo && groupWalkStart(range.lo, level);
		for await (const chunk of this.chunks(prefixSub(level), from, range.hi?.key, reverse)) {
			const groups: Group[] = [];
			for (const [idx, text] of chunk) {
				const found = this.groupAggregate(range, level, idx, text);
				const aggregate = found instanceof Promise ? await found : found;
				if (aggregate) groups.push({ idx, key: entryKey(idx, text), aggregate });
			}
			yield groups;
		}
	}

	/**
	 * An exact key's aggregate within the range, or undefined when it has no rows there:
	 * its stored entry, at once, when the range holds all its rows; else (a key the range
	 * cuts, or a dirty `_stats` entry) a promise of it, reduced from its rows.
	 */
	private exactAggregate(range: Range, idx: string, text: string): Found | Promise<Found> {
		const [r0, r1] = exactRows(idx);
		const stored = storedAggregate(range, r0, r1, text);
		if (stored !== BELOW) return stored;
		return nonEmpty(
			this.rowsAggregate({
				lo: range.lo && range.lo.row > r0 ? range.lo : { row: r0, key: idx },
				hi: range.hi && range.hi.row < r1 ? range.hi : { row: r1, key: idx }
			})
		);
	}

	/**
	 * A group's aggregate within the range, or undefined when it has no rows there: its
	 * stored entry, at once, when the range holds all its rows; else (a group the range
	 * cuts, or a dirty `_stats` entry, whose extremes come from the level below) a promise
	 * of it, reduced from the level below.
	 */
	private groupAggregate(range: Range, level: number, idx: string, text: string) {
		const [r0, r1] = groupRows(idx);
		const stored = storedAggregate(range, r0, r1, text);
		if (stored !== BELOW) return stored;
		return nonEmpty(this.aggregate(withinGroup(range, idx), level + 1));
	}

	/**
	 * Recomputes a stored entry from the level below it (its rows, or the groups and keys
	 * under a group), for an entry whose `_stats` extremes are dirty.
	 * @param sub The entry's key within the view: `e<depth>|<key>` or `p<level>|<prefix>`.
	 */
	recompute(sub: string): Promise<Aggregate> {
		const bar = sub.indexOf('|');
		const idx = sub.slice(bar + 1);
		if (sub.startsWith('e')) {
			const [r0, r1] = exactRows(idx);
			return this.rowsAggregate({ lo: { row: r0, key: idx }, hi: { row: r1, key: idx } });
		}
		return this.aggregate(withinGroup({}, idx), Number(sub.slice(1, bar)) + 1);
	}

	private async rowsAggregate(range: Range): Promise<Aggregate> {
		const total: Delta = { c: 0 };
		const reducer = this.view.reducer;
		const needed = reducer === '_sum' || reducer === '_stats';
		for await (const [, text] of this.rowTexts(range, false)) {
			addValue(total, reducer, needed ? parseRowText(text).value : null, 1);
		}
		return total;
	}

	/**
	 * The stored rows in a range, in order, as `[indexable string, text]`: from the `r|`
	 * space when the view keeps its rows; otherwise (rows.ts) the indexer is told to build
	 * them and they are made from the back-index, which costs one entry per document of
	 * the index, whatever the range.
	 */
	private rowTexts(range: Range, reverse: boolean): AsyncGenerator<[string, string]> {
		if (rowsKept(this.view)) return this.walk(ROWS, range.lo?.row, range.hi?.row, reverse, true);
		this.tell?.(this.viewNumber, WANT_ROWS);
		return this.backIndexRows(range, reverse);
	}

	private async *backIndexRows(range: Range, reverse: boolean): AsyncGenerator<[string, string]> {
		const found: [string, string][] = [];
		const { lo, hi } = range;
		this.signal?.throwIfAborted();
		readCounts.iterators++;
		try {
			for await (const texts of backIndexTexts(this.store, this.id, { snapshot: this.snapshot })) {
				this.counted(texts.length);
				if (!this.sandbox) {
					throw new Error(`no map functions to read ${this.view.name}'s rows with`);
				}
				// One encoder per chunk: its memory of element strings stays small.
				const encoder = new KeyEncoder();
				for (const rows of documentRows(this.sandbox, encoder, texts, this.viewNumber)) {
					for (const row of rows) {
						if ((lo && row.idx < lo.row) || (hi && row.idx >= hi.row)) continue;
						found.push([row.idx, row.text]);
					}
				}
				this.signal?.throwIfAborted();
			}
		} finally {
			// Leaving the loop has closed backIndexTexts' iterator.
			readCounts.iterators--;
		}
		found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
		if (reverse) found.reverse();
		yield* found;
	}

	/**
	 * Walks one sub-space of the view from `from` to `to` (inclusive unless
	 * `toExclusive`), yielding each entry's key (without the space prefix) and value.
	 */
	private async *walk(
		sub: string,
		from: string | undefined,
		to: string | undefined,
		reverse = false,
		toExclusive = false
	): AsyncGenerator<[string, string]> {
		for await (const chunk of this.chunks(sub, from, to, reverse, toExclusive)) yield* chunk;
	}

	/** Counts stored entries and rows read ({@link readCounts}). */
	private counted(entries: number): void {
		readCounts.entries += entries;
		readCounts.byView[this.view.name] = (readCounts.byView[this.view.name] ?? 0) + entries;
	}

	/** {@link walk} a store round trip ({@link CHUNK} entries) at a time. */
	private async *chunks(
		sub: string,
		from: string | undefined,
		to: string | undefined,
		reverse = false,
		toExclusive = false
	): AsyncGenerator<[string, string][]> {
		const space = this.prefix + sub;
		const options: Record<string, unknown> = {
			gte: keyBytes(space + (from ?? '')),
			reverse,
			snapshot: this.snapshot,
			keyEncoding: 'buffer'
		};
		if (to === undefined) options.lt = keyBytes(space.slice(0, -1) + '}');
		else if (toExclusive) options.lt = keyBytes(space + to);
		else options.lte = keyBytes(space + to);
		this.signal?.throwIfAborted();
		const iterator = this.store.iterator(options);
		readCounts.iterators++;
		try {
			for (;;) {
				const entries = await iterator.nextv(CHUNK);
				if (entries.length === 0) return;
				this.counted(entries.length);
				yield entries.map(([key, value]): [string, string] => [
					keyText(key as unknown as Buffer).slice(space.length),
					value
				]);
				// A read whose client left asks for no more (the finally closes the iterator).
				this.signal?.throwIfAborted();
			}
		} finally {
			await iterator.close();
			readCounts.iterators--;
		}
	}
}

/**
 * An entry's key: its `k` when stored (keys that do not read back, and every entry
 * written before entries dropped `k`: batch.ts `entryText`), else read back from `idx`.
 */
export function entryKey(idx: string, text: string): unknown {
	if (!text.startsWith('{"k":')) return parseKey(idx);
	return (JSON.parse(text) as { k: unknown }).k;
}

/**
 * A stored entry's aggregate, without the key an entry may keep (`k`, first in its text
 * when there: {@link entryKey}); copied only then, since reads parse an entry each.
 */
export function parseAggregate(text: string): Aggregate {
	if (!text.startsWith('{"k":')) return JSON.parse(text) as Aggregate;
	const { k: _k, ...aggregate } = JSON.parse(text) as Aggregate & { k: unknown };
	return aggregate;
}

/** An aggregate read, or undefined for an entry with no rows in the range. */
type Found = Aggregate | undefined;

/** What {@link storedAggregate} answers when the entry's aggregate needs the level below. */
const BELOW = Symbol('below');

/**
 * An entry's stored aggregate when the range holds all its rows (from `r0` to `r1`) and
 * it is clean; undefined when the range holds none of them; {@link BELOW} when the
 * range cuts them or the entry's `_stats` extremes are dirty.
 */
function storedAggregate(range: Range, r0: string, r1: string, text: string) {
	const how = overlap(range, r0, r1);
	if (how === 'none') return undefined;
	if (how === 'partial') return BELOW;
	const stored = parseAggregate(text);
	return stored.d ? BELOW : stored;
}

/** An aggregate, or undefined when it holds no rows. */
async function nonEmpty(aggregate: Promise<Aggregate>): Promise<Found> {
	const found = await aggregate;
	return found.c ? found : undefined;
}

/**
 * Merges streams of chunks each sorted by `idx` into one, a chunk at a time: each
 * output chunk ends where some stream's chunk does (its next chunk is read before the
 * merge goes on).
 */
async function* mergeByIdx(
	streams: AsyncGenerator<Group[]>[],
	reverse: boolean
): AsyncGenerator<Group[]> {
	const chunks: Group[][] = streams.map(() => []);
	const at: number[] = streams.map(() => 0);
	const done: boolean[] = streams.map(() => false);
	// Reads the stream's next non-empty chunk; false when it has ended.
	const refill = async (i: number) => {
		while (!done[i] && at[i] >= chunks[i].length) {
			const item = await streams[i].next();
			if (item.done) done[i] = true;
			else [chunks[i], at[i]] = [item.value, 0];
		}
		return !done[i];
	};
	try {
		if (streams.length === 1) {
			while (await refill(0)) {
				yield chunks[0];
				at[0] = chunks[0].length;
			}
			return;
		}
		await Promise.all(streams.map((_, i) => refill(i)));
		for (;;) {
			const out: Group[] = [];
			let emptied = -1;
			while (emptied < 0) {
				let best = -1;
				for (let i = 0; i < streams.length; i++) {
					if (done[i]) continue;
					const head = chunks[i][at[i]];
					const top = best < 0 ? undefined : chunks[best][at[best]];
					if (!top || (reverse ? head.idx > top.idx : head.idx < top.idx)) best = i;
				}
				if (best < 0) break;
				out.push(chunks[best][at[best]++]);
				if (at[best] >= chunks[best].length) emptied = best;
			}
			if (out.length) yield out;
			if (emptied < 0) return;
			await refill(emptied);
		}
	} finally {
		await Promise.all(streams.map((stream) => stream.return(undefined)));
	}
}
