/**
 * Keys in CouchDB view collation order, as PouchDB orders them: every stored key is
 * built from `pouchdb-collate`'s `toIndexableString`, whose strings sort (by UTF-16 code
 * unit) in the order `collate()` gives. An array's indexable string is `'5'`, then the
 * indexable string of each element, then `'\u0000'`; the engine relies on that to build
 * a row's `[key, docid]` and a key's group prefixes from per-element strings it encodes
 * once (collation.test.ts checks both against `toIndexableString` itself).
 *
 * leveldb compares bytes. UTF-8 bytes sort by code point, which differs from UTF-16
 * code-unit order only for characters outside the BMP against U+E000–U+FFFF, so keys
 * holding a surrogate are written as CESU-8 (each UTF-16 code unit on its own), whose
 * byte order is code-unit order.
 */
import { parseIndexableString, toIndexableString } from 'pouchdb-collate';

/** An emitted key, encoded once per batch. */
export interface EncodedKey {
	/** The key as JSON text (what rows and entries store and answer with). */
	json: string;
	/** The key itself. */
	value: unknown;
	/** `toIndexableString(key)`. */
	idx: string;
	/** Number of elements of an array key; 0 for any other key. */
	depth: number;
	/** `toIndexableString` of each element of an array key (empty otherwise). */
	elements: string[];
	/**
	 * Whether `parseIndexableString(idx)` gives the key back. Not always: pouchdb-collate
	 * encodes a negative number as `10 − mantissa` (-1.1 reads back as
	 * -1.0999999999999996), and some fractions round twice on the way back.
	 */
	readsBack: boolean;
}

/**
 * The indexable strings of an array key's groups: `toIndexableString(key.slice(0, L))`
 * for each group_level L from 1 to depth − 1.
 */
export function groupPrefixes(key: Pick<EncodedKey, 'elements'>): string[] {
	const prefixes: string[] = [];
	let open = '5';
	for (let level = 1; level < key.elements.length; level++) {
		open += key.elements[level - 1];
		prefixes.push(open + '\u0000');
	}
	return prefixes;
}

/**
 * The indexable string of a map row: `toIndexableString([key, docid])`, or
 * `[key, docid, dup]` for the second and later rows one document emits with one key.
 * @param keyRows `rowsOfKeyStart(key's idx)`, which callers keep per key.
 */
export function rowIdx(keyRows: string, docIdx: string, dup = 0): string {
	return keyRows + docIdx + (dup ? toIndexableString(dup) : '') + '\u0000';
}

/** A string below every row of the key (and above every row of smaller keys). */
export function rowsOfKeyStart(keyIdx: string): string {
	return '5' + keyIdx;
}

/** A string above every row of the key (and below every row of larger keys). */
export function rowsOfKeyEnd(keyIdx: string): string {
	// Rows continue with a docid, whose indexable string starts with '4'.
	return '5' + keyIdx + '5';
}

/** A string below every row of the key emitted by `docIdx`'s document. */
export function rowsOfDocStart(keyIdx: string, docIdx: string): string {
	return '5' + keyIdx + docIdx;
}

/** A string above every row of the key emitted by `docIdx`'s document. */
export function rowsOfDocEnd(keyIdx: string, docIdx: string): string {
	// Rows end with '\u0000', or with a duplicate counter (a number: '3…').
	return '5' + keyIdx + docIdx + '4';
}

/** The indexable strings of one group's members: keys longer than the group's prefix. */
export function groupMembers(prefix: string): { start: string; end: string } {
	// prefix = '5' + elements + '\u0000'; a member continues with one more element ('1'–'6').
	const open = prefix.slice(0, -1);
	return { start: open + '1', end: open + '7' };
}

/**
 * `parseIndexableString(idx)`: a key read back from its indexable string. Reads answer
 * with a key per entry, and pouchdb-collate builds each string a character at a time
 * (4–9 µs a key of five short strings, against 1–2 µs here), so the keys reads meet
 * most, arrays (nested or not) of strings, numbers, nulls and booleans, are read here
 * from the format above: `'1'` null, `'2'` then `'0'` or `'1'` a boolean, `'3'` then the
 * number's text ({@link readNumber}), `'4'` then the text a string, each ended by
 * `'\u0000'`; `'5'` an array, its elements' strings, then `'\u0000'`. Anything else (an
 * object, a string holding U+0001 or U+0002, which is how the format escapes
 * U+0000–U+0002) goes to pouchdb-collate. collation.test.ts checks both against each
 * other on random keys.
 */
export function parseKey(idx: string): unknown {
	return (idx[0] === '5' && plainArray(idx)) || parseIndexableString(idx);
}

/**
 * An array key of strings, numbers, nulls and booleans read from `idx`, or undefined for
 * any other.
 */
