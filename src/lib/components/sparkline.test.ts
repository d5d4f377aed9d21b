import { describe, expect, test } from 'vitest';
import { sparkline, type SparkPoint } from './sparkline';
import { periods } from '$lib/stats/periods';

/** Hours of 2026-11-21 in UTC, with these visitors. */
function hours(...visitors: number[]): SparkPoint[] {
	return visitors.map((v, h) => {
		const hh = String(h).padStart(2, '0');
		return { period: `2026-11-21T${hh}:00`, start: `2026-11-21T${hh}:00:00.000Z`, visitors: v };
	});
}

describe('a sparkline of visitors by hour', () => {
	const at = (h: number, m = 30) => Date.UTC(2026, 10, 21, h, m);

	test('draws the hours so far across the day’s width, the busiest at the top', () => {
		// Five hours in a 40 × 10 box: 10 units apart; it is 02:30, so three are drawn.
		expect(sparkline(hours(0, 4, 2, 9, 9), at(2), 40, 10)).toEqual({
			path: 'M0 9L10 1L20 5',
			label:
				'Visitors by hour today, 00:00 to 02:00: 4 at 01:00, 2 at 02:00, none in the other hours.'
		});
	});

	test('an hour begins at its first instant', () => {
		expect(sparkline(hours(1, 1), at(1, 0), 10, 10).label).toBe(
			'Visitors by hour today, 00:00 to 01:00: 1 at 00:00, 1 at 01:00.'
		);
	});

	test('a day without visitors is a line along the bottom, and says none', () => {
		expect(sparkline(hours(0, 0, 0), at(1), 20, 10)).toEqual({
			path: 'M0 9L10 9',
			label: 'Visitors by hour today: none from 00:00 to 01:00.'
		});
	});

	test('before the first hour begins there is no line', () => {
		expect(sparkline(hours(0, 0), Date.UTC(2026, 10, 20, 23), 20, 10)).toEqual({
			path: '',
			label: 'Visitors by hour today: no hour has begun yet.'
		});
	});

	test('counts are written as the dashboard writes them, and positions to a tenth', () => {
		expect(sparkline(hours(1234, 0, 0, 100), at(3), 10, 10)).toEqual({
			path: 'M0 1L3.3 9L6.7 9L10 8.4',
			label:
				'Visitors by hour today, 00:00 to 03:00: 1,234 at 00:00, 100 at 03:00, none in the other hours.'
		});
	});

	test('the hour a clock going back repeats is told apart by its offset', () => {
		const day = periods({ from: '2026-11-01', to: '2026-11-01', tz: 'America/New_York' }, 'hour');
		const points = day.map((p, i) => ({
			period: p.label,
			start: new Date(p.start).toISOString(),
			visitors: i === 1 || i === 2 ? 1 : 0
		}));
		expect(sparkline(points, Date.parse('2026-11-01T06:30:00Z'), 24, 10).label).toBe(
			'Visitors by hour today, 00:00 to 01:00 (UTC−5): 1 at 01:00 (UTC−4), 1 at 01:00 (UTC−5), none in the other hours.'
		);
	});
});
