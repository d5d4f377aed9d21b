/**
 * Local calendar dates in an IANA time zone, turned into UTC instants. Views key by UTC
 * quarter hour and coarser, so a local day in any zone of today's world (Asia/Kolkata's
 * +05:30 and Asia/Kathmandu's +05:45 too) is exactly a run of UTC buckets.
 *
 * Offsets are read exactly (to the second, as the zone database has them) and local
 * times are computed from them, so every function here ends in a bounded number of
 * steps for any input: nothing steps through time looking for a match. Dates are
 * proleptic Gregorian `YYYY-MM-DD` for the years 0000–9999 (`Date.UTC` would read the
 * years 0–99 as 1900–1999, so instants are built with `setUTCFullYear`); arithmetic
 * that leaves those years yields ISO 8601's expanded form (`+010000-01-01`), which
 * {@link isDate} refuses.
 */

const SECOND = 1000;
const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * More than the largest offset any zone has had (Asia/Manila, −15:56:08 until 1844),
 * so a local midnight is always within this distance of the same wall time in UTC.
 */
const MAX_OFFSET = 17 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(tz: string): Intl.DateTimeFormat {
	let f = formatters.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
		formatters.set(tz, f);
	}
	return f;
}

/**
 * Offset of a time zone from UTC at an instant, in ms (UTC+01:00 → 3 600 000), exact to
 * the second (local mean times such as Paris's +00:09:21 before 1911 included).
 * @throws {RangeError} for an unknown zone or an instant outside `Date`'s range.
 */
export function offsetAt(ms: number, tz: string): number {
	const name = offsetFormatter(tz)
		.formatToParts(new Date(ms))
		.find((part) => part.type === 'timeZoneName')?.value;
	const match = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name ?? '');
	if (!match) throw new RangeError(`cannot read the offset of time zone ${tz}`);
	if (!match[1]) return 0;
	const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
	return (match[1] === '-' ? -seconds : seconds) * SECOND;
}

/**
 * Whether the local time of instant `ms` in `tz` is one the clock shows twice: in the
 * hour (Australia/Lord_Howe: half hour) a clock going back repeats, at either showing.
 * Read from the offsets six hours either side, which holds for every change of offset
 * by less than that and at most one change in the twelve hours.
 */
export function clockRepeats(ms: number, tz: string): boolean {
	const offset = offsetAt(ms, tz);
	return [ms - 6 * HOUR, ms + 6 * HOUR].some((near) => {
		const other = offsetAt(near, tz);
		// The instant the clock shows the same time at under the other offset.
		return other !== offset && offsetAt(ms + offset - other, tz) === other;
	});
}

/** A calendar date: astronomical year (0 is 1 BC), month 1–12, day 1–31. */
interface CivilDate {
	year: number;
	month: number;
	day: number;
}

/**
 * The UTC instant of a civil date and hour. `Date.UTC` would map the years 0–99 to
 * 1900–1999; `setUTCFullYear` takes the year as given. Out-of-range fields carry over
 * (month 13 is January of the next year).
 */
export function utcInstant(year: number, month: number, day: number, hour = 0): number {
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	date.setUTCHours(hour);
	return date.getTime();
}

