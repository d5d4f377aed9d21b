/**
 * Map rows: their store keys and texts, and rows kept on demand.
 *
 * A view's rows (`r|`) answer `reduce=false` reads and the docid-bounded ends of reduce
 * reads; everything else (groups, range reduces, `offset`, `total_rows`) is answered
 * from entries, fences and the row count. The views a record writes most rows to
 * (`dimensions`, `metrics`, `pages`, …) are only ever read as reductions, and each row is
 * one more put per record. So a new index keeps rows from the start only for views that
 * need them regardless: map-only views, and `_stats` views (heal.ts recomputes extremes
 * from rows). Once a new index has mapped {@link CHOOSE_AFTER_DOCS} documents, it also
 * builds the rows of the `_count` and `_sum` views that emit about one row per document
 * or fewer ({@link chooseRows}): they cost little, and are the views read row by row
 * (an app's records, sessions, funnel entries), whose first read from the back-index
 * would cost seconds on a large index; the indexer builds their fences too (fences.ts),
 * for those reads' offsets. For the other `_count` and `_sum` views no row is
 * written until a read needs one;
 * that read is answered from the back-index (every document's emitted keys and values,
 * per view: O(documents) for that read), the reader tells the indexer, and the indexer
 * builds the rows from the back-index between its batches, in chunks of documents, each
 * chunk written atomically with the view's progress (`rowsKept`: the last document
 * built). Batches keep the rows of the documents built so far up to date, and reads use
 * the rows once the build is whole (`rowsKept: true`). A crash resumes after the last
 * chunk written. Indexes made before this have no `rowsKept` and keep every row.
 *
 * A document's rows in a view, however they are made (a batch adding or removing them,
 * the build, a read from the back-index, the consistency check), get their keys from
 * {@link documentRowKeys} and their texts from {@link rowText}.
 */
import { collate, toIndexableString } from 'pouchdb-collate';
import { emittedOf } from './back-index';
import { KeyEncoder, keyBytes, rowIdx, rowsOfKeyStart, type EncodedKey } from './collation';
import type { ReducerName } from './reducers';
import type { MapSandbox } from './sandbox';
import {
	ROWS,
	backPrefix,
	keyText,
	metaKey,
	RawBatch,
	spaceRange,
	viewPrefix,
	type IndexMeta,
	type Level,
	type ViewMeta
} from './store';

/** Rows written per build chunk (whole documents): a chunk's write stays small. */
export const BUILD_ROWS = 20_000;

/** What a reader passes as the level of `want` when it needs a view's rows (levels.ts' levels are ≥ 1, fences 0). */
export const WANT_ROWS = -1;

/**
 * Documents (back-index entries) a new index maps before it chooses which `_count` and
 * `_sum` views keep their rows anyway ({@link chooseRows}).
 */
export const CHOOSE_AFTER_DOCS = 1_000;

/**
 * Rows per document up to which a `_count` or `_sum` view keeps its rows anyway: such
 * rows cost a batch at most about as many puts as the back-index, and reads of rows
 * (`reduce=false`) are what views emitting about one row per document are for.
 */
export const CHEAP_ROWS_PER_DOC = 1.5;

/** Whether a new index keeps a view's rows from the start: map-only and `_stats` views. */
export function rowsFromStart(reducer: ReducerName): boolean {
	return reducer === null || reducer === '_stats';
}

/** Whether a view's `r|` space holds all its rows, so reads can use it. */
export function rowsKept(view: ViewMeta): boolean {
	return view.rowsKept === undefined || view.rowsKept === true;
}

/** Whether a batch keeps the rows of document `docId` in the view (kept, or built up to it). */
export function rowsMaintained(view: ViewMeta, docId: string): boolean {
	const state = view.rowsKept;
	return state === undefined || state === true || (typeof state === 'string' && docId <= state);
}

/**
 * The store keys of one document's rows in one view, in emit order: `prefix` and the
 * row's indexable string `[key, docid]`, or `[key, docid, n]` for the n-th of the rows
 * the document emits with one key (PouchDB's numbering: sorted by value, the first has
 * none and the others their position).
 * @param keys The rows' keys' indexable strings.
 * @param flat The rows as `[key, value, key, value, …]` JSON texts (for the values).
 */
