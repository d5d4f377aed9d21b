import { describe, expect, test } from 'vitest';
import { timeZoneGroups } from './time-zones';

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
