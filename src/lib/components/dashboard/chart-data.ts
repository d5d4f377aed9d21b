/**
 * The chart's series from a range's points: a period that has not begun yet (the rest
 * of today, this month's later days) has no value rather than 0, so the lines stop at
 * the current period instead of falling to zero across the future.
 */
import type uPlot from 'uplot';
import type { TimeseriesPoint } from '$lib/stats/response';
import { dayStartsOnQuarterHour, localDate, offsetAt, startOfDay } from '$lib/stats/time-zone';

/**
 * uPlot's aligned data: start times in seconds, then visitors, then pageviews unless
 * `withPageviews` is false; null where a period starts after `now` (ms).
 * @param monthsIn For points of months, their time zone: each is placed at the start of
 *   its month, where the axis ticks, even when the range begins later in it (an outside
 *   re-check: "All time" from the 11th of a month left that month without a label),
 *   unless that day cannot be read in the zone.
 */
export function chartData(
	points: TimeseriesPoint[],
	withPageviews: boolean,
	now: number,
	monthsIn?: string
): uPlot.AlignedData {
	const upTo = <T>(value: (p: TimeseriesPoint) => T) => untilNow(points, now, value);
	const placed = points.map((p) => (monthsIn ? monthStart(p, monthsIn) : Date.parse(p.start)));
	return [
		placed.map((ms) => ms / 1000),
		upTo((p) => p.visitors),
		...(withPageviews ? [upTo((p) => p.pageviews)] : [])
	] as uPlot.AlignedData;
}

/**
 * Where a month's point goes: the start of its month, or its own start when the month's
 * first day cannot be read in the zone (all time from a later day of it: periods.ts
 * `fromFirstReadableDay`), where `startOfDay` throws.
 */
function monthStart(p: TimeseriesPoint, tz: string): number {
	const first = `${p.period}-01`;
	return dayStartsOnQuarterHour(first, tz) ? startOfDay(first, tz) : Date.parse(p.start);
}

/**
 * Each point's `value`, or null where its period starts after `now` (ms): it has not
 * begun, so it has no value yet (the chart's lines and the sites list's sparklines stop
 * at the current period).
 */
export function untilNow<P extends Pick<TimeseriesPoint, 'start'>, T>(
	points: readonly P[],
	now: number,
	value: (p: P) => T
): (T | null)[] {
	return points.map((p) => (Date.parse(p.start) > now ? null : value(p)));
}

const DAY_S = 86_400;
/** uPlot's month and year steps (30 and 365 days), which it lays on calendar months and years. */
const MONTH_STEPS = [30, 60, 90, 120, 180, 365, 730, 1825].map((days) => days * DAY_S);

/**
 * The time axis's tick steps (seconds) for points of `interval`: none finer than a point,
 * so a chart of days ticks on days, not at 8 am and 4 pm of each (an outside new-user
 * review); undefined for hours, whose steps are uPlot's own.
 */
export function timeSteps(interval: 'hour' | 'day' | 'month'): number[] | undefined {
	if (interval === 'hour') return undefined;
	const days = interval === 'day' ? [1, 2, 3, 4, 5, 7, 10, 15].map((d) => d * DAY_S) : [];
	return [...days, ...MONTH_STEPS];
}

/**
 * The time axis's labels for ticks at `splits` (seconds) `step` seconds apart, in the
 * page's own formats, 24-hour times and ISO dates (an outside review found uPlot's
 * "12am" and "12/6/26" beside them): times with the date under the first tick and
 * under the first of each new day; dates for steps of days; months for steps of months.
 */
export function timeLabels(splits: number[], step: number, timeZone: string): string[] {
	let shown = '';
	return splits.map((s) => {
		const ms = s * 1000;
		const date = localDate(ms, timeZone);
		if (step >= MONTH_STEPS[0]) return date.slice(0, 7);
		if (step >= DAY_S) return date;
		const time = new Date(ms + offsetAt(ms, timeZone)).toISOString().slice(11, 16);
		const label = date === shown ? time : `${time}\n${date}`;
		shown = date;
		return label;
	});
}