export function documentRowKeys(
	prefix: string,
	keys: readonly string[],
	docIdx: string,
	flat: readonly string[]
): string[] {
	const dups = keys.length > 1 ? duplicateNumbers(keys, flat) : undefined;
	const out: string[] = new Array(keys.length);
	for (let r = 0; r < keys.length; r++) {
		out[r] = rowIdx(prefix + rowsOfKeyStart(keys[r]), docIdx, dups ? dups[r] : 0);
	}
	return out;
}

/** Duplicate numbers of {@link documentRowKeys}; undefined when no key repeats (the usual case). */
function duplicateNumbers(keys: readonly string[], flat: readonly string[]): number[] | undefined {
	let repeated = false;
	for (let i = 1; i < keys.length && !repeated; i++) {
		for (let j = 0; j < i; j++) {
			if (keys[i] === keys[j]) {
				repeated = true;
				break;
			}
		}
	}
	if (!repeated) return undefined;
	const order = keys.map((_, i) => i);
	const values = flat.filter((_, i) => i % 2 === 1).map((v) => JSON.parse(v) as unknown);
	order.sort((a, b) =>
		keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : collate(values[a], values[b]) || a - b
	);
	const numbers = keys.map(() => 0);
	for (let i = 1; i < order.length; i++) {
		if (keys[order[i]] === keys[order[i - 1]]) numbers[order[i]] = i;
	}
	return numbers;
}

/**
 * A row's stored text: its value, or, when its key does not read back from the row key
 * (`EncodedKey.readsBack`), both, marked.
 */
export function rowText(key: Pick<EncodedKey, 'json' | 'readsBack'>, valueJson: string): string {
	return key.readsBack ? valueJson : `\u0001${key.json}\u0001${valueJson}`;
}

/** A stored row's value, and its key when stored with it. */
export function parseRowText(text: string): { key?: unknown; value: unknown } {
	if (text.charCodeAt(0) !== 1) return { value: JSON.parse(text) };
	const bar = text.indexOf('\u0001', 1);
	return { key: JSON.parse(text.slice(1, bar)), value: JSON.parse(text.slice(bar + 1)) };
}

/** One row of a document, made from its back-index text. */
export interface DocumentRow {
	/** The row's indexable string (its store key without the view's `r|` prefix). */
	idx: string;
	/** What the row stores (rowText). */
	text: string;
	key: EncodedKey;
	/** The value as JSON text. */
	value: string;
}

/**
 * The rows of one view that documents' back-index texts hold, as the view's `r|` space
 * stores them, per document: what batches write and remove, the build writes and reads
 * from the back-index answer.
 * @param sandbox The index's map functions (a text in the document form is mapped again).
 */
export function documentRows(
	sandbox: MapSandbox,
	encoder: KeyEncoder,
	entries: readonly (readonly [docId: string, text: string])[],
	view: number
): DocumentRow[][] {
	return emittedOf(sandbox, entries, (v) => v === view).map((emitted, i) =>
		emitted.length ? rowsOf(encoder, toIndexableString(entries[i][0]), emitted[0][1]) : []
	);
}

/**
 * A document's rows in one view from what it emitted there.
 * @param docIdx The document id's indexable string.
 * @param flat The rows as `[key, value, key, value, …]` JSON texts.
 */
export function rowsOf(
	encoder: KeyEncoder,
	docIdx: string,
	flat: readonly string[]
): DocumentRow[] {
	const keys: EncodedKey[] = [];
	for (let i = 0; i < flat.length; i += 2) keys.push(encoder.encodeOnce(flat[i]));
	const idxs = documentRowKeys(
		'',
		keys.map((key) => key.idx),
		docIdx,
		flat
	);
	return idxs.map((idx, r) => {
		const value = flat[2 * r + 1];
		return { idx, text: rowText(keys[r], value), key: keys[r], value };
	});
}

/**
 * Every document's back-index text, in document id order, from after `after` (every
 * document when undefined), `chunk` at a time.
 */
