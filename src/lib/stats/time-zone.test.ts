import { afterEach, describe, expect, test, vi } from 'vitest';
import {
	DAY_STARTS_KEPT,
	addDays,
	addMonths,
	clockRepeats,
	daysBetween,
	dayStartsOnQuarterHour,
	firstOfNextMonth,
	isDate,
	localDate,
	localTime,
	offsetAt,
	startOfDay,
	utcInstant
} from './time-zone';
import { periods } from './periods';
import { sampleDates } from '../../../tests/support/dates';
import { seededRandom } from '../../../tests/support/synthetic';

const HOUR = 3_600_000;
const QUARTER = HOUR / 4;
const ZONES = Intl.supportedValuesOf('timeZone');

describe('time zones', () => {
	test.each([
		['UTC', '2026-11-21', '2026-11-21T00:00:00.000Z'],
		['Europe/Paris', '2026-11-21', '2026-11-20T23:00:00.000Z'],
		['Europe/Paris', '2026-07-01', '2026-06-30T22:00:00.000Z'],
		['America/New_York', '2026-11-21', '2026-11-21T05:00:00.000Z'],
		['Pacific/Kiritimati', '2026-11-21', '2026-11-20T10:00:00.000Z'],
		['Pacific/Pago_Pago', '2026-11-21', '2026-11-21T11:00:00.000Z'],
		// Santiago springs forward at local midnight: the day starts at 01:00 (UTC−03:00).
		['America/Santiago', '2026-09-06', '2026-09-06T04:00:00.000Z']
	])('in %s, %s starts at %s', (tz, date, iso) => {
		expect(new Date(startOfDay(date, tz)).toISOString()).toBe(iso);
	});

	test('a day across a daylight-saving change is 23 or 25 hours long', () => {
		const day = (date: string) =>
			(startOfDay(addDays(date, 1), 'Europe/Paris') - startOfDay(date, 'Europe/Paris')) / 3_600_000;
		expect(day('2026-03-29')).toBe(23);
		expect(day('2026-10-25')).toBe(25);
		expect(day('2026-10-26')).toBe(24);
	});

	test.each([
		['Asia/Kolkata', '2026-11-21', '2026-11-20T18:30:00.000Z'],
		['Asia/Kathmandu', '2026-11-21', '2026-11-20T18:15:00.000Z'],
		['Australia/Adelaide', '2026-07-01', '2026-06-30T14:30:00.000Z'],
		// Adelaide's summer time (+10:30) from 2026-10-04.
		['Australia/Adelaide', '2026-11-21', '2026-11-20T13:30:00.000Z'],
		['America/St_Johns', '2026-01-15', '2026-01-15T03:30:00.000Z'],
		// St John's summer time (−02:30) from 2026-03-08.
		['America/St_Johns', '2026-07-01', '2026-07-01T02:30:00.000Z'],
		['Pacific/Chatham', '2026-07-01', '2026-06-30T11:15:00.000Z']
	])('in the half- or quarter-hour zone %s, %s starts at %s', (tz, date, iso) => {
		expect(new Date(startOfDay(date, tz)).toISOString()).toBe(iso);
	});

	test('refuses a local mean time that is not whole quarter hours, naming it', () => {
		expect(() => startOfDay('1900-01-01', 'Asia/Kolkata')).toThrow(
			'time zone Asia/Kolkata is at UTC+05:21:10 on 1900-01-01, not a whole number of quarter hours'
		);
	});

	test('offsets, local dates and hours of an instant', () => {
		const t = Date.parse('2026-11-20T23:30:00Z');
		expect(offsetAt(t, 'Europe/Paris')).toBe(3_600_000);
		expect(offsetAt(t, 'America/New_York')).toBe(-5 * 3_600_000);
		expect(localDate(t, 'Europe/Paris')).toBe('2026-11-21');
		expect(localDate(t, 'UTC')).toBe('2026-11-20');
		expect(localTime(t, 'Europe/Paris')).toBe('2026-11-21T00:30');
	});

	test('calendar arithmetic', () => {
		expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
		expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
		expect(daysBetween('2026-11-01', '2026-11-30')).toBe(30);
		expect(daysBetween('2026-11-01', '2026-11-01')).toBe(1);
	});

	test.each([
		['2026-11-21', true],
		['2026-02-29', false],
		['2028-02-29', true],
		['2026-1-2', false],
		['yesterday', false],
		['0000-01-01', true],
		['0050-02-29', false],
		['0048-02-29', true],
		['9999-12-31', true],
		['+010000-01-01', false]
	])('isDate(%s) is %s', (date, expected) => {
		expect(isDate(date)).toBe(expected);
	});

	test('dates in the years 0–99 are not read as 1900–1999', () => {
		expect(addDays('0050-12-31', 1)).toBe('0051-01-01');
		expect(daysBetween('0000-01-01', '0001-01-01')).toBe(367);
		expect(new Date(startOfDay('0050-06-01', 'UTC')).toISOString()).toBe(
			'0050-06-01T00:00:00.000Z'
		);
		expect(localDate(utcInstant(50, 6, 1, 12), 'America/New_York')).toBe('0050-06-01');
		expect(firstOfNextMonth('0099-12-05')).toBe('0100-01-01');
	});

	test.each([
		['2026-03-31', -1, '2026-02-28'],
		['2028-03-31', -1, '2028-02-29'],
		['2028-02-29', -12, '2027-02-28'],
		['2026-01-15', -1, '2025-12-15'],
		['2026-12-31', 2, '2027-02-28'],
		['0050-01-31', -13, '0048-12-31'],
		['0000-01-01', -1, '-000001-12-01']
	] as const)("addMonths(%s, %i) is %s: the day kept, or the month's last", (date, months, to) => {
		expect(addMonths(date, months)).toBe(to);
	});

	test('dates past 9999 are written in the expanded form that isDate refuses', () => {
		expect(addDays('9999-12-31', 1)).toBe('+010000-01-01');
		expect(addDays('0000-01-01', -1)).toBe('-000001-12-31');
		expect(isDate(addDays('9999-12-31', 1))).toBe(false);
	});

	test('offsets are exact to the second, local mean times included', () => {
		expect(offsetAt(utcInstant(1900, 1, 1), 'Europe/Paris')).toBe(561_000);
		expect(() => startOfDay('1900-01-01', 'Europe/Paris')).toThrow(
			'time zone Europe/Paris is at UTC+00:09:21 on 1900-01-01, not a whole number of quarter hours'
		);
	});

	test('dayStartsOnQuarterHour says, without throwing, whether startOfDay can read a day', () => {
		expect(dayStartsOnQuarterHour('1900-01-01', 'Europe/Paris')).toBe(false);
		expect(dayStartsOnQuarterHour('1979-10-01', 'Pacific/Kiritimati')).toBe(false);
		expect(dayStartsOnQuarterHour('1979-10-02', 'Pacific/Kiritimati')).toBe(true);
		expect(startOfDay('1979-10-02', 'Pacific/Kiritimati')).toBe(Date.UTC(1979, 9, 2, 10));
		// Remembered, and still readable.
		expect(dayStartsOnQuarterHour('1979-10-02', 'Pacific/Kiritimati')).toBe(true);
		expect(dayStartsOnQuarterHour('2026-04-05', 'Australia/Lord_Howe')).toBe(true);
	});

	test.each([
		// New York, 1 November 2026: 01:00–02:00 shows twice, at UTC−4 then UTC−5.
		['America/New_York', '2026-11-01T05:30:00Z', true],
		['America/New_York', '2026-11-01T06:30:00Z', true],
		['America/New_York', '2026-11-01T04:59:59Z', false],
		['America/New_York', '2026-11-01T07:00:00Z', false],
		// 8 March 2026: 02:00–03:00 is skipped, and nothing shows twice.
		['America/New_York', '2026-03-08T07:30:00Z', false],
		// Lord Howe, 5 April 2026: 01:30–02:00 shows twice, at UTC+11 then UTC+10:30.
		['Australia/Lord_Howe', '2026-04-04T14:45:00Z', true],
		['Australia/Lord_Howe', '2026-04-04T15:15:00Z', true],
		['Australia/Lord_Howe', '2026-04-04T14:15:00Z', false],
		['Asia/Kolkata', '2026-11-01T05:30:00Z', false],
		['UTC', '2026-11-01T05:30:00Z', false]
	])('in %s the clock at %s shows a time it shows twice: %s', (tz, iso, repeats) => {
		expect(clockRepeats(Date.parse(iso), tz)).toBe(repeats);
	});

	test('refuses what is not a date instead of computing with it', () => {
		expect(() => startOfDay('0000-1-1', 'UTC')).toThrow(RangeError);
		expect(() => addDays('tomorrow', 1)).toThrow(RangeError);
	});
});

