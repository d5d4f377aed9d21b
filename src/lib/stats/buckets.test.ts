import { describe, expect, test } from 'vitest';
import {
	bucketEnd,
	bucketKey,
	bucketStart,
	cover,
	granularitiesOf,
	GRANULARITIES,
	mergeSegments,
	segmentKeys,
	type Segment
} from './buckets';
import { periods, rangeBounds, segmentsFor } from './periods';
import { addDays } from './time-zone';

const at = (iso: string) => Date.parse(iso);

describe('buckets', () => {
	test.each([
		['q', '2026-11-21T14:45', '2026-11-21T14:45:00Z', '2026-11-21T15:00:00Z'],
		['q', '1969-12-31T23:45', '1969-12-31T23:45:00Z', '1970-01-01T00:00:00Z'],
		['h', '2026-11-21T14', '2026-11-21T14:00:00Z', '2026-11-21T15:00:00Z'],
		['d', '2026-11-21', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z'],
		['w', '2026-11-16', '2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z'],
		['w', '1969-12-29', '1969-12-29T00:00:00Z', '1970-01-05T00:00:00Z'],
		['w', '2026-12-28', '2026-12-28T00:00:00Z', '2027-01-04T00:00:00Z'],
		['m', '2026-12', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
		['y', '2026', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
		['y', '0099', '0099-01-01T00:00:00Z', '0100-01-01T00:00:00Z']
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

	test("a week's key is its Monday, whichever day holds the instant", () => {
		for (const day of ['16', '18', '22']) {
			expect(bucketKey('w', at(`2026-11-${day}T23:59:59.999Z`))).toBe('2026-11-16');
		}
		expect(bucketKey('w', at('1970-01-01T00:00:00Z'))).toBe('1969-12-29');
		expect(bucketKey('w', at('1969-12-31T12:00:00Z'))).toBe('1969-12-29');
	});

	test('views of many keys a bucket emit weeks and years, the others not', () => {
		expect(granularitiesOf('journeys')).toEqual(['q', 'h', 'd', 'w', 'm', 'y']);
		expect(granularitiesOf('pages')).toEqual(['q', 'h', 'd', 'w', 'm', 'y']);
		expect(granularitiesOf('metrics')).toBe(GRANULARITIES);
		expect(GRANULARITIES).toEqual(['q', 'h', 'd', 'm']);
	});

	test('with years, 8 years of history and a part year are 38 buckets instead of 133', () => {
		const [start, end] = [at('2018-03-01T00:00:00Z'), at('2026-10-31T00:00:00Z')];
		expect(cover(start, end)).toEqual([
			{ g: 'm', first: '2018-03', last: '2026-09', buckets: 103 },
			{ g: 'd', first: '2026-10-01', last: '2026-10-30', buckets: 30 }
		]);
		expect(cover(start, end, granularitiesOf('pages'))).toEqual([
			{ g: 'm', first: '2018-03', last: '2018-12', buckets: 10 },
			{ g: 'y', first: '2019', last: '2025', buckets: 7 },
			{ g: 'm', first: '2026-01', last: '2026-09', buckets: 9 },
			{ g: 'd', first: '2026-10-01', last: '2026-10-04', buckets: 4 },
			{ g: 'w', first: '2026-10-05', last: '2026-10-19', buckets: 3 },
			{ g: 'd', first: '2026-10-26', last: '2026-10-30', buckets: 5 }
		]);
	});

	test('a year is taken only whole, and a range in a zone off UTC keeps its ends', () => {
		const pages = granularitiesOf('pages');
		// 2025 in Asia/Kolkata (+05:30): it starts and ends at 18:30 UTC.
		const [start, end] = [at('2024-12-31T18:30:00Z'), at('2025-12-31T18:30:00Z')];
		const segments = cover(start, end, pages);
		expect(segments.some((s) => s.g === 'y')).toBe(false);
		expectExactCover(segments, start, end);
		// Two whole UTC years and a day either side.
		expect(cover(at('2023-12-31T00:00:00Z'), at('2026-01-02T00:00:00Z'), pages)).toEqual([
			{ g: 'd', first: '2023-12-31', last: '2023-12-31', buckets: 1 },
			{ g: 'y', first: '2024', last: '2025', buckets: 2 },
			{ g: 'd', first: '2026-01-01', last: '2026-01-01', buckets: 1 }
		]);
	});

	test('with weeks, 30 days that are not a month are 12 buckets instead of 30', () => {
		const [start, end] = [at('2026-10-01T00:00:00Z'), at('2026-10-31T00:00:00Z')];
		expect(cover(start, end)).toEqual([
			{ g: 'd', first: '2026-10-01', last: '2026-10-30', buckets: 30 }
		]);
		expect(cover(start, end, granularitiesOf('journeys'))).toEqual([
			{ g: 'd', first: '2026-10-01', last: '2026-10-04', buckets: 4 },
			{ g: 'w', first: '2026-10-05', last: '2026-10-19', buckets: 3 },
			{ g: 'd', first: '2026-10-26', last: '2026-10-30', buckets: 5 }
		]);
	});

	test('a week never takes the start of a month the range holds whole', () => {
		// Monday 2026-09-28: its week would reach into October, which the range holds.
		const journeys = granularitiesOf('journeys');
		expect(cover(at('2026-09-28T00:00:00Z'), at('2026-11-03T00:00:00Z'), journeys)).toEqual([
			{ g: 'd', first: '2026-09-28', last: '2026-09-30', buckets: 3 },
			{ g: 'm', first: '2026-10', last: '2026-10', buckets: 1 },
			{ g: 'd', first: '2026-11-01', last: '2026-11-02', buckets: 2 }
		]);
		// Without October whole, the same week is taken.
		expect(cover(at('2026-09-28T00:00:00Z'), at('2026-10-20T00:00:00Z'), journeys)).toEqual([
			{ g: 'w', first: '2026-09-28', last: '2026-10-12', buckets: 3 },
			{ g: 'd', first: '2026-10-19', last: '2026-10-19', buckets: 1 }
		]);
	});

	test('with weeks and years every range is still covered exactly, by no more buckets', () => {
		const journeys = granularitiesOf('journeys');
		let seed = 7;
		const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
		for (let i = 0; i < 1000; i++) {
			const start = at('2022-12-01T00:00:00Z') + Math.floor(random() * 1200 * 96) * 900_000;
			// Half the ranges up to 120 days, half up to 4 years.
			const days = i % 2 ? 120 : 1500;
			const end = start + Math.floor(random() * days * 96) * 900_000;
			const weekly = cover(start, end, journeys);
			if (end > start) expectExactCover(weekly, start, end);
			expect(bucketsOf(weekly)).toBeLessThanOrEqual(bucketsOf(cover(start, end)));
		}
	});

	test('an empty range needs no bucket', () => {
		expect(cover(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual([]);
	});

	test('refuses a range that does not start on a quarter hour', () => {
		expect(() => cover(at('2026-01-01T00:10:00Z'), at('2026-01-02T00:00:00Z'))).toThrow(RangeError);
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

/** Every bucket of a cover as [start, end) instants, in order. */
function spans(segments: Segment[]): [number, number][] {
	return segments.flatMap((s) =>
		segmentKeys(s).map((key): [number, number] => [bucketStart(s.g, key), bucketEnd(s.g, key)])
	);
}

/** Asserts the buckets tile `[start, end)` exactly: contiguous, no gap, no overlap. */
function expectExactCover(segments: Segment[], start: number, end: number) {
	const list = spans(segments);
	expect(list[0][0]).toBe(start);
	expect(list.at(-1)![1]).toBe(end);
	for (let i = 1; i < list.length; i++) expect(list[i][0]).toBe(list[i - 1][1]);
}

const bucketsOf = (segments: Segment[], g?: string) =>
	segments.filter((s) => !g || s.g === g).reduce((n, s) => n + s.buckets, 0);

describe('covers in half- and quarter-hour zones', () => {
	test.each([
		[
			'Asia/Kolkata (+05:30) is 2 + 2',
			'Asia/Kolkata',
			['2026-11-20T18:30', '2026-11-20T18:45', 2],
			['2026-11-21T18:00', '2026-11-21T18:15', 2]
		],
		[
			'Asia/Kathmandu (+05:45) is 3 + 1',
			'Asia/Kathmandu',
			['2026-11-20T18:15', '2026-11-20T18:45', 3],
			['2026-11-21T18:00', '2026-11-21T18:00', 1]
		]
	] as const)('a day in %s quarter hours around 23 hours', (_, tz, head, tail) => {
		const { start, end } = rangeBounds({ from: '2026-11-21', to: '2026-11-21', tz });
		expect(cover(start, end)).toEqual([
			{ g: 'q', first: head[0], last: head[1], buckets: head[2] },
			{ g: 'h', first: '2026-11-20T19', last: '2026-11-21T17', buckets: 23 },
			{ g: 'q', first: tail[0], last: tail[1], buckets: tail[2] }
		]);
	});

	test.each([
		// Adelaide springs from +09:30 to +10:30 on 2026-10-04 (a 23-hour day) and falls
		// back on 2026-04-05 (25 hours); St John's moves −03:30 → −02:30 on 2026-03-08
		// and back on 2026-11-01.
		['Australia/Adelaide', '2026-10-04', 23],
		['Australia/Adelaide', '2026-04-05', 25],
		['America/St_Johns', '2026-03-08', 23],
		['America/St_Johns', '2026-11-01', 25]
	])('a daylight-saving day in %s (%s, %i hours) is covered exactly', (tz, date, hours) => {
		const { start, end } = rangeBounds({ from: date, to: date, tz });
		expect((end - start) / 3_600_000).toBe(hours);
		const segments = cover(start, end);
		expectExactCover(segments, start, end);
		// Half-hour offsets both sides: 2 quarter hours at each end, whole hours between.
		expect(bucketsOf(segments, 'q')).toBe(4);
		expect(bucketsOf(segments, 'h')).toBe(hours - 1);
	});

	test.each(['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns'])(
		'in %s a year costs months, days and hours, and at most 6 quarter hours',
		(tz) => {
			const range = { from: '2026-01-01', to: '2026-12-31', tz };
			const { start, end } = rangeBounds(range);
			const segments = cover(start, end);
			expectExactCover(segments, start, end);
			expect(bucketsOf(segments, 'q')).toBeLessThanOrEqual(6);
			// 11 months, ≤ 31 + 30 days, ≤ 2 × 23 hours, ≤ 6 quarter hours: O(buckets), not O(time).
			expect(bucketsOf(segments)).toBeLessThanOrEqual(11 + 61 + 46 + 6);
		}
	);

	test.each([
		['Asia/Kolkata', 'hour'],
		['Asia/Kathmandu', 'hour'],
		['Australia/Adelaide', 'day'],
		['America/St_Johns', 'day'],
		['Asia/Kolkata', 'month']
	] as const)('in %s each %s period is covered exactly, with few quarter hours', (tz, interval) => {
		const days = interval === 'hour' ? 2 : interval === 'day' ? 92 : 366;
		const range = { from: '2026-01-01', to: addDays('2026-01-01', days - 1), tz };
		const list = periods(range, interval);
		let quarters = 0;
		for (const period of list) {
			const segments = cover(period.start, period.end);
			expectExactCover(segments, period.start, period.end);
			quarters += bucketsOf(segments, 'q');
			// Each period's cover: at most 3 quarter hours at each end.
			expect(bucketsOf(segments, 'q')).toBeLessThanOrEqual(6);
		}
		expect(quarters).toBeLessThanOrEqual(6 * list.length);
		// The union is read as runs; consecutive periods tile the range with no overlap.
		const { start, end } = rangeBounds(range);
		expectExactCover(segmentsFor(list), start, end);
	});

	test('a whole-hour zone never uses a quarter hour', () => {
		for (const tz of ['UTC', 'Europe/Paris', 'America/New_York', 'Pacific/Kiritimati']) {
			const range = { from: '2026-01-01', to: '2026-03-31', tz };
			for (const interval of ['hour', 'day', 'month'] as const) {
				const list = periods(
					interval === 'hour' ? { ...range, to: '2026-01-02' } : range,
					interval
				);
				expect(
					segmentsFor(list).some((s) => s.g === 'q'),
					`${tz} ${interval}`
				).toBe(false);
			}
		}
	});
});