export async function* backIndexTexts(
	store: Level,
	id: number,
	options: { after?: string; snapshot?: unknown } = {}
): AsyncGenerator<[string, string][]> {
	const back = backPrefix(id);
	const range = spaceRange(back);
	const iterator = store.iterator({
		...(options.after === undefined ? { gte: range.gte } : { gt: keyBytes(back + options.after) }),
		lt: range.lt,
		keyEncoding: 'buffer',
		...(options.snapshot ? { snapshot: options.snapshot } : {})
	} as Parameters<Level['iterator']>[0]);
	try {
		for (;;) {
			const entries = await iterator.nextv(256);
			if (entries.length === 0) return;
			yield entries.map(([key, text]) => [
				keyText(key as unknown as Buffer).slice(back.length),
				text as string
			]);
		}
	} finally {
		await iterator.close();
	}
}

/**
 * Starts building the rows of the wanted views that keep none, and builds one chunk of
 * each view's rows under way; `meta` is updated once a write succeeded. Call only between
 * batches (it reads the back-index that batches write).
 * @returns Whether rows are left to build.
 */
export async function buildRows(
	store: Level,
	meta: IndexMeta,
	sandbox: MapSandbox,
	wanted: number[],
	chunk = BUILD_ROWS
): Promise<boolean> {
	let views = meta.views;
	for (const view of wanted) {
		if (views[view].rowsKept !== false) continue;
		views = views.map((v, i) => (i === view ? { ...v, rowsKept: '' } : v));
	}
	// The views under way from the same document are built in one scan of the
	// back-index, each document's text parsed once for all of them: a new index chooses
	// several views at once (chooseRows), and the text holds every view's rows.
	const under = new Map<string, number[]>();
	views.forEach((view, i) => {
		if (typeof view.rowsKept === 'string')
			under.set(view.rowsKept, [...(under.get(view.rowsKept) ?? []), i]);
	});
	let left = false;
	for (const [state, group] of under) {
		const done = await buildChunk(store, meta.id, sandbox, group, state, chunk);
		views = views.map((v, i) => (group.includes(i) ? { ...v, rowsKept: done.state } : v));
		await done.write({ ...meta, views });
		// Only once written: a batch keeps up to date exactly the rows the store has.
		meta.views = views;
		if (done.state !== true) left = true;
	}
	return left;
}

/**
 * Writes the rows of `views` of the documents after `after` ('' for none) from their
 * back-index, whole documents, until `limit` rows (of all those views) or documents
 * are written.
 */
async function buildChunk(
	store: Level,
	id: number,
	sandbox: MapSandbox,
	views: readonly number[],
	after: string,
	limit: number
): Promise<{ state: true | string; write: (next: IndexMeta) => Promise<void> }> {
	const spaces = new Map(views.map((view) => [view, viewPrefix(id, view) + ROWS]));
	const wanted = (view: number) => spaces.has(view);
	const batch = new RawBatch(store);
	let state: true | string = true;
	let rows = 0;
	let docs = 0;
	scan: for await (const texts of backIndexTexts(store, id, { after: after || undefined })) {
		const encoder = new KeyEncoder();
		const emitted = emittedOf(sandbox, texts, wanted);
		for (let i = 0; i < texts.length; i++) {
			const docId = texts[i][0];
			const docIdx = toIndexableString(docId);
			for (const [view, flat] of emitted[i]) {
				for (const row of rowsOf(encoder, docIdx, flat)) {
					batch.put(spaces.get(view)! + row.idx, row.text);
					rows++;
				}
			}
			if (rows >= limit || ++docs >= limit) {
				state = docId;
				break scan;
			}
		}
	}
	return { state, write: (next) => batch.write(metaKey(id), JSON.stringify(next)) };
}

/**
 * The views of a new index whose rows are cheap to keep ({@link CHEAP_ROWS_PER_DOC}):
 * the `_count` and `_sum` views keeping none yet, by their rows per document so far
 * (their row counts over the back-index's documents). Undefined while the index has
 * fewer than `sample` documents: until then a read from the back-index costs little, and
 * the choice waits for a fair sample. Call only between batches, and early: it counts
 * the back-index's keys.
 */
export async function chooseRows(
	store: Level,
	meta: IndexMeta,
	sample = CHOOSE_AFTER_DOCS
): Promise<number[] | undefined> {
	let docs = 0;
	for await (const _ of store.keys(spaceRange(backPrefix(meta.id)))) docs++;
	if (docs < sample) return undefined;
	return meta.views.flatMap((view, i) =>
		view.rowsKept === false && view.rows / docs <= CHEAP_ROWS_PER_DOC ? [i] : []
	);
}
