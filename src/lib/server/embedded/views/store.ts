/**
 * The view store: one leveldb (classic-level) holding every index, and the layout of its keys. See README.md for what each key
 * space holds.
 *
 * Keys are bytes (see collation.ts), values JSON text. Spaces are key prefixes:
 *
 * ```
 * M|index|<id>          index metadata, checkpoint included (IndexMeta)
 * M|next                next index id
 * i<id>/b|<docid>       back-index: what each document emitted, per view
 * i<id>/<v>/r|<row>     map rows of view v, by toIndexableString([key, docid]) (rows.ts)
 * i<id>/<v>/e<d>|<key>  one entry per distinct key of depth d (array length, 0 otherwise)
 * i<id>/<v>/p<L>|<pfx>  one entry per group_level=L group of keys longer than L
 * i<id>/<v>/d|<sub>     entries whose _stats minimum/maximum must be recomputed
 * i<id>/<v>/f<j>|<key>  fence interval of level j from a key's indexable string (fences.ts)
 * ```
 */
import { createRequire } from 'node:module';
import type { AbstractLevel, AbstractSnapshot } from 'abstract-level';
import { SURROGATE, keyBytes } from './collation';
import type { ReducerName } from './reducers';
import { TABLE_LIMIT } from '../tables';

const require = createRequire(import.meta.url);

/**
 * The store: JSON text values; keys are strings written as UTF-8 (the default
 * encoding), or bytes (`keyEncoding: 'buffer'`) for keys holding a surrogate and
 * wherever keys are read back (see collation.ts).
 */
export type Level = AbstractLevel<Buffer | Uint8Array | string, string, string>;

/** One view of an index. */
export interface ViewMeta {
	name: string;
	/** The map function's source. */
	map: string;
	reducer: ReducerName;
	/** Map rows stored (total_rows). */
	rows: number;
	/** Key depths that have entries (see the layout). */
	depths: number[];
	/** Longest array key seen: group_level entries may exist for levels 1 … maxDepth − 1. */
	maxDepth: number;
	/**
	 * The group levels whose `p<L>` entries are kept (levels.ts): `true` once built, or
	 * the last group built so far (a level being built). Absent in indexes made before
	 * levels were kept lazily: those keep every level.
	 */
	levels?: Record<string, LevelState>;
	/**
	 * The view's fences (fences.ts): `true` once built, or the key the build reached
	 * (keys below it are kept); absent until a read needs them.
	 */
	fences?: true | string;
	/**
	 * The view's map rows (`r|`, rows.ts): `true` once every row is stored, a document id
	 * while they are built (the rows of the documents up to it are stored), `false` while
	 * none are (a `_count` or `_sum` view no read has needed rows of). Absent in indexes
	 * made before rows were kept on demand: those keep every row.
	 */
	rowsKept?: boolean | string;
}

/** A kept group level: built, or built up to (and including) a group's indexable string. */
export type LevelState = true | string;

/** Whether a view's `p<level>` entries are complete, so reads can use them. */
export function levelKept(view: ViewMeta, level: number): boolean {
	return !view.levels || view.levels[level] === true;
}

/**
 * Whether a batch keeps the `p<level>` entry of group `prefix` (its indexable string)
 * up to date: in a kept level, or in a level being built up to that group.
 */
export function levelMaintained(view: ViewMeta, level: number, prefix: string): boolean {
	if (!view.levels) return true;
	const state = view.levels[level];
	return state === true || (typeof state === 'string' && prefix <= state);
}

/** An index: the views of one design document as of one signature. */
export interface IndexMeta {
	id: number;
	db: string;
	/** Design document id, `_design/…`. */
	ddoc: string;
	/** Hash of the design document's views and language (see signature.ts). */
	signature: string;
	/** Views, sorted by name; a view's number in the layout is its position here. */
	views: ViewMeta[];
	/** The design document's `options.include_design`: map design documents too. */
	includeDesign: boolean;
	/** Database update sequence the index reflects. */
	seq: number;
	/**
	 * Whether the index has chosen which `_count` and `_sum` views keep their rows anyway
	 * (rows.ts, chooseRows); absent until then.
	 */
	rowsChosen?: true;
	/**
	 * `rows`: every document's back-index holds its rows (back-index.ts), for an index
	 * built again after a map function proved not to be a pure function of the document.
	 * Absent: documents whose maps succeeded keep the document itself.
	 */
	backIndex?: 'rows';
	/** `building` until it first caught up with its database; `retired` while it is deleted. */
	state: 'building' | 'ready' | 'retired';
}

/**
 * Opens the store in a directory (created when missing).
 *
 * Memory mode uses this store too, in a temporary directory the engine deletes on
 * close: memory-level's immutable tree is an order of magnitude slower than leveldb at
 * a few hundred thousand entries, and one code path is the one the tests exercise.
 */
export async function openViewStore(dir: string): Promise<Level> {
	const { ClassicLevel } = require('classic-level');
	const db: Level = new ClassicLevel(dir, {
		keyEncoding: 'utf8',
		valueEncoding: 'utf8',
		// 8 MB each (leveldb's defaults are 4 MB and 8 MB): a 20k-record catch-up peaked at
		// 337 MB against 363 MB with 32 MB each, for the same CPU within the noise; a 100k one
		// with a 32 MB write buffer and 8 MB files used more CPU and peaked at 544 MB, and
		// 4 MB buffers, 8 MB files or 16 KB blocks did no better (MEASURED.md, sixth pass).
		writeBufferSize: 8 * 1024 * 1024,
		cacheSize: 8 * 1024 * 1024,
		// 64 tables open (mapped) at most instead of every table of the store (tables.ts).
		...TABLE_LIMIT
	});
	await db.open();
	return db;
}

