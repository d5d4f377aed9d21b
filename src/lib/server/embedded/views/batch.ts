/**
 * One batch of database changes → one atomic write: the map rows each changed
 * document now emits (and the removal of what it emitted before, found in the
 * back-index), the deltas of every entry those rows fall under, the back-index, and
 * the index's new checkpoint. Either all of it is stored or none of it, so a crash
 * between batches loses nothing and counts nothing twice: the next run starts again
 * from the last checkpoint.
 */
import { collate } from 'pouchdb-collate';
import {
	KeyEncoder,
	SURROGATE,
	groupPrefixes,
	keyBytes,
	rowIdx,
	rowsOfKeyStart,
	type EncodedKey
} from './collation';
import { exactValue } from './exact-sum';
import type { FenceKeeper } from './fences';
import { addValue, merge, settled, type Aggregate, type Delta } from './reducers';
import type { MapSandbox } from './sandbox';
import {
	DIRTY,
	ROWS,
	backPrefix,
	exactSub,
	levelMaintained,
	metaKey,
	prefixSub,
	rawBatch,
	viewPrefix,
	type IndexMeta,
	type Level
} from './store';

/** A change as PouchDB's `changes({include_docs, style: 'all_docs'})` lists it. */
export interface Change {
	id: string;
	seq: number;
	deleted?: boolean;
	doc?: Record<string, unknown>;
	changes: { rev: string }[];
}

/** What a batch did. */
export interface BatchResult {
	/** Documents mapped, removed or skipped. */
	docs: number;
	/** Design documents among the changes (the engine checks their signatures). */
	designs: string[];
	/** Map calls that threw or timed out. */
	mapErrors: number;
	/** Whether an entry was marked dirty (see reducers.ts). */
	dirtied: boolean;
}

/** One distinct key of one view in a batch. */
interface KeyTarget {
	key: EncodedKey;
	/** The batch's change to the key's exact entry. */
	delta: Delta;
	/** Whether its row keys read back to it (EncodedKey.readsBack). */
	exact: boolean;
	/** Its rows' store keys up to the document id (see rowIdx). */
	rowPrefix: string;
	/** Whether the key holds a surrogate (see collation.ts). */
	surrogate: boolean;
}

/** Documents mapped per sandbox call. */
const MAP_CHUNK = 100;

/**
 * Longest stretch of a batch's work between two yields to the event loop: the store
 * answers requests while it indexes, within about this much CPU time (a loop blocked
 * for seconds also makes the HTTP server drop idle keep-alive connections just as
 * clients reuse them). Checked every {@link YIELD_CHECK} items, as reading the clock
 * per row would cost more than the rows.
 */
const SLICE_MS = 15;
const YIELD_CHECK = 256;

/** Yields to the event loop once a slice of {@link SLICE_MS} has passed since the last. */
function slicer() {
	let since = performance.now();
	return async () => {
		if (performance.now() - since < SLICE_MS) return;
		await new Promise<void>((resolve) => setImmediate(resolve));
		since = performance.now();
	};
}

/** A pending change to one stored entry. */
interface EntryDelta {
	view: number;
	storeKey: string;
	/** The entry's key as JSON text. */
	keyJson: string;
	delta: Delta;
	/** What the store holds before the batch (null: nothing). */
	stored?: Aggregate | null;
}

/** Something to write down: a map function's error or log line. */
export type BatchLog = (line: string) => void;

/**
 * Maps and stores one batch; `meta` (rows, depths, seq) is updated in place once the
 * write succeeded.
 * @param seq The sequence the batch ends at (its last change's).
 */
