/**
 * Local calendar dates in an IANA time zone, turned into UTC instants. Views key by UTC
 * hour, so a local day in a whole-hour zone is exactly a run of UTC hour buckets.
 */

const HOUR = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
	let f = formatters.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: tz,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		formatters.set(tz, f);
	}
	return f;
}

/** Local wall-clock fields of an instant in a time zone. */
interface WallClock {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

function wallClock(ms: number, tz: string): WallClock {
	const parts: Record<string, number> = {};
	for (const part of formatter(tz).formatToParts(new Date(ms))) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return {
		year: parts.year,
		month: parts.month,
		day: parts.day,
		hour: parts.hour,
		minute: parts.minute,
		second: parts.second
	};
}

/** Offset of a time zone from UTC at an instant, in ms (UTC+01:00 → 3 600 000). */
export function offsetAt(ms: number, tz: string): number {
	const whole = Math.floor(ms / 1000) * 1000;
	const w = wallClock(whole, tz);
	return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/** The local date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(ms: number, tz: string): string {
	const w = wallClock(ms, tz);
	return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)}`;
}

/** The local hour label (`YYYY-MM-DDTHH:00`) of an instant in a time zone. */
export function localHour(ms: number, tz: string): string {
	const w = wallClock(ms, tz);
	return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:00`;
}

/** `date` plus `days` calendar days (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to`, both included (`2026-11-01`..`2026-11-01` is 1). */
export function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(to) - Date.parse(from)) / (24 * HOUR)) + 1;
}

/** Whether `date` is a real calendar date written `YYYY-MM-DD`. */
export function isDate(date: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
	const ms = Date.parse(date + 'T00:00:00Z');
	return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/**
 * The first instant of local date `date` in `tz` (local midnight, or the first
 * existing instant when a daylight-saving jump skips midnight).
 * @throws {RangeError} when the day does not start on a whole UTC hour, i.e. the
 *   zone's offset then is not a whole number of hours (e.g. Asia/Kolkata, +05:30).
 */
export function startOfDay(date: string, tz: string): number {
	const [y, m, d] = date.split('-').map(Number);
	const utcMidnight = Date.UTC(y, m - 1, d);
	let t = utcMidnight - offsetAt(utcMidnight, tz);
	if (localDate(t, tz) !== date || localDate(t - 1000, tz) === date) {
		// A DST change between UTC midnight and local midnight: search second by
		// second would be exact, but day starts in every zone fall on whole minutes.
		t = utcMidnight - 14 * HOUR;
		while (localDate(t, tz) !== date) t += 60_000;
	}
	if (t % HOUR !== 0) {
		const offset = offsetAt(t, tz) / 60_000;
		throw new RangeError(
			`time zone ${tz} is at UTC${formatOffset(offset)} on ${date}, not a whole number of hours`
		);
	}
	return t;
}

function formatOffset(minutes: number): string {
	const sign = minutes < 0 ? '−' : '+';
	const abs = Math.abs(minutes);
	return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number): string {
	return String(n).padStart(2, '0');
}
