/**
 * A date range in a time zone, as UTC instants, split into the periods of a time
 * series (local hours, days or months), and the previous period to compare with.
 */
import { cover, mergeSegments, type Segment } from './buckets';
import {
	addDays,
	addMonths,
	dayStartsOnQuarterHour,
	daysBetween,
	firstOfNextMonth,
	formatOffset,
	isMonthEnd,
	localTime,
	offsetAt,
	offsetName,
	startOfDay
} from './time-zone';

/** Time-series resolution. */
export type Interval = 'hour' | 'day' | 'month';

/** A local date range (`from` and `to` included) in a time zone. */
export interface DateRange {
	from: string;
	to: string;
	tz: string;
	/**
	 * Why the range starts later than asked, when it does: the days before could not be
	 * read in its time zone ({@link fromFirstReadableDay}).
	 */
	note?: string;
}

/**
 * A range as an answer states it (the session list's, a funnel's): its dates, zone and
 * note, and none of the fields a read may have added to it.
 */
export function answeredRange(range: DateRange): DateRange {
	return {
		from: range.from,
		to: range.to,
		tz: range.tz,
		...(range.note && { note: range.note })
	};
}

/** One point of a time series. */
export interface Period {
	/**
	 * Local label: `2026-11-21T14:00` (a local hour, or the part of one a change of the
	 * clock leaves: `2026-04-05T01:30`; with its UTC offset, `2026-11-01T01:00-04:00`, when
	 * the clock goes back and the series holds the label twice), `2026-11-21` or `2026-11`.
	 */
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

/**
 * `range` from its first day that starts on a UTC quarter hour, as stats are kept (only
 * the local mean times and odd offsets of the past fail: Pacific/Kiritimati was at
 * UTC−10:40 until 1979, Africa/Monrovia at UTC−00:44:30 until 1972), with a `note` saying
 * so when that is not its first day. Days are bisected: a zone's offsets are whole
 * quarter hours from some day on. When no day of it can be read, the range is empty: it
 * starts the day after `to`.
 */
export function fromFirstReadableDay(range: DateRange): DateRange {
	const readable = (date: string) => dayStartsOnQuarterHour(date, range.tz);
	if (readable(range.from)) return range;
	// Days after `from` up to the first readable one: in (0, days].
	let before = 0;
	let after = daysBetween(range.from, range.to);
	while (after - before > 1) {
		const mid = Math.floor((before + after) / 2);
		if (readable(addDays(range.from, mid))) after = mid;
		else before = mid;
	}
	const from = addDays(range.from, after);
	// The offset at noon UTC of the first day (zones that were at such offsets kept them for years).
	const offset = formatOffset(offsetAt(Date.parse(`${range.from}T12:00:00Z`), range.tz));
	return {
		...range,
		from,
		note: `Days before ${from} are left out: time zone ${range.tz} was then at UTC${offset}, not a whole number of quarter hours, and stats are kept by UTC quarter hour.`
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
 * @throws {RangeError} as {@link startOfDay} does, and for an hour that does not start
 *   on a UTC quarter hour.
 */
export function periods(range: DateRange, interval: Interval): Period[] {
	const out: Period[] = [];
	if (interval === 'hour') return hours(range);
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

const SECOND = 1000;
const QUARTER = 900_000;
const HOUR = 3_600_000;

/**
 * The local hours of a range, as the wall clock reads them: each period starts where the
 * clock shows a whole hour, or where the zone's offset changes, and ends at the next such
 * instant or the range's end. So a change by a part of an hour (Australia/Lord_Howe's
 * 30 minutes, Pacific/Chatham's at 02:45) leaves a period of its own length, labelled by
 * the local time it starts at (`01:30`), and a range's hours hold exactly its days. A
 * label the series holds twice (the hour a clock going back repeats) carries its UTC
 * offset.
 * @throws {RangeError} as {@link startOfDay} does, and for a period that does not start
 *   on a UTC quarter hour (only offsets of the distant past).
 */
function hours(range: DateRange): Period[] {
	const { tz } = range;
	const { start, end } = rangeBounds(range);
	const out: (Period & { offset: number })[] = [];
	// One offset reading an hour: the offset at each period's end is the next one's.
	let offset = offsetAt(start, tz);
	for (let t = start; t < end;) {
		const local = t + offset;
		// The next whole hour on the clock, while the offset holds.
		let next = Math.min(end, local - (((local % HOUR) + HOUR) % HOUR) + HOUR - offset);
		let after = offsetAt(next, tz);
		if (after !== offset) {
			next = changeOf(t, next, offset, tz);
			after = offsetAt(next, tz);
		}
		if (next % QUARTER !== 0) {
			throw new RangeError(
				`time zone ${tz} is at UTC${formatOffset(after)} on ${localTime(next, tz, after).slice(0, 10)}, not a whole number of quarter hours`
			);
		}
		out.push({ label: localTime(t, tz, offset), start: t, end: next, offset });
		t = next;
		offset = after;
	}
	const seen = new Map<string, number>();
	for (const p of out) seen.set(p.label, (seen.get(p.label) ?? 0) + 1);
	return out.map(({ label, start, end, offset }) => ({
		label: seen.get(label)! > 1 ? label + isoOffset(offset) : label,
		start,
		end
	}));
}

/**
 * The first instant in `(after, by]` at which `tz`'s offset is no longer `offset`: a
 * bisection to the second (offsets change on whole seconds), given that it has changed by `by`.
 */
function changeOf(after: number, by: number, offset: number, tz: string): number {
	let before = Math.floor(after / SECOND);
	let changed = Math.ceil(by / SECOND);
	while (changed - before > 1) {
		const mid = Math.floor((before + changed) / 2);
		if (offsetAt(mid * SECOND, tz) === offset) before = mid;
		else changed = mid;
	}
	return changed * SECOND;
}

/** An offset as ISO 8601 writes it after a local time: `-04:00`, `+05:45`. */
function isoOffset(ms: number): string {
	return formatOffset(ms).replace('−', '-');
}

/**
 * A period's label as the pages show it: `2026-11-21 14:00`, with the offset of an hour
 * the clock repeats, `2026-11-01 01:00 (UTC−4)`; days and months as they are. The chart's
 * table, the sites list's sparkline and the exports' `period` (which keeps the ISO form,
 * `2026-11-01T01:00-04:00`) so tell the two hours apart.
 * @param withDate Whether to keep the date (false: `01:00 (UTC−4)`, for a day's hours).
 */
export function periodText(label: string, withDate = true): string {
	const match = /^(.+)T(\d{2}:\d{2})(?:([+-])(\d{2}):(\d{2}))?$/.exec(label);
	if (!match) return label;
	const [, date, time, sign, hours, minutes] = match;
	const offset = sign
		? ` (${offsetName((sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000)})`
		: '';
	return `${withDate ? `${date} ` : ''}${time}${offset}`;
}

/**
 * How a range's previous period is found ({@link previousRange}): `days`, the same number
 * of days just before; `month`, the same days of the month before (a whole month: the
 * whole month before); `year`, the same dates a year earlier.
 */
export type Comparison = 'days' | 'month' | 'year';

/** The comparisons, as the Stats API's `compare` names them. */
export const COMPARISONS: readonly Comparison[] = ['days', 'month', 'year'];

/** The comparison of a range none is asked for: the same number of days just before. */
export const DEFAULT_COMPARISON: Comparison = 'days';

/**
 * The period `range` is compared with, by `compare` ({@link DEFAULT_COMPARISON}): the same
 * number of days just before it; or its dates moved back by the fewest whole months
 * (`month`) or years (`year`) that end it before `range` starts, each day kept, or the
 * last day of its month when that month is shorter (Mar 15 to 30 → Feb 15 to 28); under
 * `month` an end on its month's last day ends on the last day of the month it moves to,
 * so a whole month compares with the whole month before (November with October, all 31
 * days). A start the month has not (Mar 29, 30 or 31 in February, Feb 29 a year back)
 * keeps the range's number of days, as GA4 keeps a compared period's length: it starts on
 * that month's last day (Mar 30 to Apr 2 → Feb 28 to Mar 3, not Feb 28 to Mar 2), or
 * under `month` a range ending on its month's last day ends on the month's last day
 * (Mar 29 to 31 → Feb 26 to 28, not Feb 28 alone); a month long, so that it would reach
 * the range, it keeps the same days instead (Mar 30 to Apr 29 → Feb 28 to Mar 29). Ranges
 * are local dates: a clock change in either is no matter here.
 */
export function previousRange(
	range: DateRange,
	compare: Comparison = DEFAULT_COMPARISON
): DateRange {
	const { from, to, tz } = range;
	const days = daysBetween(from, to);
	if (compare === 'month' || compare === 'year') {
		const unit = compare === 'month' ? 1 : 12;
		const toMonthEnd = compare === 'month' && isMonthEnd(to);
		for (let back = unit; ; back += unit) {
			const start = addMonths(from, -back);
			const end = toMonthEnd ? addDays(addMonths(addDays(to, 1), -back), -1) : addMonths(to, -back);
			// A start the month has not: the range's number of days, from the month's last
			// day or (a range ending on its month's last day) up to it, when that ends in time.
			if (start.slice(8) !== from.slice(8)) {
				const kept = toMonthEnd
					? { from: addDays(end, 1 - days), to: end }
					: { from: start, to: addDays(start, days - 1) };
				if (kept.to < from) return { ...kept, tz };
			}
			if (end < from) return { from: start, to: end, tz };
		}
	}
	return { from: addDays(from, -days), to: addDays(from, -1), tz };
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