export async function writeBatch(
	store: Level,
	meta: IndexMeta,
	sandbox: MapSandbox,
	changes: Change[],
	seq: number,
	log: BatchLog,
	fences?: FenceKeeper
): Promise<BatchResult> {
	const encoder = new KeyEncoder();
	const pause = slicer();
	const designs: string[] = [];
	const toMap: Change[] = [];
	const lookups: string[] = [];
	for (const change of changes) {
		if (change.id.startsWith('_design/')) designs.push(change.id);
		if (change.id.startsWith('_') && !(meta.includeDesign && change.id.startsWith('_design/'))) {
			continue;
		}
		if (!change.deleted && change.doc) toMap.push(change);
		if (!isFirstRevision(change)) lookups.push(change.id);
	}

	const back = backPrefix(meta.id);
	const previous = new Map<string, string>();
	if (lookups.length) {
		const found = await store.getMany(
			lookups.map((id) => keyBytes(back + id)),
			{ keyEncoding: 'buffer' }
		);
		lookups.forEach((id, i) => {
			if (found[i] !== undefined) previous.set(id, found[i]!);
		});
	}

	const views = meta.views;
	// Rows go straight into the write batch, so their strings die young.
	const batch = rawBatch(store);
	const rowsDelta = views.map(() => 0);
	const newDepths = views.map(() => new Set<number>());
	// Per view, per distinct key: its encoding and this batch's delta of its exact
	// entry. A batch repeats few distinct keys; group_level entries are derived from these
	// deltas at the end, once per key instead of once per row.
	const targets = views.map(() => new Map<string, KeyTarget>());
	const rowSpaces = views.map((_, view) => viewPrefix(meta.id, view) + ROWS);
	const values = new Map<string, unknown>();

	const target = (view: number, json: string): KeyTarget => {
		let found = targets[view].get(json);
		if (!found) {
			const key = encoder.encode(json);
			const rowPrefix = rowSpaces[view] + rowsOfKeyStart(key.idx);
			const surrogate = SURROGATE.test(key.idx);
			found = { key, delta: { c: 0 }, exact: key.readsBack, rowPrefix, surrogate };
			targets[view].set(json, found);
		}
		return found;
	};
	const parsed = (json: string) => {
		let value = values.get(json);
		if (value === undefined && !values.has(json)) {
			value = JSON.parse(json);
			values.set(json, value);
		}
		return value;
	};

	const addRows = (docId: string, view: number, flat: string[], sign: 1 | -1) => {
		const rows = flat.length / 2;
		if (rows === 0) return;
		const docIdx = encoder.docId(docId);
		const docSurrogate = SURROGATE.test(docIdx);
		const reducer = views[view].reducer;
		const found: KeyTarget[] = new Array(rows);
		for (let r = 0; r < rows; r++) found[r] = target(view, flat[2 * r]);
		const dups = duplicateNumbers(found, flat);
		rowsDelta[view] += sign * rows;
		for (let r = 0; r < rows; r++) {
			const { key, delta, exact, rowPrefix } = found[r];
			const surrogate = docSurrogate || found[r].surrogate;
			const valueJson = flat[2 * r + 1];
			const rowKey = rowIdx(rowPrefix, docIdx, dups ? dups[r] : 0);
			if (sign > 0) {
				batch.put(rowKey, exact ? valueJson : rowText(key.json, valueJson), surrogate);
				newDepths[view].add(key.depth);
			} else {
				batch.del(rowKey, surrogate);
			}
			addValue(
				delta,
				reducer,
				reducer === '_sum' || reducer === '_stats' ? parsed(valueJson) : null,
				sign
			);
		}
	};

	// Remove what changed documents emitted before, then add what they emit now.
	for (const [id, text] of previous) {
		for (const [view, flat] of parseBackIndex(text)) addRows(id, view, flat, -1);
	}
	let mapErrors = 0;
	for (let first = 0; first < toMap.length; first += MAP_CHUNK) {
		await pause();
		const chunk = toMap.slice(first, first + MAP_CHUNK);
		const mapped = sandbox.run(chunk.map((change) => JSON.stringify(change.doc)));
		mapErrors += mapped.errors.length;
		for (const error of mapped.errors) {
			log(
				`map function of ${meta.db}/${meta.ddoc} view ${meta.views[error.view].name} ` +
					`failed on document ${JSON.stringify(chunk[error.doc].id)}: ${error.message}; ` +
					'the document is left out of that view'
			);
		}
		for (const line of mapped.logs) log(`log from ${meta.db}/${meta.ddoc}: ${line}`);
		chunk.forEach((change, i) => {
			const perView = mapped.emits[i];
			let any = false;
			for (let view = 0; view < perView.length; view++) {
				if (perView[view].length) {
					any = true;
					addRows(change.id, view, perView[view], 1);
				}
			}
			if (any) batch.put(back + change.id, backIndexText(perView));
			else if (previous.has(change.id)) batch.del(back + change.id);
		});
	}
	for (const change of changes) {
		if (change.deleted && previous.has(change.id)) batch.del(back + change.id);
	}

	// Entry deltas: each key's exact entry, and every group_level group above it.
	const deltas = new Map<string, EntryDelta>();
	let counted = 0;
	for (let view = 0; view < targets.length; view++) {
		const prefix = viewPrefix(meta.id, view);
		for (const { key, delta } of targets[view].values()) {
			if (++counted % YIELD_CHECK === 0) await pause();
			const storeKey = prefix + exactSub(key.depth) + key.idx;
			deltas.set(storeKey, { view, storeKey, keyJson: key.json, delta });
			const prefixes = groupPrefixes(key);
			for (let level = 1; level < key.depth; level++) {
				// Only the group levels kept (levels.ts): most views are read by exact key.
				if (!levelMaintained(views[view], level, prefixes[level - 1])) continue;
				const groupKey = prefix + prefixSub(level) + prefixes[level - 1];
				addDelta(deltas, view, groupKey, delta, () =>
					JSON.stringify((key.value as unknown[]).slice(0, level))
				);
			}
			// The fence interval holding the key on each level (fences.ts), when kept.
			for (const fenceKey of fences?.entries(view, key.idx) ?? []) {
				addDelta(deltas, view, fenceKey, delta, () => 'null');
			}
		}
	}

	// Entries: stored value + delta. Every entry a batch touches is read from the store
	// (one getMany): a batch's keys rarely repeat the previous batches' (hourly and
	// quarter-hour buckets, document ids), so a cache of parsed aggregates missed about
	// 94% of its lookups while its upkeep and the garbage it kept cost more CPU and
	// memory than leveldb's own reads, which the block cache and bloom filters keep cheap.
	await readEntries(store, [...deltas.values()]);
	const prefixes = views.map((_, view) => viewPrefix(meta.id, view));
	let dirtied = false;
	let settledEntries = 0;
	for (const entry of deltas.values()) {
		if (++settledEntries % YIELD_CHECK === 0) await pause();
		const { storeKey, stored, delta } = entry;
		if (delta.c === 0 && isNeutral(delta)) continue;
		// The stored aggregate was parsed for this batch, so the delta is added to it in place.
		const wasDirty = stored?.d === 1;
		const total: Delta = stored ?? { c: 0 };
		merge(total, delta);
		const prefix = prefixes[entry.view];
		const dirtyKey = prefix + DIRTY + storeKey.slice(prefix.length);
		if (total.c < 0) throw new Error(`view index ${meta.id}: negative row count at ${storeKey}`);
		fences?.settled(entry.view, storeKey, total.c);
		if (total.c === 0) {
			batch.del(storeKey);
			if (wasDirty) batch.del(dirtyKey);
			continue;
		}
		const aggregate = settled(total);
		batch.put(storeKey, entryText(entry.keyJson, aggregate));
		if (aggregate.d && !wasDirty) {
			batch.put(dirtyKey, '1');
			dirtied = true;
		}
	}
	const next: IndexMeta = {
		...meta,
		seq,
		views: views.map((view, i) => ({
			...view,
			rows: view.rows + rowsDelta[i],
			depths: [...new Set([...view.depths, ...newDepths[i]])].sort((a, b) => a - b),
			maxDepth: Math.max(view.maxDepth, ...newDepths[i])
		}))
	};
	await batch.write(metaKey(meta.id), JSON.stringify(next));
	// Only what the batch changed: the engine may have moved the state meanwhile.
	meta.seq = next.seq;
	meta.views = next.views;
	return { docs: changes.length, designs, mapErrors, dirtied };
}

