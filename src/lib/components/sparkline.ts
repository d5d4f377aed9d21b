/**
 * A sparkline of visitors by hour, and its words: a line across the day's hours so far
 * (the busiest at the top, none at the bottom) as an SVG path, and a text alternative
 * that says the same numbers. Pure, so the page and its tests agree on both.
 */
import type { TimeseriesPoint } from '$lib/stats/response';
import { untilNow } from './dashboard/chart-data';
import { formatCount } from './dashboard/format';
import { periodText } from '$lib/stats/periods';

/** One hour of the line: its local label (`2026-11-21T14:00`), start and visitors. */
export type SparkPoint = Pick<TimeseriesPoint, 'period' | 'start' | 'visitors'>;

/** What a sparkline draws and says. */
export interface Sparkline {
	/** SVG path data in a `width` × `height` box; empty when no hour has begun. */
	path: string;
	/** The text alternative: the hours so far and their visitors. */
	label: string;
}

/**
 * The sparkline of `points` (a day's hours, in order) as of `now` (ms): hours that have
 * not begun are left out, each hour keeps its place across the whole width, and the line
 * keeps 1 unit off the box's top and bottom edges (its stroke's half).
 */
export function sparkline(
	points: readonly SparkPoint[],
	now: number,
	width: number,
	height: number
): Sparkline {
	const shown = untilNow(points, now, (p) => ({
		hour: periodText(p.period, false),
		visitors: p.visitors ?? 0
	}));
	const hours = shown.filter((h) => h !== null);
	if (!hours.length) return { path: '', label: 'Visitors by hour today: no hour has begun yet.' };
	const most = Math.max(1, ...hours.map((h) => h.visitors));
	const step = width / Math.max(1, points.length - 1);
	const round = (n: number) => Math.round(n * 10) / 10;
	const path = hours
		.map((h, i) => {
			const y = height - 1 - (h.visitors / most) * (height - 2);
			return `${i ? 'L' : 'M'}${round(i * step)} ${round(y)}`;
		})
		.join('');
	const span = `${hours[0].hour} to ${hours[hours.length - 1].hour}`;
	const busy = hours.filter((h) => h.visitors > 0);
	if (!busy.length) return { path, label: `Visitors by hour today: none from ${span}.` };
	const each = busy.map((h) => `${formatCount(h.visitors)} at ${h.hour}`).join(', ');
	const rest = busy.length < hours.length ? ', none in the other hours' : '';
	return { path, label: `Visitors by hour today, ${span}: ${each}${rest}.` };
}