export function plainArray(idx: string): unknown[] | undefined {
	const root: unknown[] = [];
	const open = [root];
	let i = 1;
	while (i < idx.length) {
		const into = open[open.length - 1];
		const tag = idx[i++];
		if (tag === '\u0000') {
			open.pop();
			if (!open.length) return i === idx.length ? root : undefined;
		} else if (tag === '1' && idx[i] === '\u0000') {
			into.push(null);
			i++;
		} else if (tag === '2' && idx[i + 1] === '\u0000') {
			into.push(idx[i] === '1');
			i += 2;
		} else if (tag === '3') {
			const end = idx.indexOf('\u0000', i);
			if (end === -1) return undefined;
			const number = readNumber(idx, i, end);
			if (number === undefined) return undefined;
			into.push(number);
			i = end + 1;
		} else if (tag === '4') {
			const end = idx.indexOf('\u0000', i);
			if (end === -1) return undefined;
			const text = idx.slice(i, end);
			if (text.includes('\u0001') || text.includes('\u0002')) return undefined;
			into.push(text);
			i = end + 1;
		} else if (tag === '5') {
			const array: unknown[] = [];
			into.push(array);
			open.push(array);
		} else {
			return undefined;
		}
	}
	return undefined;
}

/** pouchdb-collate's number format: the exponent's digits, and what they are offset by. */
const MAGNITUDE_DIGITS = 3;
const MIN_MAGNITUDE = -324;

/**
 * The number whose text (after its `'3'`) is `idx` from `from` to `end`, computed as
 * pouchdb-collate's `parseNumber` computes it, so that it is the same number to the bit
 * (some do not read back as written: rows and entries keep those keys, see readsBack):
 * `'1'` zero; else `'2'` (positive) or `'0'` (negative, the factor stored as 10 minus
 * it), the exponent plus 324 in three digits, then the factor's digits.
 */
function readNumber(idx: string, from: number, end: number): number | undefined {
	const sign = idx[from];
	if (sign === '1') return end === from + 1 ? 0 : undefined;
	if (sign !== '0' && sign !== '2') return undefined;
	const neg = sign === '0';
	let magnitude = Number(idx.slice(from + 1, from + 1 + MAGNITUDE_DIGITS)) + MIN_MAGNITUDE;
	if (neg) magnitude = -magnitude;
	const digits = idx.slice(from + 1 + MAGNITUDE_DIGITS, end);
	let num = digits.includes('.') ? parseFloat(digits) : parseInt(digits, 10);
	if (neg) num = num - 10;
	if (magnitude !== 0) num = parseFloat(num + 'e' + magnitude);
	return num;
}

/** Matches a string holding a UTF-16 surrogate (such keys are stored as CESU-8). */
export const SURROGATE = /[\ud800-\udfff]/;

/** A store key's bytes, in UTF-16 code-unit order (see the module comment). */
export function keyBytes(text: string): Buffer {
	if (!SURROGATE.test(text)) return Buffer.from(text, 'utf8');
	const out: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c < 0x80) out.push(c);
		else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
		else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
	}
	return Buffer.from(out);
}

/** Whether a key holds a number that is not a natural number below 2^53. */
function hasFraction(value: unknown): boolean {
	if (typeof value === 'number') return !(Number.isSafeInteger(value) && value >= 0);
	if (value === null || typeof value !== 'object') return false;
	if (Array.isArray(value)) return value.some(hasFraction);
	for (const name in value) if (hasFraction((value as Record<string, unknown>)[name])) return true;
	return false;
}

/**
 * Encodes keys, remembering what it encoded; one per batch (or query), so memory stays
 * bounded. A batch's rows repeat few distinct keys and fewer distinct elements (site,
 * granularity, bucket), and `toIndexableString` is one of the indexer's costly steps.
 */
export class KeyEncoder {
	private keys = new Map<string, EncodedKey>();
	private strings = new Map<string, string>();

	/** Encodes a key given as JSON text. */
	encode(json: string): EncodedKey {
		let encoded = this.keys.get(json);
		if (encoded) return encoded;
		encoded = this.encodeOnce(json);
		this.keys.set(json, encoded);
		return encoded;
	}

	/**
	 * Encodes a key without remembering it (its elements' strings are remembered): for a
	 * caller that keeps its own map of the keys it saw, such as a batch, so the parsed key
	 * is garbage at once instead of living as long as the encoder.
	 */
	encodeOnce(json: string): EncodedKey {
		const key: unknown = JSON.parse(json);
		const elements = Array.isArray(key) ? key.map((element) => this.element(element)) : [];
		const idx = Array.isArray(key) ? '5' + elements.join('') + '\u0000' : toIndexableString(key);
		// Only keys holding a number other than a natural number can fail to read back.
		const readsBack = !hasFraction(key) || JSON.stringify(parseIndexableString(idx)) === json;
		const depth = Array.isArray(key) ? key.length : 0;
		return { json, value: key, idx, depth, elements, readsBack };
	}

	/** `toIndexableString` of a document id. */
	docId(id: string): string {
		return this.element(id);
	}

	private element(value: unknown): string {
		if (typeof value !== 'string') return toIndexableString(value);
		let idx = this.strings.get(value);
		if (idx === undefined) {
			idx = toIndexableString(value);
			this.strings.set(value, idx);
		}
		return idx;
	}
}