/** Adds a key's delta to a pending entry above it (a group or a fence interval). */
function addDelta(
	deltas: Map<string, EntryDelta>,
	view: number,
	storeKey: string,
	delta: Delta,
	keyJson: () => string
): void {
	let entry = deltas.get(storeKey);
	if (!entry) {
		entry = { view, storeKey, keyJson: keyJson(), delta: { c: 0 } };
		deltas.set(storeKey, entry);
	}
	merge(entry.delta, delta, false);
}

/** A first revision with no other leaf: the document cannot have emitted anything before. */
function isFirstRevision(change: Change): boolean {
	return !change.deleted && change.changes.length === 1 && change.changes[0].rev.startsWith('1-');
}

function isNeutral(delta: Delta): boolean {
	return (
		!delta.x &&
		!delta.a &&
		!hasCounts(delta.h) &&
		(delta.s ?? []).every((n) => exactValue(n) === 0) &&
		!exactValue(delta.t) &&
		!exactValue(delta.q) &&
		delta.lo === undefined &&
		delta.rlo === undefined
	);
}

function hasCounts(h: number[] | undefined): boolean {
	for (let i = 1; i < (h?.length ?? 0); i += 2) if (h![i] !== 0) return true;
	return false;
}

/**
 * PouchDB's numbering of rows one document emits with one key: sorted by value, the
 * first has none and the others their position, so each gets its own `[key, docid, n]`.
 * Undefined when no key repeats (the usual case).
 */
