/**
 * Key ranges of a view query, in the space of map rows' indexable strings
 * (`toIndexableString([key, docid])`, see collation.ts).
 *
 * A {@link Range} keeps rows `r` with `lo.row <= r < hi.row`. Each bound also carries
 * where to start or stop walking a space of entries keyed by a key's indexable string
 * (`key`, inclusive), and the bound key's elements when it is an array, so a walk of
 * group_level entries can start at the group the bound falls in.
 */
import {
	groupMembers,
	rowsOfDocEnd,
	rowsOfDocStart,
	rowsOfKeyEnd,
	rowsOfKeyStart,
	type EncodedKey,
	type KeyEncoder
} from './collation';
import type { KeyBound } from './params';

/** One end of a range. */
export interface Bound {
	/** Row bound: inclusive for `lo`, exclusive for `hi`. */
	row: string;
	/** Where a walk of an entry space starts (`lo`) or stops (`hi`), inclusive. */
	key: string;
	/** The bound key's elements, when it is an array key. */
	elements?: string[];
}

/** Rows `lo.row <= r < hi.row`; a missing bound is open. */
export interface Range {
	lo?: Bound;
	hi?: Bound;
}

/** How a set of rows (an entry's, from `r0` to `r1`) relates to a range. */
export type Overlap = 'none' | 'full' | 'partial';

/** Whether rows in `[r0, r1)` are all, some or none in the range. */
export function overlap(range: Range, r0: string, r1: string): Overlap {
	if ((range.lo && r1 <= range.lo.row) || (range.hi && r0 >= range.hi.row)) return 'none';
	if ((!range.lo || range.lo.row <= r0) && (!range.hi || r1 <= range.hi.row)) return 'full';
	return 'partial';
}

/** The rows of an exact key's entry. */
export function exactRows(idx: string): [string, string] {
	return [rowsOfKeyStart(idx), rowsOfKeyEnd(idx)];
}

/** The rows of a group_level group's entry (its members'). */
export function groupRows(prefix: string): [string, string] {
	const { start, end } = groupMembers(prefix);
	return ['5' + start, '5' + end];
}

/** The part of a range inside a group (for walking the level below it). */
export function withinGroup(range: Range, prefix: string): Range {
	const { start, end } = groupMembers(prefix);
	const [r0, r1] = ['5' + start, '5' + end];
	return {
		lo: range.lo && range.lo.row > r0 ? range.lo : { row: r0, key: start },
		hi: range.hi && range.hi.row < r1 ? range.hi : { row: r1, key: end }
	};
}

/** Where a walk of group_level `level` entries starts for a range's lower bound. */
export function groupWalkStart(bound: Bound, level: number): string {
	if (bound.elements && bound.elements.length > level) {
		return '5' + bound.elements.slice(0, level).join('') + '\u0000';
	}
	return bound.key;
}

/** The range of one key's rows. */
export function keyRange(key: EncodedKey): Range {
	return {
		lo: { row: rowsOfKeyStart(key.idx), key: key.idx, elements: key.elements },
		hi: { row: rowsOfKeyEnd(key.idx), key: key.idx, elements: key.elements }
	};
}

/**
 * The range of a query's `startkey`/`endkey` (with their docids), `inclusive_end` and
 * direction, as CouchDB reads them: in descending order the start key is the upper
 * end. Open where a key is not given.
 */
export function queryRange(
	encoder: KeyEncoder,
	start: KeyBound | undefined,
	end: KeyBound | undefined,
	inclusiveEnd: boolean,
	descending: boolean
): Range {
	const range: Range = {};
	if (start) {
		const key = encoder.encode(JSON.stringify(start.key ?? null));
		const doc = start.docid === undefined ? undefined : encoder.docId(start.docid);
		if (!descending) {
			range.lo = bound(key, doc ? rowsOfDocStart(key.idx, doc) : rowsOfKeyStart(key.idx));
		} else {
			range.hi = bound(key, doc ? rowsOfDocEnd(key.idx, doc) : rowsOfKeyEnd(key.idx));
		}
	}
	if (end) {
		const key = encoder.encode(JSON.stringify(end.key ?? null));
		const doc = end.docid === undefined ? undefined : encoder.docId(end.docid);
		// Ascending, an inclusive end takes the key's rows (up to the docid); descending,
		// an exclusive end leaves them out.
		const after = inclusiveEnd !== descending;
		const row = doc
			? after
				? rowsOfDocEnd(key.idx, doc)
				: rowsOfDocStart(key.idx, doc)
			: after
				? rowsOfKeyEnd(key.idx)
				: rowsOfKeyStart(key.idx);
		if (!descending) range.hi = bound(key, row);
		else range.lo = bound(key, row);
	}
	return range;
}

function bound(key: EncodedKey, row: string): Bound {
	return { row, key: key.idx, elements: key.elements };
}
