import { describe, expect, test } from 'vitest';
import {
	DEFAULT_COMPARISON,
	defaultInterval,
	fromFirstReadableDay,
	periodIndex,
	periods,
	previousRange,
	rangeBounds,
	periodText,
	segmentsFor
} from './periods';
import { localTime, offsetAt } from './time-zone';

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

	test('a range compared by no comparison is compared by the default one, days', () => {
		const range = { from: '2026-03-31', to: '2026-04-02', tz: 'UTC' };
		expect(DEFAULT_COMPARISON).toBe('days');
		expect(previousRange(range)).toEqual(previousRange(range, DEFAULT_COMPARISON));
	});

	test('the previous period has the same number of days, just before', () => {
		expect(previousRange({ from: '2026-11-01', to: '2026-11-30', tz: 'UTC' })).toEqual({
			from: '2026-10-02',
			to: '2026-10-31',
			tz: 'UTC'
		});
	});

	test.each([
		// A whole month: the whole month before, whatever the lengths.
		['month', '2026-11-01', '2026-11-30', '2026-10-01', '2026-10-31'],
		['month', '2026-03-01', '2026-03-31', '2026-02-01', '2026-02-28'],
		['month', '2028-03-01', '2028-03-31', '2028-02-01', '2028-02-29'],
		['month', '2026-02-01', '2026-02-28', '2026-01-01', '2026-01-31'],
		['month', '2027-01-01', '2027-01-31', '2026-12-01', '2026-12-31'],
		// Month to date: the same days of the month before, clipped to its length.
		['month', '2026-12-01', '2026-12-07', '2026-11-01', '2026-11-07'],
		['month', '2026-12-01', '2026-12-01', '2026-11-01', '2026-11-01'],
		['month', '2026-03-01', '2026-03-30', '2026-02-01', '2026-02-28'],
		['month', '2028-03-01', '2028-03-30', '2028-02-01', '2028-02-29'],
		['month', '2026-05-01', '2026-05-30', '2026-04-01', '2026-04-30'],
		// A start February has not (Mar 29–31): from its last day, the range's length kept.
		['month', '2026-03-31', '2026-04-02', '2026-02-28', '2026-03-02'],
		['month', '2026-03-30', '2026-04-02', '2026-02-28', '2026-03-03'],
		['month', '2026-03-29', '2026-04-02', '2026-02-28', '2026-03-04'],
		['month', '2028-03-30', '2028-04-02', '2028-02-29', '2028-03-03'],
		['month', '2026-05-31', '2026-06-03', '2026-04-30', '2026-05-03'],
		// A leap year's February has the 29th: the same days.
		['month', '2028-03-29', '2028-04-02', '2028-02-29', '2028-03-02'],
		// Ending on the month's last day: up to February's, the range's length kept.
		['month', '2026-03-29', '2026-03-31', '2026-02-26', '2026-02-28'],
		['month', '2026-03-30', '2026-03-31', '2026-02-27', '2026-02-28'],
		['month', '2026-03-31', '2026-03-31', '2026-02-28', '2026-02-28'],
		['month', '2028-03-30', '2028-03-31', '2028-02-28', '2028-02-29'],
		['month', '2026-05-31', '2026-05-31', '2026-04-30', '2026-04-30'],
		// A month long: the length kept would reach the range, so the same days.
		['month', '2026-03-30', '2026-04-29', '2026-02-28', '2026-03-29'],
		// Longer: back as many months as end it before it starts.
		['month', '2026-03-30', '2026-06-15', '2025-12-30', '2026-03-15'],
		// Whole months: as many whole months just before.
		['month', '2026-10-01', '2026-12-31', '2026-07-01', '2026-09-30'],
		['month', '2026-01-01', '2026-12-31', '2025-01-01', '2025-12-31'],
		// Year to date and a whole year: the same dates a year earlier (Feb 29: Feb 28).
		['year', '2026-01-01', '2026-12-07', '2025-01-01', '2025-12-07'],
		['year', '2028-01-01', '2028-02-29', '2027-01-01', '2027-02-28'],
		['year', '2029-01-01', '2029-02-28', '2028-01-01', '2028-02-28'],
		['year', '2026-01-01', '2026-12-31', '2025-01-01', '2025-12-31'],
		['year', '2026-01-01', '2026-01-01', '2025-01-01', '2025-01-01'],
		// The last 12 months (this month and the 11 before): a year earlier.
		['year', '2026-01-01', '2026-12-07', '2025-01-01', '2025-12-07'],
		['year', '2027-03-01', '2028-02-29', '2026-03-01', '2027-02-28'],
		// Feb 29 a year back: Feb 28, the range's length kept.
		['year', '2028-02-29', '2028-03-02', '2027-02-28', '2027-03-02'],
		['year', '2028-02-29', '2028-02-29', '2027-02-28', '2027-02-28'],
		['year', '2028-02-29', '2029-02-28', '2027-02-28', '2028-02-28'],
		// Longer than a year: back by as many whole years as end it before it starts.
		['year', '2024-06-01', '2026-03-05', '2022-06-01', '2024-03-05'],
		// Any other range: the same number of days just before.
		['days', '2026-12-01', '2026-12-07', '2026-11-24', '2026-11-30'],
		['days', '2026-11-01', '2026-11-30', '2026-10-02', '2026-10-31'],
		['days', '2028-03-01', '2028-03-01', '2028-02-29', '2028-02-29'],
		[undefined, '2026-12-01', '2026-12-07', '2026-11-24', '2026-11-30']
	] as const)('compare %s: %s to %s is compared with %s to %s', (compare, from, to, pFrom, pTo) => {
		expect(previousRange({ from, to, tz: 'Europe/Berlin' }, compare)).toEqual({
			from: pFrom,
			to: pTo,
			tz: 'Europe/Berlin'
		});
	});

	test('a clock change in a range or its previous period changes none of its dates', () => {
		// Berlin's clocks went forward on 2026-03-29 and back on 2026-10-25.
		const range = { from: '2026-11-01', to: '2026-11-30', tz: 'Europe/Berlin' } as const;
		expect(previousRange(range, 'month')).toEqual({
			from: '2026-10-01',
			to: '2026-10-31',
			tz: 'Europe/Berlin'
		});
		expect(
			previousRange({ from: '2026-04-01', to: '2026-04-07', tz: 'Europe/Berlin' }, 'month')
		).toEqual({ from: '2026-03-01', to: '2026-03-07', tz: 'Europe/Berlin' });
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

	/** Each hour as `label start–end` (UTC times), for the hours of a day. */
	const hoursOf = (tz: string, date: string) =>
		periods({ from: date, to: date, tz }, 'hour').map(
			(p) => `${p.label.slice(11)} ${iso(p.start).slice(11, 16)}–${iso(p.end).slice(11, 16)}`
		);

	test.each([
		// Clocks back 30 minutes at 02:00 (+11:00 → +10:30): the half hour repeated is a
		// period of its own, and the day's 24.5 hours end on its last local hour.
		[
			'Australia/Lord_Howe',
			'2026-04-05',
			25,
			['01:00 14:00–15:00', '01:30 15:00–15:30', '02:00 15:30–16:30', '03:00 16:30–17:30'],
			'23:00 12:30–13:30'
		],
		// Forward 30 minutes at 02:00 (+10:30 → +11:00): 02:30 to 03:00 is half an hour.
		[
			'Australia/Lord_Howe',
			'2026-10-04',
			24,
			['01:00 14:30–15:30', '02:30 15:30–16:00', '03:00 16:00–17:00'],
			'23:00 12:00–13:00'
		],
		// Back an hour at 03:45 (+13:45 → +12:45): 03:00 is 45 minutes, then 02:45 again.
		[
			'Pacific/Chatham',
			'2026-04-05',
			26,
			[
				'02:00 12:15–13:15',
				'03:00+13:45 13:15–14:00',
				'02:45 14:00–14:15',
				'03:00+12:45 14:15–15:15'
			],
			'23:00 10:15–11:15'
		],
		// Forward an hour at 02:45 (+12:45 → +13:45): 02:00 is 45 minutes, 03:45 fifteen.
		[
			'Pacific/Chatham',
			'2026-09-27',
			24,
			['02:00 13:15–14:00', '03:45 14:00–14:15', '04:00 14:15–15:15'],
			'23:00 09:15–10:15'
		],
		[
			'America/New_York',
			'2026-03-08',
			23,
			['01:00 06:00–07:00', '03:00 07:00–08:00'],
			'23:00 03:00–04:00'
		],
		[
			'America/New_York',
			'2026-11-01',
			25,
			['01:00-04:00 05:00–06:00', '01:00-05:00 06:00–07:00', '02:00 07:00–08:00'],
			'23:00 04:00–05:00'
		],
		[
			'Europe/Berlin',
			'2026-03-29',
			23,
			['01:00 00:00–01:00', '03:00 01:00–02:00'],
			'23:00 21:00–22:00'
		],
		[
			'Europe/Berlin',
			'2026-10-25',
			25,
			['02:00+02:00 00:00–01:00', '02:00+01:00 01:00–02:00', '03:00 02:00–03:00'],
			'23:00 22:00–23:00'
		],
		[
			'Asia/Kolkata',
			'2026-11-21',
			24,
			['00:00 18:30–19:30', '01:00 19:30–20:30'],
			'23:00 17:30–18:30'
		],
		[
			'Asia/Kathmandu',
			'2026-11-21',
			24,
			['00:00 18:15–19:15', '01:00 19:15–20:15'],
			'23:00 17:15–18:15'
		]
	])('%s on %s has %i hours as its clock shows them', (tz, date, count, some, last) => {
		const list = hoursOf(tz, date);
		expect(list).toHaveLength(count);
		expect(list).toEqual(expect.arrayContaining(some));
		const at = list.indexOf(some[0]);
		expect(list.slice(at, at + some.length)).toEqual(some);
		expect(list.at(-1)).toBe(last);
	});

	test.each([
		['Australia/Lord_Howe', '2026-04-04', '2026-04-06'],
		['Australia/Lord_Howe', '2026-10-03', '2026-10-05'],
		['Pacific/Chatham', '2026-04-04', '2026-04-06'],
		['Pacific/Chatham', '2026-09-26', '2026-09-28'],
		['America/New_York', '2026-10-31', '2026-11-02'],
		['Europe/Berlin', '2026-03-28', '2026-03-30'],
		['Asia/Kathmandu', '2026-11-20', '2026-11-22']
	])(
		'hours in %s from %s to %s each lie in one local hour and hold the days exactly',
		(tz, from, to) => {
			const range = { from, to, tz };
			const list = periods(range, 'hour');
			const { start, end } = rangeBounds(range);
			expect(list[0].start).toBe(start);
			expect(list.at(-1)!.end).toBe(end);
			expect(new Set(list.map((p) => p.label)).size).toBe(list.length);
			for (const [i, p] of list.entries()) {
				if (i) expect(p.start).toBe(list[i - 1].end);
				expect(p.end).toBeGreaterThan(p.start);
				expect(p.end - p.start).toBeLessThanOrEqual(3_600_000);
				const local = localTime(p.start, tz);
				expect(p.label.slice(0, 16)).toBe(local);
				// Its last minute is in the hour it starts in.
				expect(localTime(p.end - 60_000, tz).slice(0, 13)).toBe(local.slice(0, 13));
				// It starts on a whole hour of the clock, or where the offset changes.
				const changes = offsetAt(p.start - 1000, tz) !== offsetAt(p.start, tz);
				expect(local.endsWith(':00') || changes, p.label).toBe(true);
			}
			const days = periods(range, 'day');
			for (const day of days) {
				const inDay = list.filter((p) => p.start >= day.start && p.end <= day.end);
				expect(inDay.reduce((ms, p) => ms + p.end - p.start, 0)).toBe(day.end - day.start);
			}
		}
	);

	test.each([
		['2026-11-21T14:00', true, '2026-11-21 14:00'],
		['2026-11-01T01:00-04:00', true, '2026-11-01 01:00 (UTC−4)'],
		['2026-11-01T01:00-05:00', false, '01:00 (UTC−5)'],
		['2026-04-05T03:00+13:45', false, '03:00 (UTC+13:45)'],
		['2026-10-25T02:00+00:00', false, '02:00 (UTC)'],
		['2026-11-21', true, '2026-11-21'],
		['2026-11', true, '2026-11']
	])('period %s is shown (with its date: %s) as %s', (label, withDate, text) => {
		expect(periodText(label, withDate)).toBe(text);
	});

	test.each([
		// UTC−10:40 until 1 October 1979, then −10:00.
		['Pacific/Kiritimati', '1975-06-01', '1979-10-02', '−10:40'],
		// UTC−00:44:30 until 7 January 1972, then UTC.
		['Africa/Monrovia', '1970-01-01', '1972-01-08', '−00:44:30']
	])('a range in %s from %s is read from %s, and says why', (tz, from, first, offset) => {
		const range = { from, to: '2026-12-07', tz };
		expect(fromFirstReadableDay(range)).toEqual({
			...range,
			from: first,
			note: `Days before ${first} are left out: time zone ${tz} was then at UTC${offset}, not a whole number of quarter hours, and stats are kept by UTC quarter hour.`
		});
		expect(() => periods(fromFirstReadableDay(range), 'month')).not.toThrow();
	});

	test('a range that can be read is kept as it is; one that cannot at all is empty', () => {
		const range = { from: '1980-01-01', to: '2026-12-07', tz: 'Pacific/Kiritimati' };
		expect(fromFirstReadableDay(range)).toBe(range);
		const old = { from: '1970-06-01', to: '1970-12-06', tz: 'Africa/Monrovia' };
		const empty = fromFirstReadableDay(old);
		expect([empty.from, empty.to]).toEqual(['1970-12-07', '1970-12-06']);
	});
});