function civilOf(ms: number): CivilDate {
	const date = new Date(ms);
	return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function formatDate({ year, month, day }: CivilDate): string {
	const y =
		year >= 0 && year <= 9999
			? String(year).padStart(4, '0')
			: (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
	return `${y}-${pad(month)}-${pad(day)}`;
}

/**
 * Reads `YYYY-MM-DD` (or the expanded `±YYYYYY-MM-DD` this module writes past 9999).
 * @throws {RangeError} for anything else.
 */
function parseDate(date: string): CivilDate {
	const match = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})$/.exec(date);
	if (!match) throw new RangeError(`"${date.slice(0, 40)}" is not a date written YYYY-MM-DD`);
	return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

function dateMs(date: string): number {
	const { year, month, day } = parseDate(date);
	return utcInstant(year, month, day);
}

/** The local date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(ms: number, tz: string): string {
	return formatDate(civilOf(ms + offsetAt(ms, tz)));
}

/**
 * The local date and time to the minute (`YYYY-MM-DDTHH:MM`) of an instant in a time zone.
 * @param offset The zone's offset then ({@link offsetAt}), when the caller has read it.
 */
export function localTime(ms: number, tz: string, offset = offsetAt(ms, tz)): string {
	const local = ms + offset;
	const time = new Date(local);
	return `${formatDate(civilOf(local))}T${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}`;
}

/** `date` plus `days` calendar days (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
	const { year, month, day } = parseDate(date);
	return formatDate(civilOf(utcInstant(year, month, day + days)));
}

/** The first day of the month after `date`'s (`2026-12-14` → `2027-01-01`). */
export function firstOfNextMonth(date: string): string {
	const { year, month } = parseDate(date);
	return formatDate(civilOf(utcInstant(year, month + 1, 1)));
}

/**
 * `date` moved by `months` calendar months, its day kept, or the month's last day when
 * the month is shorter (`2026-03-31`, −1: `2026-02-28`).
 */
export function addMonths(date: string, months: number): string {
	const { year, month, day } = parseDate(date);
	// Day 0 of the month after is the month's last day.
	const last = civilOf(utcInstant(year, month + months + 1, 0)).day;
	return formatDate(civilOf(utcInstant(year, month + months, Math.min(day, last))));
}

/** Whether `date` is the last day of its month (`2026-02-28`, `2026-11-30`). */
export function isMonthEnd(date: string): boolean {
	return addDays(date, 1).endsWith('-01');
}

/** Calendar days from `from` to `to`, both included (`2026-11-01`..`2026-11-01` is 1). */
export function daysBetween(from: string, to: string): number {
	return Math.round((dateMs(to) - dateMs(from)) / DAY) + 1;
}

/** Whether `date` is a real calendar date written `YYYY-MM-DD` (years 0000–9999). */
export function isDate(date: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
	return formatDate(civilOf(dateMs(date))) === date;
}

/**
 * Local midnights computed, by zone and date. Each costs four offset readings through
 * `Intl` (about 25 µs), and every request asks for the same days again: a range's
 * periods, its bounds, the previous period's. A zone's offsets do not change while the
 * process runs, so a remembered day is exact.
 */
const dayStarts = new Map<string, number>();

/** The most days {@link dayStarts} holds before it starts over: two ten-year ranges and the ten years before each. */
export const DAY_STARTS_KEPT = 16_000;

/**
 * The first instant of local date `date` in `tz` (local midnight, or the first
 * existing instant when a daylight-saving jump skips midnight; for a date the zone
 * skipped entirely, the start of the next day it has).
 * @throws {RangeError} when the day does not start on a UTC quarter hour, i.e. the
 *   zone's offset then is not a whole number of quarter hours: only local mean times
 *   before standard time (Asia/Kolkata was +05:21:10 in 1900); every offset in use
 *   since 1980, +05:30 or +05:45 included, is whole quarter hours.
 */
export function startOfDay(date: string, tz: string): number {
	const start = readableDayStart(date, tz);
	if (typeof start === 'number') return start;
	throw new RangeError(
		`time zone ${tz} is at UTC${formatOffset(offsetAt(start.at, tz))} on ${date}, not a whole number of quarter hours`
	);
}

/** Whether {@link startOfDay} can read local date `date` in `tz`: its day starts on a UTC quarter hour. */
export function dayStartsOnQuarterHour(date: string, tz: string): boolean {
	return typeof readableDayStart(date, tz) === 'number';
}

/**
 * The first instant of `date` in `tz`, remembered ({@link dayStarts}), when it is a UTC
 * quarter hour; else where it is. One home for both, so that asking whether a day can be
 * read and then reading it finds the day once.
 */
function readableDayStart(date: string, tz: string): number | { at: number } {
	const key = `${tz} ${date}`;
	const known = dayStarts.get(key);
	if (known !== undefined) return known;
	const start = firstInstantOf(date, tz);
	if (start % QUARTER !== 0) return { at: start };
	if (dayStarts.size >= DAY_STARTS_KEPT) dayStarts.clear();
	dayStarts.set(key, start);
	return start;
}

function firstInstantOf(date: string, tz: string): number {
	const wall = dateMs(date);
	// Whether local time at t has reached the date's midnight.
	const reached = (t: number) => t + offsetAt(t, tz) >= wall;
	// Local midnight under the offset in force then; right unless it changes at midnight.
	let t = wall - offsetAt(wall - offsetAt(wall, tz), tz);
	if (!reached(t) || reached(t - SECOND)) {
		// Bisect to the second: local time at wall − MAX_OFFSET is before the date and at
		// wall + MAX_OFFSET after its start, whatever the offsets in between.
		let before = (wall - MAX_OFFSET) / SECOND;
		let after = (wall + MAX_OFFSET) / SECOND;
		while (after - before > 1) {
			const mid = Math.floor((before + after) / 2);
			if (reached(mid * SECOND)) after = mid;
			else before = mid;
		}
		t = after * SECOND;
	}
	return t;
}

/** An offset as `+05:30`, `−03:30` or `+00:09:21` (seconds only when there are some). */
export function formatOffset(ms: number): string {
	const sign = ms < 0 ? '−' : '+';
	const total = Math.abs(ms) / SECOND;
	const seconds = total % 60;
	const text = `${sign}${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}`;
	return seconds ? `${text}:${pad(seconds)}` : text;
}

/**
 * An offset as a reader is shown it beside a local time: `UTC−4`, `UTC+5:45`, `UTC` (the
 * minus sign, no leading zero, minutes only when there are some).
 */
export function offsetName(ms: number): string {
	if (ms === 0) return 'UTC';
	const [hours, minutes, seconds] = formatOffset(ms).slice(1).split(':');
	const rest = minutes === '00' && !seconds ? '' : `:${minutes}${seconds ? `:${seconds}` : ''}`;
	return `UTC${ms < 0 ? '−' : '+'}${Number(hours)}${rest}`;
}

function pad(n: number): string {
	return String(n).padStart(2, '0');
}