describe('remembered day starts', () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});
	const intlCalls = () => vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');

	test('a second read of the same days asks Intl nothing, and finds the same instants', () => {
		// Ten years of months in a zone with summer time, as an "all time" range reads them.
		const range = { from: '2014-11-01', to: '2024-10-31', tz: 'America/Sao_Paulo' };
		const first = periods(range, 'month');
		const calls = intlCalls();
		expect(periods(range, 'month')).toEqual(first);
		expect(calls).not.toHaveBeenCalled();
		// Paris's 23-hour day, read again.
		expect(
			startOfDay('2026-03-30', 'Europe/Paris') - startOfDay('2026-03-29', 'Europe/Paris')
		).toBe(23 * HOUR);
		expect(
			startOfDay('2026-03-30', 'Europe/Paris') - startOfDay('2026-03-29', 'Europe/Paris')
		).toBe(23 * HOUR);
	});

	test('holds a bounded number of days: past the bound it starts over', () => {
		const tz = 'Asia/Tokyo';
		startOfDay('1990-01-01', tz);
		for (let i = 1; i <= DAY_STARTS_KEPT; i++) startOfDay(addDays('1990-01-01', i), tz);
		const calls = intlCalls();
		expect(startOfDay('1990-01-01', tz)).toBe(Date.UTC(1989, 11, 31, 15));
		expect(calls).toHaveBeenCalled();
	});
});

