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
