import { describe, expect, test } from 'vitest';
import {
	addDays,
	daysBetween,
	isDate,
	localDate,
	localHour,
	offsetAt,
	startOfDay
} from './time-zone';

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

	test('refuses a zone whose offset is not a whole number of hours, naming it', () => {
		expect(() => startOfDay('2026-11-21', 'Asia/Kolkata')).toThrow(
			'time zone Asia/Kolkata is at UTC+05:30 on 2026-11-21, not a whole number of hours'
		);
	});

	test('offsets, local dates and hours of an instant', () => {
		const t = Date.parse('2026-11-20T23:30:00Z');
		expect(offsetAt(t, 'Europe/Paris')).toBe(3_600_000);
		expect(offsetAt(t, 'America/New_York')).toBe(-5 * 3_600_000);
		expect(localDate(t, 'Europe/Paris')).toBe('2026-11-21');
		expect(localDate(t, 'UTC')).toBe('2026-11-20');
		expect(localHour(t, 'Europe/Paris')).toBe('2026-11-21T00:00');
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
		['yesterday', false]
	])('isDate(%s) is %s', (date, expected) => {
		expect(isDate(date)).toBe(expected);
	});
});
