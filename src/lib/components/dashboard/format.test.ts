import { describe, expect, test } from 'vitest';
import { phraseText } from '../../text';
import {
	emptyRangeHint,
	formatChange,
	rowChange,
	formatClock,
	formatClockAfter,
	formatCount,
	formatCountOf,
	formatDateTime,
	formatDuration,
	formatRate,
	liveVisitorLine
} from './format';

describe('formatCount', () => {
	test.each([
		[0, '0'],
		[1234, '1,234'],
		[99_999, '99,999'],
		[123_400, '123.4K'],
		[2_500_000, '2.5M']
	])('writes %d as %s', (n, text) => expect(formatCount(n)).toBe(text));
});

describe('formatRate', () => {
	test.each([
		[0, '0%'],
		[0.4567, '46%'],
		[1, '100%']
	])('writes %d as %s', (n, text) => expect(formatRate(n)).toBe(text));

	test.each([
		[0, '0%'],
		[0.0456, '4.6%'],
		[0.5, '50%'],
		[0.12345, '12.3%'],
		[1 / 3, '33.3%']
	])('writes %d with one decimal as %s', (n, text) => expect(formatRate(n, 1)).toBe(text));
});

describe('formatDuration', () => {
	test.each([
		[0, '0s'],
		[-5, '0s'],
		[1, '<1s'],
		[499, '<1s'],
		[500, '1s'],
		[45_000, '45s'],
		[185_000, '3m 05s'],
		[7_440_000, '2h 04m'],
		[273_600_000, '3d 4h']
	])('writes %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatChange', () => {
	test('a count that grew shows a signed percentage and says so in words', () => {
		expect(formatChange(5, 4)).toEqual({
			text: '+25%',
			direction: 'up',
			label: 'up 25% from 4 in the previous period'
		});
	});

	test('a count that fell uses a minus sign', () => {
		expect(formatChange(3, 4)).toMatchObject({ text: '−25%', direction: 'down' });
	});

	test('something from nothing is new, and nothing from nothing has no change', () => {
		expect(formatChange(3, 0)).toMatchObject({ text: 'new', direction: 'up' });
		expect(formatChange(0, 0)).toMatchObject({ text: '—', direction: 'flat' });
	});

	test('rates change by percentage points', () => {
		expect(formatChange(0.5, 0.25, 'rate')).toEqual({
			text: '+25 pts',
			direction: 'up',
			label: 'up 25 points from 25% in the previous period'
		});
		expect(formatChange(0.5, 0.5, 'rate')).toMatchObject({ text: '±0 pts', direction: 'flat' });
	});

	test('durations name the previous value as a duration', () => {
		expect(formatChange(120_000, 60_000, 'duration').label).toBe(
			'up 100% from 1m 00s in the previous period'
		);
	});
});

describe('formatClock', () => {
	test('writes an instant as a 24-hour time in the given zone', () => {
		const t = Date.UTC(2026, 10, 21, 14, 5, 9);
		expect(formatClock(t, 'UTC')).toBe('14:05:09');
		expect(formatClock(t, 'Europe/Paris')).toBe('15:05:09');
	});
});

describe('formatClockAfter', () => {
	test('adds the date where it changes, and the offset where only it changes', () => {
		const at = (iso: string) => Date.parse(iso);
		const ny = 'America/New_York';
		// 23:50 and 00:10 in New York, 16 November 2026.
		expect(formatClockAfter(at('2026-11-16T04:55:00Z'), at('2026-11-16T04:50:00Z'), ny)).toBe(
			'23:55:00'
		);
		expect(formatClockAfter(at('2026-11-16T05:10:00Z'), at('2026-11-16T04:50:00Z'), ny)).toBe(
			'16 Nov, 00:10:00'
		);
		// 01:50 EDT, then 01:10 EST: the hour the clock repeats on 1 November 2026.
		expect(formatClockAfter(at('2026-11-01T06:10:00Z'), at('2026-11-01T05:50:00Z'), ny)).toBe(
			'01:10:00 (UTC−5)'
		);
	});
});

describe('formatDateTime', () => {
	test('adds the offset where the clock shows the time twice, and only there', () => {
		const at = (iso: string) => Date.parse(iso);
		const ny = 'America/New_York';
		// Two sessions of 1 November 2026 an hour apart, both at 01:30 in New York.
		expect(formatDateTime(at('2026-11-01T05:30:00Z'), ny)).toBe('1 Nov, 01:30:00 (UTC−4)');
		expect(formatDateTime(at('2026-11-01T06:30:00Z'), ny)).toBe('1 Nov, 01:30:00 (UTC−5)');
		expect(formatDateTime(at('2026-11-01T07:30:00Z'), ny)).toBe('1 Nov, 02:30:00');
		expect(formatDateTime(at('2026-11-16T05:10:00Z'), ny)).toBe('16 Nov, 00:10:00');
		// Half an hour shown twice in Lord Howe, 5 April 2026.
		expect(formatDateTime(at('2026-04-04T14:45:00Z'), 'Australia/Lord_Howe')).toBe(
			'5 Apr, 01:45:00 (UTC+11)'
		);
		expect(formatDateTime(at('2026-04-04T15:15:00Z'), 'Australia/Lord_Howe')).toBe(
			'5 Apr, 01:45:00 (UTC+10:30)'
		);
	});
});

describe('liveVisitorLine', () => {
	test('names the country, browser, current page, pages and time of a live visitor', () => {
		const visitor = { country: 'DE', browser: 'Chrome', pages: 3, durationMs: 125_000 };
		expect(liveVisitorLine(visitor, '/pricing')).toEqual([
			'Germany · Chrome · on ',
			{ quoted: '/pricing' },
			' · 3 pages · 2m 05s'
		]);
	});

	test('leaves out what the records do not carry', () => {
		const visitor = { country: null, browser: null, pages: 1, durationMs: 0 };
		expect(phraseText(liveVisitorLine(visitor, '/'))).toBe('on / · 1 page · 0s');
	});
});

test('a count takes its noun in the singular for one only', () => {
	expect([0, 1, 2, 1234].map((n) => formatCountOf(n, 'session'))).toEqual([
		'0 sessions',
		'1 session',
		'2 sessions',
		'1,234 sessions'
	]);
});

describe('emptyRangeHint', () => {
	test('a site with records says where they begin, in the dashboard’s zone', () => {
		expect(emptyRangeHint('2026-11-01T20:00:00.000Z', 'Asia/Kolkata', 'Add the snippet.')).toBe(
			'This site’s records begin on 2026-11-02.'
		);
	});

	test('a site without any gets the page’s next step', () => {
		expect(emptyRangeHint(null, 'UTC', 'Add the snippet.')).toBe('Add the snippet.');
		expect(emptyRangeHint(undefined, 'UTC', 'Add the snippet.')).toBe('Add the snippet.');
	});
});

describe('rowChange', () => {
	test('a breakdown row’s change is the headline’s, from its main metric then', () => {
		expect(
			rowChange({ value: 'a', visitors: 15, previous: { visitors: 10 }, change: 0.5 }, 'visitors')
		).toEqual({
			text: '+50%',
			direction: 'up',
			label: 'up 50% from 10 in the previous period'
		});
		expect(rowChange({ path: '/b', exits: 2, previous: { exits: 3 } }, 'exits')).toMatchObject({
			text: '−33%',
			label: 'down 33% from 3 in the previous period'
		});
	});

	test('a row absent before is new', () => {
		expect(rowChange({ name: 'signup', count: 3, previous: { count: 0 } }, 'count')).toEqual({
			text: 'new',
			direction: 'up',
			label: 'none in the previous period'
		});
	});

	test('a row not compared, or whose number is not known, has none', () => {
		expect(rowChange({ value: '(other)', visitors: 4 }, 'visitors')).toBeUndefined();
		expect(
			rowChange({ value: 'x', visitors: null, previous: { visitors: null } }, 'visitors')
		).toBeUndefined();
	});
});
