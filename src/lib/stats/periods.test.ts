import { describe, expect, test } from 'vitest';
import {
	defaultInterval,
	periodIndex,
	periods,
	previousRange,
	rangeBounds,
	segmentsFor
} from './periods';

const iso = (ms: number) => new Date(ms).toISOString();

describe('periods', () => {
	test('a range in Paris spans local midnight to local midnight', () => {
		const { start, end } = rangeBounds({
			from: '2026-11-01',
			to: '2026-11-02',
			tz: 'Europe/Paris'
		});
		expect([iso(start), iso(end)]).toEqual([
			'2026-10-31T23:00:00.000Z',
			'2026-11-02T23:00:00.000Z'
		]);
	});

	test('days of a UTC range are read as one run of day buckets', () => {
		const list = periods({ from: '2026-11-01', to: '2026-11-30', tz: 'UTC' }, 'day');
		expect(list).toHaveLength(30);
		expect(segmentsFor(list)).toEqual([
			{ g: 'd', first: '2026-11-01', last: '2026-11-30', buckets: 30 }
		]);
	});

	test('days in a whole-hour zone are assembled from hour buckets', () => {
		const list = periods({ from: '2026-11-01', to: '2026-11-07', tz: 'America/New_York' }, 'day');
		expect(list.map((p) => p.label)).toEqual([
			'2026-11-01',
			'2026-11-02',
			'2026-11-03',
			'2026-11-04',
			'2026-11-05',
			'2026-11-06',
			'2026-11-07'
		]);
		// 1 November 2026 is the end of daylight saving time in New York: 25 hours.
		expect((list[0].end - list[0].start) / 3_600_000).toBe(25);
		expect(segmentsFor(list)).toEqual([
			{ g: 'h', first: '2026-11-01T04', last: '2026-11-08T04', buckets: 7 * 24 + 1 }
		]);
	});

	test('hours are labelled in local time', () => {
		const list = periods({ from: '2026-11-21', to: '2026-11-21', tz: 'Europe/Paris' }, 'hour');
		expect(list).toHaveLength(24);
		expect(list[0]).toEqual({
			label: '2026-11-21T00:00',
			start: Date.parse('2026-11-20T23:00:00Z'),
			end: Date.parse('2026-11-21T00:00:00Z')
		});
	});

	test('months start at the range start and end at the range end', () => {
		const list = periods({ from: '2026-01-15', to: '2026-03-10', tz: 'UTC' }, 'month');
		expect(list.map((p) => [p.label, iso(p.start), iso(p.end)])).toEqual([
			['2026-01', '2026-01-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
			['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
			['2026-03', '2026-03-01T00:00:00.000Z', '2026-03-11T00:00:00.000Z']
		]);
		expect(segmentsFor(list)).toEqual([
			{ g: 'd', first: '2026-01-15', last: '2026-01-31', buckets: 17 },
			{ g: 'm', first: '2026-02', last: '2026-02', buckets: 1 },
			{ g: 'd', first: '2026-03-01', last: '2026-03-10', buckets: 10 }
		]);
	});

	test('the previous period has the same number of days, just before', () => {
		expect(previousRange({ from: '2026-11-01', to: '2026-11-30', tz: 'UTC' })).toEqual({
			from: '2026-10-02',
			to: '2026-10-31',
			tz: 'UTC'
		});
	});

	test.each([
		['2026-11-21', '2026-11-22', 'hour'],
		['2026-11-01', '2026-11-30', 'day'],
		['2026-01-01', '2026-12-31', 'month']
	])('from %s to %s defaults to %s', (from, to, interval) => {
		expect(defaultInterval({ from, to, tz: 'UTC' })).toBe(interval);
	});

	test('finds the period holding an instant', () => {
		const list = periods({ from: '2026-11-01', to: '2026-11-03', tz: 'UTC' }, 'day');
		expect(periodIndex(list, Date.parse('2026-11-02T23:59:59Z'))).toBe(1);
		expect(periodIndex(list, Date.parse('2026-11-04T00:00:00Z'))).toBe(-1);
		expect(periodIndex(list, Date.parse('2026-10-31T23:00:00Z'))).toBe(-1);
	});
});