interface NativeBatch {
	_put(key: string | Buffer, value: string): void;
	_del(key: string | Buffer): void;
	put(key: string, value: string): void;
	write(): Promise<void>;
}

/**
 * Puts and deletes gathered for one atomic write: a batch for the indexer's large
 * writes. abstract-level's public `put` copies each operation into a new object with its
 * encodings, which for tens of thousands of operations per batch is most of the garbage
 * the indexer makes; classic-level's own `_put`/`_del` (abstract-level's documented
 * interface for implementations) take the strings as they are. The closing public `put`
 * is what makes `write()` commit them. Keys holding a surrogate go as CESU-8 bytes (see
 * collation.ts). A class, not closures made per batch (see batch.ts).
 */
export class RawBatch {
	private readonly batch: NativeBatch;

	constructor(db: Level) {
		this.batch = db.batch() as unknown as NativeBatch;
	}

	/**
	 * @param surrogate Whether the key holds a surrogate, when the caller knows (testing
	 *   a long concatenated key flattens it, which is most of a row's cost).
	 */
	put(key: string, value: string, surrogate = SURROGATE.test(key)): void {
		this.batch._put(surrogate ? keyBytes(key) : key, value);
	}

	del(key: string, surrogate = SURROGATE.test(key)): void {
		this.batch._del(surrogate ? keyBytes(key) : key);
	}

	/** Writes everything at once, with this last put. */
	write(lastKey: string, lastValue: string): Promise<void> {
		this.batch.put(lastKey, lastValue);
		return this.batch.write();
	}
}

/**
 * The stored texts of many keys in one read, in their order (undefined where none).
 * Keys go as strings, which classic-level passes on as UTF-8 without a Buffer each; the
 * rare keys holding a surrogate go as CESU-8 bytes (see collation.ts) in a second read.
 * @param surrogate Per key, whether it holds a surrogate, when the caller knows.
 */
export async function getTexts(
	store: Level,
	keys: readonly string[],
	options: { snapshot?: AbstractSnapshot; surrogate?: readonly boolean[] } = {}
): Promise<(string | undefined)[]> {
	const { snapshot, surrogate } = options;
	const texts: (string | undefined)[] = new Array(keys.length);
	const plain: number[] = [];
	const plainKeys: string[] = [];
	const other: number[] = [];
	const otherKeys: Buffer[] = [];
	keys.forEach((key, i) => {
		if (surrogate ? surrogate[i] : SURROGATE.test(key)) {
			other.push(i);
			otherKeys.push(keyBytes(key));
		} else {
			plain.push(i);
			plainKeys.push(key);
		}
	});
	if (plainKeys.length) {
		const found = await store.getMany(plainKeys, { snapshot });
		plain.forEach((at, i) => (texts[at] = found[i]));
	}
	if (otherKeys.length) {
		const found = await store.getMany(otherKeys, { keyEncoding: 'buffer', snapshot });
		other.forEach((at, i) => (texts[at] = found[i]));
	}
	return texts;
}

/** Key of an index's metadata. */
export function metaKey(id: number): string {
	return `M|index|${id}`;
}

/** Range of every index's metadata. */
export const META_RANGE = { gte: 'M|index|', lt: 'M|index}' };

/** Key of the next index id. */
export const NEXT_ID_KEY = 'M|next';

/** Prefix of everything an index stores. */
export function indexRange(id: number): { gte: string; lt: string } {
	return { gte: `i${id}/`, lt: `i${id}0` };
}

/** Prefix of the back-index. */
export function backPrefix(id: number): string {
	return `i${id}/b|`;
}

/** Prefix of a view's keys. */
export function viewPrefix(id: number, view: number): string {
	return `i${id}/${view}/`;
}

/** A view's sub-space of map rows. */
export const ROWS = 'r|';

/** A view's sub-space of entries of exact keys of one depth. */
export function exactSub(depth: number): string {
	return `e${depth}|`;
}

/** A view's sub-space of group_level entries. */
export function prefixSub(level: number): string {
	return `p${level}|`;
}

/** A view's sub-space of dirty markers. */
export const DIRTY = 'd|';

/** The byte range of every key starting with `prefix` (a space ending in `|`). */
export function spaceRange(prefix: string): {
	gte: Buffer;
	lt: Buffer;
	keyEncoding: 'buffer';
} {
	return {
		gte: keyBytes(prefix),
		lt: keyBytes(prefix.slice(0, -1) + '}'),
		keyEncoding: 'buffer'
	};
}

/** Reads a key's text back (the inverse of keyBytes, CESU-8 included). */
export function keyText(bytes: Buffer): string {
	let surrogate = false;
	for (let i = 0; i + 1 < bytes.length; i++) {
		if (bytes[i] === 0xed && bytes[i + 1] >= 0xa0) {
			surrogate = true;
			break;
		}
	}
	if (!surrogate) return bytes.toString('utf8');
	let out = '';
	for (let i = 0; i < bytes.length;) {
		const b = bytes[i];
		if (b < 0x80) {
			out += String.fromCharCode(b);
			i += 1;
		} else if (b < 0xe0) {
			out += String.fromCharCode(((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f));
			i += 2;
		} else {
			out += String.fromCharCode(
				((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f)
			);
			i += 3;
		}
	}
	return out;
}
