/**
 * The chart's series from a range's points: a period that has not begun yet (the rest
 * of today, this month's later days) has no value rather than 0, so the lines stop at
 * the current period instead of falling to zero across the future.
 */
import type uPlot from 'uplot';
import type { TimeseriesPoint } from '$lib/stats/response';
import {
	addDays,
	daysBetween,
	dayStartsOnQuarterHour,
	firstOfNextMonth,
	localDate,
	offsetAt,
	startOfDay
} from '$lib/stats/time-zone';

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

const HOUR_S = 3_600;
const DAY_S = 86_400;
const QUARTER_S = 900;
/** uPlot's month and year steps (30 and 365 days), which it lays on calendar months and years. */
const MONTH_STEPS = [30, 60, 90, 120, 180, 365, 730, 1825].map((days) => days * DAY_S);
const DAY_STEPS = [1, 2, 3, 4, 5, 7, 10, 15].map((days) => days * DAY_S);
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12].map((hours) => hours * HOUR_S);

/**
 * The time axis's tick steps (seconds) for points of `interval`: none finer than a point,
 * so a chart of days ticks on days, not at 8 am and 4 pm of each (an outside new-user
 * review); for hours, whole hours up to half a day, then days.
 */
export function timeSteps(interval: 'hour' | 'day' | 'month'): number[] {
	const hours = interval === 'hour' ? HOUR_STEPS : [];
	const days = interval === 'month' ? [] : DAY_STEPS;
	return [...hours, ...days, ...MONTH_STEPS];
}

/**
 * The time axis's ticks (seconds) from `min` to `max`, `step` seconds (one of
 * {@link timeSteps}) apart on the clock of `timeZone`: local whole hours that are
 * multiples of the step (00:00, 03:00, …), local midnights every so many days, or the
 * first days of months. uPlot's own ticks add the step in seconds from the first, so
 * after a change of offset by half an hour (Australia/Lord_Howe) they fell on 03:30 and
 * 00:30, beside the points; these are read from the zone at each tick. A day that does
 * not start on a quarter hour (periods.ts cannot read it) has no tick.
 */
export function timeSplits(min: number, max: number, step: number, timeZone: string): number[] {
	if (step < DAY_S) return hourSplits(min, max, step / HOUR_S, timeZone);
	const out: number[] = [];
	const tick = (date: string) => {
		if (!dayStartsOnQuarterHour(date, timeZone)) return;
		const s = startOfDay(date, timeZone) / 1000;
		if (s >= min && s <= max) out.push(s);
	};
	// Dates are walked while not past the last, by count, never by comparing strings
	// (periods.ts: past 9999 they are written +010000-01-01).
	const last = localDate(max * 1000, timeZone);
	const upTo = (date: string) => daysBetween(date, last) > 0;
	let date = localDate(min * 1000, timeZone);
	if (step < MONTH_STEPS[0]) {
		for (; upTo(date); date = addDays(date, step / DAY_S)) tick(date);
		return out;
	}
	// Every so many months from the first month start in range; years from a 1 January.
	const years = Math.round(step / (365 * DAY_S));
	const months = years ? years * 12 : Math.round(step / (30 * DAY_S));
	if (!date.endsWith('-01')) date = firstOfNextMonth(date);
	while (years && !date.endsWith('-01-01')) date = firstOfNextMonth(date);
	for (let n = 0; upTo(date); date = firstOfNextMonth(date), n++) if (n % months === 0) tick(date);
	return out;
}

/**
 * Ticks on the local whole hours that are multiples of `hours`, read at each UTC quarter
 * hour. The zone is asked its offset at each end of a day's span and only within a span
 * whose ends differ at each quarter hour (a zone changes its offset at most once a day):
 * a month of hours asked 2,976 times took 9–38 ms a redraw (review41).
 */
function hourSplits(min: number, max: number, hours: number, timeZone: string): number[] {
	const out: number[] = [];
	const offset = (s: number) => offsetAt(s * 1000, timeZone) / 1000;
	const first = Math.ceil(min / QUARTER_S) * QUARTER_S;
	for (let span = first; span <= max; span += DAY_S) {
		const last = Math.min(span + DAY_S - QUARTER_S, max);
		const start = offset(span);
		const steady = start === offset(last);
		for (let s = span; s <= last; s += QUARTER_S) {
			const local = s + (steady ? start : offset(s));
			if (local % HOUR_S === 0 && ((local / HOUR_S) % 24) % hours === 0) out.push(s);
		}
	}
	return out;
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
