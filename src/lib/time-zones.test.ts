import { describe, expect, test } from 'vitest';
import { offeredZone, timeZoneGroups, type ZoneGroup } from './time-zones';

describe('the time-zone list', () => {
	const groups = timeZoneGroups(Date.UTC(2026, 10, 21, 12));
	const zones = groups.flatMap((g) => g.zones);

	test('holds every zone Intl lists, under today’s names, plus UTC first', () => {
		expect(groups[0]).toEqual({ region: 'UTC', zones: [{ id: 'UTC', label: 'UTC (UTC)' }] });
		expect(zones.length).toBe(Intl.supportedValuesOf('timeZone').length + 1);
		const ids = new Set(zones.map((z) => z.id));
		for (const tz of ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns']) {
			expect(ids.has(tz), tz).toBe(true);
		}
		expect(ids.has('Asia/Calcutta')).toBe(false);
	});

	test('labels each zone with its offset at the time given, in its region', () => {
		const label = (id: string) => zones.find((z) => z.id === id)?.label;
		expect(label('Asia/Kolkata')).toBe('Asia/Kolkata (UTC+05:30)');
		expect(label('Asia/Kathmandu')).toBe('Asia/Kathmandu (UTC+05:45)');
		expect(label('Australia/Adelaide')).toBe('Australia/Adelaide (UTC+10:30)');
		expect(label('America/St_Johns')).toBe('America/St_Johns (UTC−03:30)');
		expect(groups.find((g) => g.region === 'Asia')?.zones).toContainEqual({
			id: 'Asia/Kolkata',
			label: 'Asia/Kolkata (UTC+05:30)'
		});
	});
});

describe('the time-zone list through a day', () => {
	const label = (now: number, id: string) =>
		timeZoneGroups(now)
			.flatMap((g) => g.zones)
			.find((z) => z.id === id)?.label;

	test('is made once a UTC quarter hour and shared within it', () => {
		const quarter = Date.UTC(2026, 10, 21, 12, 15);
		const first = timeZoneGroups(quarter + 1_000);
		expect(timeZoneGroups(quarter + 899_999)).toBe(first);
		expect(timeZoneGroups(quarter + 900_000)).not.toBe(first);
		expect(timeZoneGroups(quarter - 1)).not.toBe(first);
	});

	test.each([
		// New York's clocks go forward at 07:00 UTC, Lord Howe's by half an hour at 15:30 UTC.
		['America/New_York', Date.UTC(2026, 2, 8, 7), 'UTC−05:00', 'UTC−04:00'],
		['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30), 'UTC+10:30', 'UTC+11:00']
	])('labels %s by its offset on each side of a change', (id, change, before, after) => {
		expect(label(change - 1, id)).toBe(`${id} (${before})`);
		expect(label(change, id)).toBe(`${id} (${after})`);
		expect(label(change + 899_999, id)).toBe(`${id} (${after})`);
	});
});

describe('the offered zone of a browser’s zone', () => {
	const groups = timeZoneGroups(Date.UTC(2026, 10, 21, 12));
	const old: ZoneGroup[] = [{ region: 'Asia', zones: [{ id: 'Asia/Calcutta', label: 'x' }] }];

	test.each([
		['Europe/Berlin', 'Europe/Berlin', groups],
		['UTC', 'UTC', groups],
		// Chromium's name for it; the list holds today's.
		['Asia/Calcutta', 'Asia/Kolkata', groups],
		['Europe/Kiev', 'Europe/Kyiv', groups],
		// A list made where only the old name is known.
		['Asia/Kolkata', 'Asia/Calcutta', old],
		['Mars/Olympus_Mons', null, groups],
		['', null, groups]
	])('%s is offered as %s', (zone, expected, list) => {
		expect(offeredZone(zone, list)).toBe(expected);
	});
});
