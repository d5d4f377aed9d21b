import { describe, expect, test } from 'vitest';
import type { TimeseriesPoint } from '$lib/stats/response';
import { chartData, timeLabels, timeSplits, timeSteps } from './chart-data';

const point = (start: string, visitors: number | null, pageviews: number) =>
	({ period: start.slice(0, 13), start, visitors, pageviews }) as TimeseriesPoint;

describe('chartData', () => {
	const points = [
		point('2026-12-04T12:00:00.000Z', 2, 5),
		point('2026-12-04T13:00:00.000Z', 0, 0),
		point('2026-12-04T14:00:00.000Z', 0, 0)
	];

	test('the periods begun by now have their numbers, zeros included; later ones none', () => {
		const now = Date.parse('2026-12-04T13:20:00.000Z');
		expect(chartData(points, true, now)).toEqual([
			[
				Date.parse('2026-12-04T12:00:00.000Z') / 1000,
				Date.parse('2026-12-04T13:00:00.000Z') / 1000,
				Date.parse('2026-12-04T14:00:00.000Z') / 1000
			],
			[2, 0, null],
			[5, 0, null]
		]);
	});

	test("months are placed at their months' starts, the first one too when the range begins later in it", () => {
		const months = [
			{ period: '2025-10', start: '2025-10-11T00:00:00.000Z', visitors: 1, pageviews: 2 },
			{ period: '2025-11', start: '2025-10-31T23:00:00.000Z', visitors: 3, pageviews: 4 }
		] as TimeseriesPoint[];
		const [x] = chartData(months, true, Date.parse('2026-01-01'), 'Europe/Paris');
		expect(x).toEqual([
			Date.parse('2025-09-30T22:00:00.000Z') / 1000,
			Date.parse('2025-10-31T23:00:00.000Z') / 1000
		]);
	});

	test('a month whose first day cannot be read in the zone is placed at its start', () => {
		// All time in Pacific/Kiritimati from 1979-10-02: its 1 October was at UTC−10:40.
		const months = [
			{ period: '1979-10', start: '1979-10-02T10:00:00.000Z', visitors: 1, pageviews: 2 },
			{ period: '1979-11', start: '1979-11-01T10:00:00.000Z', visitors: 3, pageviews: 4 }
		] as TimeseriesPoint[];
		const [x] = chartData(months, true, Date.parse('2026-01-01'), 'Pacific/Kiritimati');
		expect(x).toEqual([
			Date.parse('1979-10-02T10:00:00.000Z') / 1000,
			Date.parse('1979-11-01T10:00:00.000Z') / 1000
		]);
	});

	test('a range in the past is drawn whole; one line without pageviews', () => {
		const later = Date.parse('2026-12-05T00:00:00.000Z');
		expect(chartData(points, false, later)).toEqual([expect.any(Array), [2, 0, 0]]);
	});
});

test('the time axis ticks no finer than the points: days on days, months on months', () => {
	expect(Math.min(...timeSteps('hour'))).toBe(3_600);
	expect(timeSteps('hour').every((s) => s % 3_600 === 0)).toBe(true);
	expect(Math.min(...timeSteps('day'))).toBe(86_400);
	expect(Math.min(...timeSteps('month'))).toBe(30 * 86_400);
	expect(timeSteps('day').every((s) => s % 86_400 === 0)).toBe(true);
});