describe('every IANA zone over the years 0000–9999', () => {
	test('each day starts at its first instant, or the zone is refused as not whole quarter hours then', () => {
		const random = seededRandom(20260101);
		let started = 0;
		for (const tz of ZONES) {
			for (const date of sampleDates(random, 12)) {
				let t: number;
				try {
					t = startOfDay(date, tz);
				} catch (e) {
					expect((e as Error).message, `${tz} ${date}`).toMatch(
						/not a whole number of quarter hours$/
					);
					continue;
				}
				started++;
				expect(t % QUARTER === 0, `${tz} ${date}`).toBe(true);
				expect(localDate(t, tz) >= date, `${tz} ${date}`).toBe(true);
				expect(localDate(t - 1000, tz) < date, `${tz} ${date}`).toBe(true);
			}
		}
		// Most zones are whole quarter hours for most of history's sampled dates.
		expect(started).toBeGreaterThan(ZONES.length);
	}, 60_000);

	test("local dates agree with Intl's own calendar fields", () => {
		const random = seededRandom(7);
		for (const tz of ZONES) {
			const format = new Intl.DateTimeFormat('en-US', {
				timeZone: tz,
				era: 'short',
				year: 'numeric',
				month: '2-digit',
				day: '2-digit',
				hour: '2-digit',
				minute: '2-digit',
				hourCycle: 'h23'
			});
			for (const date of sampleDates(random, 4).slice(2)) {
				const t = utcInstant(...(date.split('-').map(Number) as [number, number, number]), 12);
				const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
				const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
				const y = year > 9999 ? `+${String(year).padStart(6, '0')}` : String(year).padStart(4, '0');
				const expected = `${y}-${parts.month}-${parts.day}`;
				expect(localDate(t, tz), `${tz} ${date}`).toBe(expected);
				expect(localTime(t, tz), `${tz} ${date}`).toBe(`${expected}T${parts.hour}:${parts.minute}`);
			}
		}
	}, 60_000);
});
