import { describe, expect, test } from 'vitest';
import { seededRandom } from '../../../../../tests/support/synthetic';
import { addExact, exactValue, type ExactSum } from './exact-sum';
import { addValue, merge, reducedValue, settled, type Delta, type ReducerName } from './reducers';

function aggregateOf(reducer: ReducerName, values: unknown[]): Delta {
	const a: Delta = { c: 0 };
	for (const value of values) addValue(a, reducer, value, 1);
	return a;
}

describe('built-in reducers as stored aggregates', () => {
	test.each([
		['_count', [1, 'x', null], 3],
		['_sum', [1, 2, 3.5], 6.5],
		['_sum', [1, [1, 2], [0, 0, 3]], [2, 2, 3]],
		['_sum', [[]], [0]],
		['_sum', [[1, 2], 5], [6, 2]],
		['_stats', [3, -1, 10], { sum: 12, count: 3, min: -1, max: 10, sumsqr: 110 }]
	] as const)('%s of %j is %j, as CouchDB and PouchDB reduce', (reducer, values, expected) => {
		expect(reducedValue(reducer, aggregateOf(reducer, [...values]))).toEqual(expected);
	});

	test('removing rows gives what the remaining rows give, arrays shrinking back', () => {
		const a = aggregateOf('_sum', [1, [1, 2, 3], [4]]);
		addValue(a, '_sum', [1, 2, 3], -1);
		expect(reducedValue('_sum', a)).toEqual([5]);
		addValue(a, '_sum', [4], -1);
		expect(reducedValue('_sum', a)).toEqual(1);
	});

	test('a settled histogram of array lengths drops zero counts and orders lengths', () => {
		const a = aggregateOf('_sum', [[1, 2, 3], [4], [5, 6]]);
		expect(settled(a).h).toEqual([1, 1, 2, 1, 3, 1]);
		addValue(a, '_sum', [4], -1);
		expect(settled(a).h).toEqual([2, 1, 3, 1]);
		addValue(a, '_sum', [5, 6], -1);
		addValue(a, '_sum', [1, 2, 3], -1);
		expect(settled(a).h).toBeUndefined();
		expect(settled({ c: 3, s: [1], a: 3, h: [2, 1, 1, 2] }).h).toEqual([1, 2, 2, 1]);
		expect(settled({ c: 2, s: [1], a: 2, h: [1, 1, 1, 1] }).h).toEqual([1, 1, 1, 1]);
	});

	test('a value the reducer refuses gives CouchDB 3’s error object until it is removed', () => {
		const a = aggregateOf('_sum', [1, 'two']);
		expect(reducedValue('_sum', a)).toMatchObject({
			error: 'builtin_reduce_error',
			caused_by: 'two'
		});
		addValue(a, '_sum', 'two', -1);
		expect(reducedValue('_sum', settled(a))).toBe(1);
		expect(reducedValue('_stats', aggregateOf('_stats', [[1, 2]]))).toMatchObject({
			error: 'builtin_reduce_error'
		});
	});

	test('removing a _stats extreme marks the entry dirty; other removals do not', () => {
		const stored = settled(aggregateOf('_stats', [1, 5, 9]));
		const middle: Delta = { c: 0 };
		addValue(middle, '_stats', 5, -1);
		const kept = { ...stored };
		merge(kept, middle);
		expect(kept.d).toBeUndefined();
		const extreme: Delta = { c: 0 };
		addValue(extreme, '_stats', 9, -1);
		const dirty = { ...stored };
		merge(dirty, extreme);
		expect(dirty.d).toBe(1);
	});
});

describe('exact sums', () => {
	test('adding then removing a large value restores the small ones exactly', () => {
		let sum: ExactSum = 0;
		for (const v of [198.25, 1e21, 0.1, -1e21]) sum = addExact(sum, v);
		expect(exactValue(sum)).toBe(198.35);
	});

	test('any sequence of additions and removals ends at the exact sum of what remains', () => {
		const random = seededRandom(3);
		const pool = [0.1, 0.2, 1e-9, 1e21, -3.75, 123456789.123, 2 ** 53, 7, 1e-30];
		for (let run = 0; run < 200; run++) {
			let sum: ExactSum = 0;
			const kept: number[] = [];
			for (let i = 0; i < 30; i++) {
				const v = pool[Math.floor(random() * pool.length)];
				sum = addExact(sum, v);
				if (random() < 0.5) kept.push(v);
				else sum = addExact(sum, -v);
			}
			const expected = kept.map(BigIntFraction).reduce(addFractions, [0n, 1n]);
			expect(exactValue(sum)).toBe(toNumber(expected));
		}
	});
});

type Fraction = [bigint, bigint];

/** A double as an exact fraction (for the reference sum). */
function BigIntFraction(v: number): Fraction {
	let [num, den] = [v, 1n];
	while (!Number.isInteger(num)) {
		num *= 2;
		den *= 2n;
	}
	return [BigInt(num), den];
}

/** Adds fractions whose denominators are powers of two. */
function addFractions([a, b]: Fraction, [c, d]: Fraction): Fraction {
	return b >= d ? [a + c * (b / d), b] : [a * (d / b) + c, d];
}

/** The double nearest the fraction: one rounding (of the numerator), then an exact division. */
function toNumber([num, den]: Fraction): number {
	return Number(num) / Number(den);
}
