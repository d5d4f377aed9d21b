import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PRESETS, comparisonOf, presetDates, rangeQuery, resolveRange } from './range';
import { previousRange } from './periods';

// 2026-11-21 23:30 UTC is already 2026-11-22 in Paris.
const NOW = Date.UTC(2026, 10, 21, 23, 30);
const valid = (tz: string) => (tz === 'Nowhere/Else' ? null : tz);
const resolve = (query: string, tz = 'UTC') =>
	resolveRange(new URLSearchParams(query), tz, NOW, valid);

describe('resolveRange', () => {
	test.each([
		['range=today', { preset: 'today', from: '2026-11-21', to: '2026-11-21' }],
		['range=7d', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		['range=30d', { preset: '30d', from: '2026-10-23', to: '2026-11-21' }],
		['range=month', { preset: 'month', from: '2026-11-01', to: '2026-11-21' }],
		['', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		['range=bogus', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		[
			'range=custom&from=2026-10-01&to=2026-10-31',
			{ preset: 'custom', from: '2026-10-01', to: '2026-10-31' }
		],
		// A custom range without from spans 30 days, as in the Stats API.
		['range=custom&to=2026-10-31', { preset: 'custom', from: '2026-10-02', to: '2026-10-31' }],
		['range=custom', { preset: 'custom', from: '2026-10-23', to: '2026-11-21' }],
		// Dates without a range: a custom range, as the Stats API reads them.
		['from=2026-10-01&to=2026-10-31', { preset: 'custom', from: '2026-10-01', to: '2026-10-31' }],
		['to=2026-10-31', { preset: 'custom', from: '2026-10-02', to: '2026-10-31' }],
		['range=7d&from=2026-10-01', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }]
	])('reads "%s" in UTC', (query, expected) => {
		expect(resolve(query)).toEqual({ ...expected, tz: 'UTC' });
	});

	test('takes "today" in the chosen time zone', () => {
		expect(resolve('range=today&tz=Europe/Paris')).toEqual({
			preset: 'today',
			from: '2026-11-22',
			to: '2026-11-22',
			tz: 'Europe/Paris'
		});
	});

	test('defaults to the site time zone', () => {
		expect(resolve('range=today', 'Europe/Paris').tz).toBe('Europe/Paris');
	});

	test('keeps an unknown time zone for the page to refuse, taking today in the site zone', () => {
		expect(resolve('range=today&tz=Nowhere/Else')).toEqual({
			preset: 'today',
			from: '2026-11-21',
			to: '2026-11-21',
			tz: 'Nowhere/Else'
		});
	});

	test('writes the chosen zone by its name (tz=europe/paris is Europe/Paris)', () => {
		const named = (tz: string) => (tz.toLowerCase() === 'europe/paris' ? 'Europe/Paris' : null);
		const query = new URLSearchParams('range=today&tz=europe/paris');
		expect(resolveRange(query, 'UTC', NOW, named)).toEqual({
			preset: 'today',
			from: '2026-11-22',
			to: '2026-11-22',
			tz: 'Europe/Paris'
		});
	});

	test('leaves a malformed custom date for the Stats API parser to name', () => {
		expect(resolve('range=custom&from=yesterday&to=2026-11-02').from).toBe('yesterday');
	});
});

describe('rangeQuery', () => {
	test('writes presets without dates and custom ranges with them', () => {
		expect(rangeQuery({ preset: '7d', from: 'x', to: 'y', tz: 'UTC' })).toBe('range=7d&tz=UTC');
		expect(
			rangeQuery({ preset: 'custom', from: '2026-10-01', to: '2026-10-31', tz: 'Europe/Paris' })
		).toBe('range=custom&from=2026-10-01&to=2026-10-31&tz=Europe%2FParis');
	});
});

describe('every preset, on a fake clock', () => {
	beforeEach(() => {
		// 2026-03-01 02:30 UTC: still February 28 in New York, already March 1 in Kolkata
		// (08:00) and Kathmandu (08:15); March 1 in UTC.
		vi.useFakeTimers({ now: Date.UTC(2026, 2, 1, 2, 30) });
	});
	afterEach(() => {
		vi.useRealTimers();
	});
	const now = () => Date.now();
	const resolveIn = (query: string, tz: string) =>
		resolveRange(new URLSearchParams(query), tz, now(), valid);

	test.each([
		['today', '2026-03-01', '2026-03-01'],
		['yesterday', '2026-02-28', '2026-02-28'],
		['7d', '2026-02-23', '2026-03-01'],
		['28d', '2026-02-02', '2026-03-01'],
		['30d', '2026-01-31', '2026-03-01'],
		['90d', '2025-12-02', '2026-03-01'],
		['month', '2026-03-01', '2026-03-01'],
		['lastmonth', '2026-02-01', '2026-02-28'],
		['12mo', '2025-04-01', '2026-03-01'],
		['year', '2026-01-01', '2026-03-01'],
		// The longest range the Stats API reads, 3660 days with today (2016-03-01 is 3652
		// days back), narrowed to the first record when read.
		['all', '2016-02-23', '2026-03-01']
	])('%s in Asia/Kolkata is %s to %s', (preset, from, to) => {
		expect(resolveIn(`range=${preset}`, 'Asia/Kolkata')).toEqual({
			preset,
			from,
			to,
			tz: 'Asia/Kolkata'
		});
	});

	test.each([
		['today', '2026-02-28', '2026-02-28'],
		['yesterday', '2026-02-27', '2026-02-27'],
		['month', '2026-02-01', '2026-02-28'],
		['lastmonth', '2026-01-01', '2026-01-31'],
		['12mo', '2025-03-01', '2026-02-28'],
		['year', '2026-01-01', '2026-02-28']
	])('%s is taken in the chosen zone: in America/New_York %s to %s', (preset, from, to) => {
		expect(resolveIn(`range=${preset}&tz=America/New_York`, 'Asia/Kathmandu')).toMatchObject({
			from,
			to
		});
	});

	test('last month and last 12 months cross a year boundary', () => {
		vi.setSystemTime(Date.UTC(2027, 0, 15, 12));
		expect(resolveIn('range=lastmonth', 'UTC')).toMatchObject({
			from: '2026-12-01',
			to: '2026-12-31'
		});
		expect(resolveIn('range=12mo', 'UTC')).toMatchObject({ from: '2026-02-01', to: '2027-01-15' });
		// A leap year's February.
		vi.setSystemTime(Date.UTC(2028, 2, 10, 12));
		expect(resolveIn('range=lastmonth', 'UTC')).toMatchObject({
			from: '2028-02-01',
			to: '2028-02-29'
		});
	});

	test('each preset has its own shortcut letter', () => {
		expect(new Set(PRESETS.map((p) => p.key)).size).toBe(PRESETS.length);
	});
});

describe('the period each range is compared with', () => {
	test.each([
		['month', '2026-12-07', '2026-12-01', '2026-12-07', '2026-11-01', '2026-11-07'],
		['month', '2027-03-30', '2027-03-01', '2027-03-30', '2027-02-01', '2027-02-28'],
		['month', '2026-11-30', '2026-11-01', '2026-11-30', '2026-10-01', '2026-10-31'],
		['lastmonth', '2026-12-07', '2026-11-01', '2026-11-30', '2026-10-01', '2026-10-31'],
		['lastmonth', '2028-03-15', '2028-02-01', '2028-02-29', '2028-01-01', '2028-01-31'],
		['year', '2026-12-07', '2026-01-01', '2026-12-07', '2025-01-01', '2025-12-07'],
		['year', '2028-02-29', '2028-01-01', '2028-02-29', '2027-01-01', '2027-02-28'],
		['12mo', '2026-03-05', '2025-04-01', '2026-03-05', '2024-04-01', '2025-03-05'],
		// "Last N days", today and yesterday keep the same number of days just before,
		// also when their dates look like a month's.
		['7d', '2026-12-07', '2026-12-01', '2026-12-07', '2026-11-24', '2026-11-30'],
		['30d', '2026-11-30', '2026-11-01', '2026-11-30', '2026-10-02', '2026-10-31'],
		['today', '2026-12-01', '2026-12-01', '2026-12-01', '2026-11-30', '2026-11-30'],
		['yesterday', '2027-01-02', '2027-01-01', '2027-01-01', '2026-12-31', '2026-12-31']
	] as const)(
		'%s on %s (%s to %s) compares with %s to %s',
		(preset, today, from, to, pFrom, pTo) => {
			const dates = presetDates(preset, today);
			expect(dates).toEqual({ from, to });
			const compare = comparisonOf(preset, from, to);
			expect(previousRange({ ...dates, tz: 'UTC' }, compare)).toEqual({
				from: pFrom,
				to: pTo,
				tz: 'UTC'
			});
		}
	);

	test.each([
		['2026-11-01', '2026-11-30', 'month'],
		['2026-10-01', '2026-12-31', 'month'],
		['2026-01-01', '2026-12-31', 'month'],
		['2026-12-01', '2026-12-07', 'days'],
		['2026-11-02', '2026-11-30', 'days'],
		['2026-01-01', '2026-03-05', 'days']
	] as const)('a custom range from %s to %s compares by %s', (from, to, compare) => {
		expect(comparisonOf('custom', from, to)).toBe(compare);
	});
});
