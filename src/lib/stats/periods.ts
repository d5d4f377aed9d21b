/**
 * A date range in a time zone, as UTC instants, split into the periods of a time
 * series (local hours, days or months), and the previous period to compare with.
 */
import { cover, mergeSegments, type Segment } from './buckets';
import { addDays, daysBetween, firstOfNextMonth, localHour, startOfDay } from './time-zone';

/** Time-series resolution. */
export type Interval = 'hour' | 'day' | 'month';

/** A local date range (`from` and `to` included) in a time zone. */
export interface DateRange {
	from: string;
	to: string;
	tz: string;
}

/** One point of a time series. */
export interface Period {
	/** Local label: `2026-11-21T14:00`, `2026-11-21` or `2026-11`. */
	label: string;
	/** First instant (UTC ms). */
	start: number;
	/** First instant after the period (UTC ms). */
	end: number;
}

/**
 * The UTC instants a local date range spans: `[start of from, start of the day after to)`.
 * @throws {RangeError} as {@link startOfDay} does for offsets that are not whole quarter hours.
 */
export function rangeBounds(range: DateRange): { start: number; end: number } {
	return {
		start: startOfDay(range.from, range.tz),
		end: startOfDay(addDays(range.to, 1), range.tz)
	};
}

/** The default time-series resolution: hours up to 2 days, days up to 92 days, then months. */
export function defaultInterval(range: DateRange): Interval {
	const days = daysBetween(range.from, range.to);
	if (days <= 2) return 'hour';
	if (days <= 92) return 'day';
	return 'month';
}

/**
 * The periods of a time series over a range, in the range's time zone.
 * @throws {RangeError} as {@link startOfDay} does.
 */
export function periods(range: DateRange, interval: Interval): Period[] {
	const out: Period[] = [];
	if (interval === 'hour') {
		const { start, end } = rangeBounds(range);
		for (let t = start; t < end; t += 3_600_000) {
			out.push({ label: localHour(t, range.tz), start: t, end: t + 3_600_000 });
		}
		return out;
	}
	// Dates are walked by count, never by comparing strings: a range ending on
	// 9999-12-31 must not step on into the expanded year +010000.
	const days = daysBetween(range.from, range.to);
	if (interval === 'day') {
		let start = startOfDay(range.from, range.tz);
		for (let i = 0, date = range.from; i < days; i++, date = addDays(date, 1)) {
			const end = startOfDay(addDays(date, 1), range.tz);
			out.push({ label: date, start, end });
			start = end;
		}
		return out;
	}
	for (let date = range.from, left = days; left > 0;) {
		const next = firstOfNextMonth(date);
		const length = Math.min(left, daysBetween(date, next) - 1);
		out.push({
			label: date.slice(0, -3),
			start: startOfDay(date, range.tz),
			end: startOfDay(addDays(date, length), range.tz)
		});
		left -= length;
		date = next;
	}
	return out;
}

/** The range of the same length just before `range` (for the previous-period comparison). */
export function previousRange(range: DateRange): DateRange {
	const days = daysBetween(range.from, range.to);
	return { from: addDays(range.from, -days), to: addDays(range.from, -1), tz: range.tz };
}

/** The fewest view queries that read every period's buckets (in time order). */
export function segmentsFor(list: Period[]): Segment[] {
	return mergeSegments(list.flatMap((p) => cover(p.start, p.end)));
}

/** Index of the period holding instant `t`, or -1 (periods sorted and contiguous). */
export function periodIndex(list: Period[], t: number): number {
	let lo = 0;
	let hi = list.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (t < list[mid].start) hi = mid - 1;
		else if (t >= list[mid].end) lo = mid + 1;
		else return mid;
	}
	return -1;
}
