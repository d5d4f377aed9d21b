/**
 * One batch of database changes → one atomic write: the map rows each changed
 * document now emits (and the removal of what it emitted before, found in the
 * back-index, back-index.ts; rows only in views that keep them, rows.ts), the deltas of every entry
 * those rows fall under, the back-index, and the index's new checkpoint. Either all of
 * it is stored or none of it, so a crash between batches loses nothing and counts
 * nothing twice: the next run starts again from the last checkpoint.
 */
import { backIndexText, emittedOf } from './back-index';
import { KeyEncoder, SURROGATE, groupPrefixes } from './collation';
import { exactValue } from './exact-sum';
import type { FenceKeeper } from './fences';
import { addValue, merge, settled, type Aggregate, type Delta } from './reducers';
import { documentRowKeys, rowText, rowsMaintained } from './rows';
import type { MapSandbox } from './sandbox';
import { slicer, type Reads } from './schedule';
import {
	DIRTY,
	ROWS,
	backPrefix,
	exactSub,
	getTexts,
	levelMaintained,
	metaKey,
	prefixSub,
	RawBatch,
	viewPrefix,
	type IndexMeta,
	type ViewMeta,
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

/**
 * One distinct key of one view in a batch: what its rows and its exact entry need, and
 * no more. A batch keeps one per distinct key until its write (tens of thousands), so
 * these live long enough to be promoted to V8's old generation; the parsed key and its
 * elements are dropped unless the view keeps group levels.
 */
interface KeyTarget {
	/** The key as JSON text. */
	json: string;
	/** `toIndexableString(key)`. */
	idx: string;
	/** Array length, 0 for other keys. */
	depth: number;
	/** The elements' indexable strings, only when the view keeps group levels. */
	elements?: string[];
	/** The batch's change to the key's exact entry. */
	delta: Delta;
	/** Whether its row keys read back to it (EncodedKey.readsBack). */
	readsBack: boolean;
	/** Whether the key holds a surrogate (see collation.ts). */
	surrogate: boolean;
	/** Whether a row was added under it (its depth joins the view's). */
	added: boolean;
}

/**
 * Documents mapped per sandbox call: a call cannot yield, so it bounds how long a read
 * arriving waits for the slice in progress (README, "Reads first").
 */
const MAP_CHUNK = 25;

/**
 * Items between two checks of the slice (schedule.ts), as reading the clock per row
 * would cost more than the rows.
 */
const YIELD_CHECK = 256;

/** A pending change to one stored entry. */
interface EntryDelta {
	view: number;
	storeKey: string;
	/** The entry's key as JSON text, when it does not read back from the store key (entryText). */
	keyJson: string | undefined;
	delta: Delta;
	/** Whether the store key holds a surrogate (see collation.ts). */
	surrogate: boolean;
	/** The entry's stored text before the batch (undefined: none). */
	stored?: string;
}

/** Something to write down: a map function's error or log line. */
export type BatchLog = (line: string) => void;

/**
 * Maps and stores one batch; `meta` (rows, depths, seq) is updated in place once the
 * write succeeded.
 * @param seq The sequence the batch ends at (its last change's).
 * @param reads The store's reads in flight, which the batch's yields wait for (schedule.ts).
 */
export async function writeBatch(
	store: Level,
	meta: IndexMeta,
	sandbox: MapSandbox,
	changes: Change[],
	seq: number,
	log: BatchLog,
	fences?: FenceKeeper,
	reads?: Reads
): Promise<BatchResult> {
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
	const writer = new BatchWriter(store, meta, fences, slicer(reads));
	const previous = await writer.previous(lookups);
	// Remove what changed documents emitted before, then add what they emit now.
	await writer.removePrevious(sandbox, previous);
	const mapErrors = await writer.map(sandbox, toMap, previous, log);
	for (const change of changes) {
		if (change.deleted && previous.has(change.id)) writer.dropBackIndex(change.id);
	}
	const entries = await writer.entryDeltas();
	await readEntries(store, entries);
	const dirtied = await writer.settle(entries);
	await writer.commit(seq);
	return { docs: changes.length, designs, mapErrors, dirtied };
}

/**
 * The work of one batch, step by step. Its steps are methods rather than closures made
 * per batch: V8 compiled each new closure's optimized code again, a dozen functions a
 * batch (a catch-up's CPU time did not change measurably, MEASURED.md, "Eleventh pass").
 */
class BatchWriter {
	private readonly encoder = new KeyEncoder();
	/** Rows go straight into the write batch, so their strings die young. */
	private readonly batch: RawBatch;
	private readonly views: ViewMeta[];
	private readonly back: string;
	private readonly rowsDelta: number[];
	private readonly newDepths: Set<number>[];
	/**
	 * Per view, per distinct key: its encoding and this batch's delta of its exact entry.
	 * A batch repeats few distinct keys; group_level entries are derived from these
	 * deltas at the end, once per key instead of once per row.
	 */
	private readonly targets: Map<string, KeyTarget>[];
	private readonly prefixes: string[];
	private readonly rowSpaces: string[];
	/** Only views keeping a group level (levels.ts) need their keys' elements past encoding. */
	private readonly grouping: boolean[];
	/** Emitted values parsed, by their JSON text. */
	private readonly values = new Map<string, unknown>();
	/** `exactSub` of each key depth met, made once. */
	private readonly exactSubs: string[] = [];

	constructor(
		private readonly store: Level,
		private readonly meta: IndexMeta,
		private readonly fences: FenceKeeper | undefined,
		private readonly pause: () => Promise<void>
	) {
		this.batch = new RawBatch(store);
		this.views = meta.views;
		this.back = backPrefix(meta.id);
		this.rowsDelta = this.views.map(() => 0);
		this.newDepths = this.views.map(() => new Set<number>());
		this.targets = this.views.map(() => new Map<string, KeyTarget>());
		this.prefixes = this.views.map((_, view) => viewPrefix(meta.id, view));
		this.rowSpaces = this.prefixes.map((prefix) => prefix + ROWS);
		this.grouping = this.views.map((view) => !view.levels || Object.keys(view.levels).length > 0);
	}

	/** The back-index texts of the documents that may have emitted rows before. */
	async previous(ids: string[]): Promise<Map<string, string>> {
		const previous = new Map<string, string>();
		if (ids.length === 0) return previous;
		const found = await getTexts(
			this.store,
			ids.map((id) => this.back + id)
		);
		for (let i = 0; i < ids.length; i++) {
			const text = found[i];
			if (text !== undefined) previous.set(ids[i], text);
		}
		return previous;
	}

	/**
	 * Removes the rows the documents emitted before, from their back-index texts (mapped
	 * again when in the document form, back-index.ts).
	 */
	async removePrevious(sandbox: MapSandbox, previous: Map<string, string>): Promise<void> {
		const entries = [...previous];
		for (let first = 0; first < entries.length; first += MAP_CHUNK) {
			await this.pause();
			const chunk = entries.slice(first, first + MAP_CHUNK);
			emittedOf(sandbox, chunk).forEach((emitted, i) => {
				for (const [view, flat] of emitted) this.addRows(chunk[i][0], view, flat, -1);
			});
		}
	}

	/** Maps the documents and adds their rows; returns the map calls that failed. */
	async map(
		sandbox: MapSandbox,
		toMap: Change[],
		previous: Map<string, string>,
		log: BatchLog
	): Promise<number> {
		const { meta } = this;
		let mapErrors = 0;
		for (let first = 0; first < toMap.length; first += MAP_CHUNK) {
			await this.pause();
			const chunk = toMap.slice(first, first + MAP_CHUNK);
			const docs: string[] = [];
			for (const change of chunk) docs.push(JSON.stringify(change.doc));
			const mapped = sandbox.run(docs);
			mapErrors += mapped.errors.length;
			for (const error of mapped.errors) {
				log(
					`map function of ${meta.db}/${meta.ddoc} view ${meta.views[error.view].name} ` +
						`failed on document ${JSON.stringify(chunk[error.doc].id)}: ${error.message}; ` +
						'the document is left out of that view'
				);
			}
			for (const line of mapped.logs) log(`log from ${meta.db}/${meta.ddoc}: ${line}`);
			// A document a map failed on keeps its rows in the back-index (back-index.ts).
			const failed = new Set(mapped.errors.map((error) => error.doc));
			for (let i = 0; i < chunk.length; i++) {
				const id = chunk[i].id;
				const perView = mapped.emits[i];
				let any = false;
				for (let view = 0; view < perView.length; view++) {
					if (perView[view].length) {
						any = true;
						this.addRows(id, view, perView[view], 1);
					}
				}
				if (any) {
					const asRows = failed.has(i) || meta.backIndex === 'rows';
					this.batch.put(this.back + id, backIndexText(perView, asRows ? undefined : docs[i]));
				} else if (previous.has(id)) this.dropBackIndex(id);
			}
		}
		return mapErrors;
	}

	dropBackIndex(id: string): void {
		this.batch.del(this.back + id);
	}

	/** Adds (sign 1) or removes (-1) a document's rows of one view: `[key, value, …]` texts. */
	addRows(docId: string, view: number, flat: string[], sign: 1 | -1): void {
		const rows = flat.length / 2;
		if (rows === 0) return;
		const docIdx = this.encoder.docId(docId);
		const docSurrogate = SURROGATE.test(docIdx);
		const meta = this.views[view];
		const reducer = meta.reducer;
		const valued = reducer === '_sum' || reducer === '_stats';
		const found: KeyTarget[] = new Array(rows);
		for (let r = 0; r < rows; r++) found[r] = this.target(view, flat[2 * r]);
		this.rowsDelta[view] += sign * rows;
		// Rows are written only where the view keeps them (rows.ts); entries, counts, depths
		// and the back-index always.
		let rowKeys: string[] | undefined;
		if (rowsMaintained(meta, docId)) {
			const idxs: string[] = new Array(rows);
			for (let r = 0; r < rows; r++) idxs[r] = found[r].idx;
			rowKeys = documentRowKeys(this.rowSpaces[view], idxs, docIdx, flat);
		}
		const depths = this.newDepths[view];
		for (let r = 0; r < rows; r++) {
			const key = found[r];
			const valueJson = flat[2 * r + 1];
			if (rowKeys) {
				const surrogate = docSurrogate || key.surrogate;
				if (sign > 0) this.batch.put(rowKeys[r], rowText(key, valueJson), surrogate);
				else this.batch.del(rowKeys[r], surrogate);
			}
			if (sign > 0 && !key.added) {
				key.added = true;
				depths.add(key.depth);
			}
			addValue(key.delta, reducer, valued ? this.parsed(valueJson) : null, sign);
		}
	}

	/**
	 * Entry deltas: each key's exact entry (the targets are distinct already), every
	 * group_level group above it that the view keeps, and its fence intervals.
	 */
	async entryDeltas(): Promise<EntryDelta[]> {
		const entries: EntryDelta[] = [];
		let counted = 0;
		for (let view = 0; view < this.targets.length; view++) {
			const prefix = this.prefixes[view];
			const groups = new Map<string, EntryDelta>();
			// Index loops in this async method and in settle(): a for…of allocated an
			// iterator result per key, which the awaits inside kept from being optimized away.
			const keys = Array.from(this.targets[view].values());
			for (let k = 0; k < keys.length; k++) {
				const key = keys[k];
				if (++counted % YIELD_CHECK === 0) await this.pause();
				const { delta, surrogate } = key;
				// A key whose rows were removed and emitted again alike changes nothing.
				if (delta.c !== 0 || !isNeutral(delta)) {
					const storeKey = prefix + this.exactSub(key.depth) + key.idx;
					const keyJson = key.readsBack ? undefined : key.json;
					entries.push({ view, storeKey, keyJson, delta, surrogate });
				}
				if (key.elements && key.depth >= 2) this.groupDeltas(groups, view, key);
				// The fence interval holding the key on each level (fences.ts), when kept.
				for (const fenceKey of this.fences?.entries(view, key.idx) ?? []) {
					addDelta(groups, view, fenceKey, delta, SURROGATE.test(fenceKey), undefined);
				}
			}
			for (const group of groups.values()) {
				if (group.delta.c !== 0 || !isNeutral(group.delta)) entries.push(group);
			}
		}
		return entries;
	}

	/** Adds a key's delta to the group_level groups above it that its view keeps. */
	private groupDeltas(groups: Map<string, EntryDelta>, view: number, key: KeyTarget): void {
		const prefixes = groupPrefixes({ elements: key.elements! });
		const prefix = this.prefixes[view];
		for (let level = 1; level < key.depth; level++) {
			// Only the group levels kept (levels.ts): most views are read by exact key.
			if (!levelMaintained(this.views[view], level, prefixes[level - 1])) continue;
			const groupKey = prefix + prefixSub(level) + prefixes[level - 1];
			// A prefix of a key that reads back reads back (elements are encoded one by one);
			// another prefix's text is made once, with its group's entry.
			const keyJson =
				key.readsBack || groups.has(groupKey)
					? undefined
					: JSON.stringify((JSON.parse(key.json) as unknown[]).slice(0, level));
			addDelta(groups, view, groupKey, key.delta, key.surrogate, keyJson);
		}
	}

	/**
	 * Entries: stored value (read into `stored`) + delta, written; returns whether an
	 * entry was marked dirty.
	 */
	async settle(entries: EntryDelta[]): Promise<boolean> {
		const { batch, fences } = this;
		let dirtied = false;
		for (let i = 0; i < entries.length; i++) {
			const entry = entries[i];
			if ((i + 1) % YIELD_CHECK === 0) await this.pause();
			const { storeKey, stored, delta, surrogate } = entry;
			const reducer = this.views[entry.view].reducer;
			if (reducer === '_count' || reducer === null) {
				// A row count alone: read and written as text, no aggregate object.
				const count = stored === undefined ? 0 : storedCount(stored);
				if (count !== undefined) {
					const total = count + delta.c;
					if (total < 0) throw this.negative(storeKey);
					fences?.settled(entry.view, storeKey, total);
					if (total === 0) batch.del(storeKey, surrogate);
					else batch.put(storeKey, countText(entry.keyJson, total), surrogate);
					continue;
				}
			}
			// The stored aggregate is parsed for this batch, so the delta is added to it in place.
			// The entry's key (`k`) stays in the parsed object: settled() copies only the
			// aggregate's fields, so it is never written back.
			const total: Delta = stored === undefined ? { c: 0 } : (JSON.parse(stored) as Aggregate);
			const wasDirty = total.d === 1;
			merge(total, delta);
			const prefix = this.prefixes[entry.view];
			if (total.c < 0) throw this.negative(storeKey);
			fences?.settled(entry.view, storeKey, total.c);
			if (total.c === 0) {
				batch.del(storeKey, surrogate);
				if (wasDirty) batch.del(prefix + DIRTY + storeKey.slice(prefix.length), surrogate);
				continue;
			}
			const aggregate = settled(total);
			batch.put(storeKey, entryText(entry.keyJson, aggregate), surrogate);
			if (aggregate.d && !wasDirty) {
				batch.put(prefix + DIRTY + storeKey.slice(prefix.length), '1', surrogate);
				dirtied = true;
			}
		}
		return dirtied;
	}

	/** Writes the batch with the index's new checkpoint, then updates `meta` in place. */
	async commit(seq: number): Promise<void> {
		const { meta } = this;
		const next: IndexMeta = {
			...meta,
			seq,
			views: this.views.map((view, i) => ({
				...view,
				rows: view.rows + this.rowsDelta[i],
				depths: [...new Set([...view.depths, ...this.newDepths[i]])].sort((a, b) => a - b),
				maxDepth: Math.max(view.maxDepth, ...this.newDepths[i])
			}))
		};
		await this.batch.write(metaKey(meta.id), JSON.stringify(next));
		// Only what the batch changed: the engine may have moved the state meanwhile.
		meta.seq = next.seq;
		meta.views = next.views;
	}

	/** The distinct key `json` of a view in this batch, made on its first row. */
	private target(view: number, json: string): KeyTarget {
		const targets = this.targets[view];
		let found = targets.get(json);
		if (!found) {
			const key = this.encoder.encodeOnce(json);
			found = {
				json,
				idx: key.idx,
				depth: key.depth,
				elements: this.grouping[view] ? key.elements : undefined,
				delta: { c: 0 },
				readsBack: key.readsBack,
				surrogate: SURROGATE.test(key.idx),
				added: false
			};
			targets.set(json, found);
		}
		return found;
	}

	private exactSub(depth: number): string {
		return (this.exactSubs[depth] ??= exactSub(depth));
	}

	private parsed(json: string): unknown {
		let value = this.values.get(json);
		if (value === undefined && !this.values.has(json)) {
			value = JSON.parse(json);
			this.values.set(json, value);
		}
		return value;
	}

	private negative(storeKey: string): Error {
		return new Error(`view index ${this.meta.id}: negative row count at ${storeKey}`);
	}
}

/** Adds a key's delta to a pending entry above it (a group or a fence interval). */
function addDelta(
	deltas: Map<string, EntryDelta>,
	view: number,
	storeKey: string,
	delta: Delta,
	surrogate: boolean,
	keyJson: string | undefined
): void {
	let entry = deltas.get(storeKey);
	if (!entry) {
		entry = { view, storeKey, keyJson, delta: { c: 0 }, surrogate };
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
 * An entry's stored text: its aggregate, preceded by its key (`k`) only when the key does
 * not read back from the entry's store key (`EncodedKey.readsBack`; fence intervals need
 * none). Most keys read back, as rows' keys do; entries written before this kept `k`
 * always, and readers take it when present (reader.ts `entryKey`).
 * @param keyJson The key as JSON text, or undefined when it reads back.
 */
export function entryText(keyJson: string | undefined, aggregate: Aggregate): string {
	const body = JSON.stringify(aggregate);
	return keyJson === undefined ? body : `{"k":${keyJson},${body.slice(1)}`;
}

/** The stored text of an aggregate that is a row count alone: entryText(keyJson, {c}). */
function countText(keyJson: string | undefined, count: number): string {
	return keyJson === undefined ? `{"c":${count}}` : `{"k":${keyJson},"c":${count}}`;
}

/**
 * The row count of an entry's text when the entry is a row count alone (what `_count`
 * and map-only views store: countText), read without parsing the key; undefined for any
 * other aggregate. The count is the text's last field, after any `,"c":` inside the key,
 * or its only field when the text has no key.
 */
export function storedCount(text: string): number | undefined {
	if (text.charCodeAt(text.length - 1) !== 125 /* } */) return undefined;
	const at = text.lastIndexOf(',"c":');
	const from = at >= 0 ? at + 5 : text.startsWith('{"c":') ? 5 : -1;
	if (from < 0) return undefined;
	const count = Number(text.slice(from, -1));
	return Number.isSafeInteger(count) ? count : undefined;
}

/** Reads the stored texts of entries into their `stored`. */
async function readEntries(store: Level, entries: EntryDelta[]): Promise<void> {
	const found = await getTexts(
		store,
		entries.map((entry) => entry.storeKey),
		{ surrogate: entries.map((entry) => entry.surrogate) }
	);
	for (let i = 0; i < entries.length; i++) entries[i].stored = found[i];
}
