/**
 * CouchDB's built-in reducers as stored, subtractable aggregates.
 *
 * An {@link Aggregate} is what one stored entry knows about the rows under it: enough
 * to add or remove a row without reading the others, and to answer the reducer's
 * value. Every view keeps row counts (map-only views too: `total_rows`, `offset`).
 *
 * - `_count`: the number of rows.
 * - `_sum`: numbers and arrays of numbers, as CouchDB and PouchDB sum them: a number
 *   adds to an array's first element, arrays add element-wise and the answer is as long
 *   as the longest array (at least 1). Element sums and a histogram of array lengths
 *   make that subtractable.
 * - `_stats`: numbers: `{sum, count, min, max, sumsqr}`. A minimum or maximum cannot be
 *   subtracted: removing a row whose value equals one marks the entry `d` (dirty) and
 *   its extremes are recomputed from the level below (see README.md).
 *
 * A value the reducer does not accept (a string for `_sum`, an array for `_stats`, …)
 * is counted in `x`; any answer covering it is CouchDB 3's error object
 * `{error: "builtin_reduce_error", reason, caused_by}` instead of a number.
 */

import { addExact, addExactSums, exactValue, type ExactSum } from './exact-sum';

/** The reducers the engine stores; null for a map-only view. */
export type ReducerName = '_count' | '_sum' | '_stats' | null;

/** The built-in reducer a view's `reduce` names, null when absent, undefined when unsupported. */
export function reducerOf(reduce: unknown): ReducerName | undefined {
	if (reduce === undefined || reduce === null) return null;
	if (typeof reduce !== 'string') return undefined;
	const name = reduce.trim();
	return name === '_count' || name === '_sum' || name === '_stats' ? name : undefined;
}

/** The stored summary of a set of rows. */
export interface Aggregate {
	/** Rows. */
	c: number;
	/** `_sum`: element sums (a number row adds to element 0), exact (exact-sum.ts). */
	s?: ExactSum[];
	/** `_sum`: rows whose value is an array. */
	a?: number;
	/** `_sum`: rows per array length, as `[length, rows, length, rows, …]`. */
	h?: number[];
	/** `_stats`: sum and sum of squares (exact), minimum, maximum. */
	t?: ExactSum;
	q?: ExactSum;
	lo?: number;
	hi?: number;
	/** `_stats`: a removed row held the minimum or maximum; `lo`/`hi` must be recomputed. */
	d?: 1;
	/** Rows whose value the reducer refuses, and one such value. */
	x?: number;
	e?: unknown;
}

/** A batch's change to one entry: an aggregate whose counts may be negative. */
export interface Delta extends Aggregate {
	/** `_stats`: the smallest and largest removed value. */
	rlo?: number;
	rhi?: number;
}

/**
 * Adds (`sign` 1) or removes (`sign` -1) one row's value.
 * @param value The row's value, parsed.
 */
export function addValue(target: Delta, reducer: ReducerName, value: unknown, sign: 1 | -1): void {
	target.c += sign;
	if (reducer === '_sum') addSum(target, value, sign);
	else if (reducer === '_stats') addStats(target, value, sign);
}

function refuse(target: Delta, value: unknown, sign: 1 | -1) {
	target.x = (target.x ?? 0) + sign;
	if (sign > 0 && target.e === undefined) target.e = value;
}

function addSum(target: Delta, value: unknown, sign: 1 | -1) {
	if (typeof value === 'number') {
		const s = (target.s ??= [0]);
		s[0] = addExact(s[0], sign * value);
		return;
	}
	if (!numbers(value)) {
		refuse(target, value, sign);
		return;
	}
	const s = (target.s ??= [0]);
	for (let i = 0; i < value.length; i++) s[i] = addExact(s[i] ?? 0, sign * (value[i] as number));
	target.a = (target.a ?? 0) + sign;
	countLength((target.h ??= []), value.length, sign);
}

/** Whether a value is an array of numbers (a loop: a callback was made per row). */
function numbers(value: unknown): value is number[] {
	if (!Array.isArray(value)) return false;
	for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number') return false;
	return true;
}

/** Adds `rows` to a length's count in a `[length, rows, …]` histogram (zeros stay until settled). */
function countLength(h: number[], length: number, rows: number) {
	for (let i = 0; i < h.length; i += 2) {
		if (h[i] === length) {
			h[i + 1] += rows;
			return;
		}
	}
	h.push(length, rows);
}