describe('timeSplits', () => {
	const at = (iso: string) => Date.parse(iso) / 1000;
	const HOUR = 3_600;
	const DAY = 86_400;
	/** Each tick as the zone's clock reads it. */
	const local = (splits: number[], tz: string) =>
		splits.map((s) =>
			new Intl.DateTimeFormat('sv-SE', {
				timeZone: tz,
				dateStyle: 'short',
				timeStyle: 'short'
			}).format(s * 1000)
		);

	test.each([
		['Asia/Kolkata', '2026-12-06T18:30Z'],
		['Asia/Kathmandu', '2026-12-06T18:15Z']
	])('hours in %s tick on its whole hours', (tz, midnight) => {
		const min = at(midnight);
		expect(local(timeSplits(min, min + 23 * HOUR, 6 * HOUR, tz), tz)).toEqual([
			'2026-12-07 00:00',
			'2026-12-07 06:00',
			'2026-12-07 12:00',
			'2026-12-07 18:00'
		]);
	});

	test('hours in Australia/Lord_Howe tick on whole hours after its clock moves half an hour', () => {
		// 4 October 2026: 02:00 (UTC+10:30) becomes 02:30 (UTC+11); uPlot's own ticks then
		// fell on 03:30, 06:30, …
		const tz = 'Australia/Lord_Howe';
		const min = at('2026-10-03T13:30Z');
		expect(local(timeSplits(min, at('2026-10-04T12:00Z'), 3 * HOUR, tz), tz)).toEqual([
			'2026-10-04 00:00',
			'2026-10-04 03:00',
			'2026-10-04 06:00',
			'2026-10-04 09:00',
			'2026-10-04 12:00',
			'2026-10-04 15:00',
			'2026-10-04 18:00',
			'2026-10-04 21:00'
		]);
		// 5 April 2026: 02:00 (UTC+11) goes back to 01:30 (UTC+10:30); its 24.5 hours hold
		// each whole hour once.
		const back = timeSplits(at('2026-04-04T13:00Z'), at('2026-04-05T13:00Z'), HOUR, tz);
		expect(local(back, tz).every((t) => t.endsWith(':00'))).toBe(true);
		expect(back).toHaveLength(24);
	});

	test('days tick on local midnights, across a change of offset by half an hour too', () => {
		const tz = 'Australia/Lord_Howe';
		const splits = timeSplits(at('2026-09-27T13:30Z'), at('2026-10-10T13:00Z'), 2 * DAY, tz);
		expect(local(splits, tz)).toEqual([
			'2026-09-28 00:00',
			'2026-09-30 00:00',
			'2026-10-02 00:00',
			'2026-10-04 00:00',
			'2026-10-06 00:00',
			'2026-10-08 00:00',
			'2026-10-10 00:00'
		]);
	});

	test('months tick on their first days, every so many; years on 1 January', () => {
		const tz = 'Asia/Kathmandu';
		const months = timeSplits(at('2025-12-31T18:15Z'), at('2026-12-31T18:15Z'), 90 * DAY, tz);
		expect(local(months, tz)).toEqual([
			'2026-01-01 00:00',
			'2026-04-01 00:00',
			'2026-07-01 00:00',
			'2026-10-01 00:00',
			'2027-01-01 00:00'
		]);
		const years = timeSplits(at('2023-06-01T00:00Z'), at('2026-12-01T00:00Z'), 365 * DAY, 'UTC');
		expect(local(years, 'UTC')).toEqual([
			'2024-01-01 00:00',
			'2025-01-01 00:00',
			'2026-01-01 00:00'
		]);
	});
});

describe('timeLabels', () => {
	const at = (iso: string) => Date.parse(iso) / 1000;
	const HOUR = 3_600;

	test('hours read as 24-hour times, with the date under the first and at each new day', () => {
		const splits = [at('2026-12-05T20:00Z'), at('2026-12-05T23:00Z'), at('2026-12-06T02:00Z')];
		expect(timeLabels(splits, 3 * HOUR, 'UTC')).toEqual([
			'20:00\n2026-12-05',
			'23:00',
			'02:00\n2026-12-06'
		]);
	});

	test('in the chart’s zone, half-hour offsets included', () => {
		expect(
			timeLabels([at('2026-12-05T18:30Z'), at('2026-12-05T20:30Z')], 2 * HOUR, 'Asia/Kolkata')
		).toEqual(['00:00\n2026-12-06', '02:00']);
	});

	test('days read as ISO dates, months as year and month', () => {
		const days = [at('2026-11-30T23:00Z'), at('2026-12-01T23:00Z')];
		expect(timeLabels(days, 86_400, 'Europe/Paris')).toEqual(['2026-12-01', '2026-12-02']);
		expect(timeLabels([at('2026-11-01T00:00Z')], 30 * 86_400, 'UTC')).toEqual(['2026-11']);
	});
});
