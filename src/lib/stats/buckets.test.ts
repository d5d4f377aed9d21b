import { describe, expect, test } from 'vitest';
import { bucketEnd, bucketKey, bucketStart, cover, mergeSegments } from './buckets';

const at = (iso: string) => Date.parse(iso);

describe('buckets', () => {
	test.each([
		['h', '2026-11-21T14', '2026-11-21T14:00:00Z', '2026-11-21T15:00:00Z'],
		['d', '2026-11-21', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z'],
		['m', '2026-12', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z']
	] as const)('a %s bucket %s spans %s to %s', (g, key, start, end) => {
		expect(bucketStart(g, key)).toBe(at(start));
		expect(bucketEnd(g, key)).toBe(at(end));
		expect(bucketKey(g, at(start) + 1234)).toBe(key);
	});

	test('a UTC day is one day bucket', () => {
		expect(cover(at('2026-11-21T00:00:00Z'), at('2026-11-22T00:00:00Z'))).toEqual([
			{ g: 'd', first: '2026-11-21', last: '2026-11-21', buckets: 1 }
		]);
	});

	test('a day in UTC+01:00 is 1 + 23 hour buckets, as one run', () => {
		expect(cover(at('2026-11-20T23:00:00Z'), at('2026-11-21T23:00:00Z'))).toEqual([
			{ g: 'h', first: '2026-11-20T23', last: '2026-11-21T22', buckets: 24 }
		]);
	});

	test('a long range uses hours, days, months, days and hours', () => {
		expect(cover(at('2026-01-30T22:00:00Z'), at('2026-05-02T03:00:00Z'))).toEqual([
			{ g: 'h', first: '2026-01-30T22', last: '2026-01-30T23', buckets: 2 },
			{ g: 'd', first: '2026-01-31', last: '2026-01-31', buckets: 1 },
			{ g: 'm', first: '2026-02', last: '2026-04', buckets: 3 },
			{ g: 'd', first: '2026-05-01', last: '2026-05-01', buckets: 1 },
			{ g: 'h', first: '2026-05-02T00', last: '2026-05-02T02', buckets: 3 }
		]);
	});

	test('an empty range needs no bucket', () => {
		expect(cover(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual([]);
	});

	test('refuses a range that does not start on a whole hour', () => {
		expect(() => cover(at('2026-01-01T00:30:00Z'), at('2026-01-02T00:00:00Z'))).toThrow(RangeError);
	});

	test('merges adjacent runs of one granularity and keeps others apart', () => {
		expect(
			mergeSegments([
				{ g: 'd', first: '2026-11-01', last: '2026-11-01', buckets: 1 },
				{ g: 'd', first: '2026-11-02', last: '2026-11-03', buckets: 2 },
				{ g: 'h', first: '2026-11-04T00', last: '2026-11-04T05', buckets: 6 },
				{ g: 'd', first: '2026-11-06', last: '2026-11-06', buckets: 1 }
			])
		).toEqual([
			{ g: 'd', first: '2026-11-01', last: '2026-11-03', buckets: 3 },
			{ g: 'h', first: '2026-11-04T00', last: '2026-11-04T05', buckets: 6 },
			{ g: 'd', first: '2026-11-06', last: '2026-11-06', buckets: 1 }
		]);
	});
});