function addStats(target: Delta, value: unknown, sign: 1 | -1) {
	if (typeof value !== 'number') {
		refuse(target, value, sign);
		return;
	}
	target.t = addExact(target.t ?? 0, sign * value);
	target.q = addExact(target.q ?? 0, sign * value * value);
	if (sign > 0) {
		target.lo = target.lo === undefined ? value : Math.min(target.lo, value);
		target.hi = target.hi === undefined ? value : Math.max(target.hi, value);
	} else {
		target.rlo = target.rlo === undefined ? value : Math.min(target.rlo, value);
		target.rhi = target.rhi === undefined ? value : Math.max(target.rhi, value);
	}
}

/**
 * Adds aggregate or delta `b` into `a`. Applying a delta to a stored aggregate
 * (`applying`, the default), the delta's removed extremes make `a` dirty when they
 * reach `a`'s minimum or maximum; combining two deltas keeps both sides' extremes.
 */
export function merge(a: Delta, b: Delta, applying = true): void {
	a.c += b.c;
	if (b.s) {
		const s = (a.s ??= [0]);
		for (let i = 0; i < b.s.length; i++) s[i] = addExactSums(s[i] ?? 0, b.s[i]);
	}
	if (b.a) a.a = (a.a ?? 0) + b.a;
	if (b.h) {
		const h = (a.h ??= []);
		for (let i = 0; i < b.h.length; i += 2) countLength(h, b.h[i], b.h[i + 1]);
	}
	if (b.x) {
		a.x = (a.x ?? 0) + b.x;
		if (a.e === undefined && b.e !== undefined) a.e = b.e;
	}
	if (b.t !== undefined || b.q !== undefined) {
		a.t = addExactSums(a.t ?? 0, b.t ?? 0);
		a.q = addExactSums(a.q ?? 0, b.q ?? 0);
	}
	if (
		applying &&
		((b.rlo !== undefined && a.lo !== undefined && b.rlo <= a.lo) ||
			(b.rhi !== undefined && a.hi !== undefined && b.rhi >= a.hi))
	) {
		a.d = 1;
	}
	if (b.rlo !== undefined) a.rlo = a.rlo === undefined ? b.rlo : Math.min(a.rlo, b.rlo);
	if (b.rhi !== undefined) a.rhi = a.rhi === undefined ? b.rhi : Math.max(a.rhi, b.rhi);
	if (b.lo !== undefined) a.lo = a.lo === undefined ? b.lo : Math.min(a.lo, b.lo);
	if (b.hi !== undefined) a.hi = a.hi === undefined ? b.hi : Math.max(a.hi, b.hi);
	if (b.d) a.d = 1;
}

/** An aggregate ready to store: removal bookkeeping dropped, zeros tidied. */
export function settled(a: Delta): Aggregate {
	const out: Aggregate = { c: a.c };
	if (a.s) out.s = a.s;
	if (a.a) out.a = a.a;
	if (a.h && canonical(a.h)) out.h = a.h;
	else if (a.h) {
		// Canonical: zero counts dropped, lengths in order.
		const pairs: [number, number][] = [];
		for (let i = 0; i < a.h.length; i += 2) if (a.h[i + 1] !== 0) pairs.push([a.h[i], a.h[i + 1]]);
		if (pairs.length) out.h = pairs.sort((x, y) => x[0] - y[0]).flat();
	}
	if (a.t !== undefined) {
		out.t = a.t;
		out.q = a.q ?? 0;
		out.lo = a.lo;
		out.hi = a.hi;
	}
	if (a.d) out.d = 1;
	if (a.x) {
		out.x = a.x;
		out.e = a.e;
	}
	return out;
}

/** Whether a `[length, rows, …]` histogram has no zero count and its lengths in order. */
function canonical(h: number[]): boolean {
	for (let i = 0; i < h.length; i += 2) {
		if (h[i + 1] === 0 || (i > 0 && h[i] <= h[i - 2])) return false;
	}
	return h.length > 0;
}

/** The reducer's answer for the rows of an aggregate (CouchDB's JSON). */
export function reducedValue(reducer: Exclude<ReducerName, null>, a: Aggregate): unknown {
	if (reducer === '_count') return a.c;
	if (a.x) {
		return {
			error: 'builtin_reduce_error',
			reason:
				reducer === '_sum'
					? 'The _sum function requires that map values be numbers or arrays of numbers.'
					: 'The _stats function requires that map values be numbers.',
			caused_by: a.e ?? null
		};
	}
	if (reducer === '_stats') {
		return {
			sum: exactValue(a.t),
			count: a.c,
			min: a.lo ?? 0,
			max: a.hi ?? 0,
			sumsqr: exactValue(a.q)
		};
	}
	const s = (a.s ?? [0]).map(exactValue);
	if (!a.a) return s[0];
	let longest = 1;
	const h = a.h ?? [];
	for (let i = 0; i < h.length; i += 2) if (h[i + 1] !== 0) longest = Math.max(longest, h[i]);
	const out = s.slice(0, longest);
	while (out.length < longest) out.push(0);
	return out;
}