function duplicateNumbers(found: KeyTarget[], flat: string[]): number[] | undefined {
	let repeated = false;
	for (let i = 1; i < found.length && !repeated; i++) {
		for (let j = 0; j < i; j++) {
			if (found[i] === found[j]) {
				repeated = true;
				break;
			}
		}
	}
	if (!repeated) return undefined;
	const keys = found.map((target) => target.key);
	const order = keys.map((_, i) => i);
	const values = flat.filter((_, i) => i % 2 === 1).map((v) => JSON.parse(v) as unknown);
	order.sort((a, b) =>
		keys[a].idx < keys[b].idx
			? -1
			: keys[a].idx > keys[b].idx
				? 1
				: collate(values[a], values[b]) || a - b
	);
	const numbers = keys.map(() => 0);
	for (let i = 1; i < order.length; i++) {
		if (keys[order[i]].idx === keys[order[i - 1]].idx) numbers[order[i]] = i;
	}
	return numbers;
}

/** A row's stored value when its key does not read back from the row key: both, marked. */
function rowText(keyJson: string, valueJson: string): string {
	return `\u0001${keyJson}\u0001${valueJson}`;
}

/** A stored row's value, and its key when stored with it. */
export function parseRowText(text: string): { key?: unknown; value: unknown } {
	if (text.charCodeAt(0) !== 1) return { value: JSON.parse(text) };
	const bar = text.indexOf('\u0001', 1);
	return { key: JSON.parse(text.slice(1, bar)), value: JSON.parse(text.slice(bar + 1)) };
}

/** The back-index text of one document: `[[view, key, value, key, value, …], …]`. */
function backIndexText(perView: string[][]): string {
	const parts: string[] = [];
	perView.forEach((flat, view) => {
		if (flat.length) parts.push(`[${view},${flat.join(',')}]`);
	});
	return `[${parts.join(',')}]`;
}

/** What a document emitted, per view, as JSON texts again. */
function parseBackIndex(text: string): [number, string[]][] {
	return (JSON.parse(text) as unknown[][]).map(([view, ...rest]) => [
		view as number,
		rest.map((part) => JSON.stringify(part) ?? 'null')
	]);
}

/** An entry's stored text: its key and aggregate. */
export function entryText(keyJson: string, aggregate: Aggregate): string {
	const body = JSON.stringify(aggregate);
	return `{"k":${keyJson},${body.slice(1)}`;
}

/**
 * Reads the stored aggregates of entries into their `stored`. Keys go as strings, which
 * classic-level passes on as UTF-8 without a Buffer each; the rare keys holding a
 * surrogate go as CESU-8 bytes (see collation.ts) in a second read.
 */
async function readEntries(store: Level, entries: EntryDelta[]): Promise<void> {
	const plain: EntryDelta[] = [];
	const surrogate: EntryDelta[] = [];
	for (const entry of entries) (SURROGATE.test(entry.storeKey) ? surrogate : plain).push(entry);
	const settle = (group: EntryDelta[], found: (string | undefined)[]) => {
		for (let i = 0; i < group.length; i++) {
			const text = found[i];
			// The entry's key (`k`) stays in the parsed object: settled() copies only the
			// aggregate's fields, so it is never written back.
			group[i].stored = text === undefined ? null : (JSON.parse(text) as Aggregate);
		}
	};
	if (plain.length) settle(plain, await store.getMany(plain.map((entry) => entry.storeKey)));
	if (surrogate.length) {
		const keys = surrogate.map((entry) => keyBytes(entry.storeKey));
		settle(surrogate, await store.getMany(keys, { keyEncoding: 'buffer' }));
	}
}
