/**
 * UTC time buckets as the views key them — quarter hour `2026-11-21T14:45`, hour
 * `2026-11-21T14`, day `2026-11-21`, week `2026-11-16` (its Monday), month `2026-11`,
 * year `2026` (only the views in {@link granularitiesOf} emit weeks and years) — and the
 * cover of a time range by the fewest buckets.
 *
 * Quarter hours exist for the zones whose days do not start on a whole UTC hour
 * (Asia/Kolkata +05:30, Asia/Kathmandu +05:45, Australia/Adelaide, America/St_Johns):
 * a cover uses them only between a range's end and the nearest whole hour, so a
 * whole-hour range reads exactly the buckets it read before they existed.
 */
import { utcInstant } from './time-zone';

/** Bucket granularity as the views emit it: quarter hour, hour, day, week, month, year. */
export type Granularity = 'q' | 'h' | 'd' | 'w' | 'm' | 'y';

/** The granularities every time-bucketed view emits per record, finest first. */
export const GRANULARITIES: readonly Granularity[] = ['q', 'h', 'd', 'm'];

/** {@link GRANULARITIES} with weeks and years, finest first. */
const WITH_WEEKS_AND_YEARS: readonly Granularity[] = ['q', 'h', 'd', 'w', 'm', 'y'];

/**
 * The views that emit weeks and years too: those whose buckets hold many keys. A range
 * of days that is not whole months reads one bucket a day, and on a busy site every day
 * holds most of the same keys: 30 days of 1M records read 12,146 `journeys` rows for 405
 * page pairs, and 600 `pages` rows for 20 pages. Weeks cut a 30-day range to about 12
 * buckets. Years do the same for a long history: "all time" over 8 years of a site read
 * 10,099 rows, one bucket a month (99 months), where years read 8 buckets and the months
 * of the current year. Each costs one more row per record and key these views emit. The
 * others (`metrics`, `visitors`, `not-found`, `dropped`, `paths`) hold one or few keys a
 * bucket and do without.
 */
const MANY_KEYS_VIEWS: ReadonlySet<string> = new Set([
	'pages',
	'dimensions',
	'events',
	'event-props',
	'scroll',
	'journeys'
]);

/** What a time-bucketed view emits per record, finest first, and its reads cover with. */
export function granularitiesOf(view: string): readonly Granularity[] {
	return MANY_KEYS_VIEWS.has(view) ? WITH_WEEKS_AND_YEARS : GRANULARITIES;
}

const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The start of the UTC day holding `ms` (`%` keeps the dividend's sign before 1970). */
const dayOf = (ms: number) => ms - (((ms % DAY) + DAY) % DAY);

/** The key of the bucket holding instant `ms`. */
export function bucketKey(g: Granularity, ms: number): string {
	if (g === 'q') {
		// `%` keeps the dividend's sign: instants before 1970 are negative.
		return new Date(ms - (((ms % QUARTER) + QUARTER) % QUARTER)).toISOString().slice(0, 16);
	}
	if (g === 'w') {
		const day = dayOf(ms);
		// getUTCDay: Sunday 0, so a Monday is 0 days past its week's start.
		const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
		return new Date(monday).toISOString().slice(0, 10);
	}
	return new Date(ms).toISOString().slice(0, KEY_LENGTH[g]);
}

/** How much of an ISO instant names a bucket of the other granularities. */
const KEY_LENGTH = { h: 13, d: 10, m: 7, y: 4 } as const;

/** The first instant of a bucket. */
export function bucketStart(g: Granularity, key: string): number {
	const year = Number(key.slice(0, 4));
	if (g === 'y') return utcInstant(year, 1, 1);
	const month = Number(key.slice(5, 7));
	if (g === 'm') return utcInstant(year, month, 1);
	const day = Number(key.slice(8, 10));
	if (g === 'd' || g === 'w') return utcInstant(year, month, day);
	const hour = utcInstant(year, month, day, Number(key.slice(11, 13)));
	return g === 'q' ? hour + Number(key.slice(14, 16)) * 60_000 : hour;
}

/** The first instant after a bucket. */
export function bucketEnd(g: Granularity, key: string): number {
	const start = bucketStart(g, key);
	if (g === 'q') return start + QUARTER;
	if (g === 'h') return start + HOUR;
	if (g === 'd') return start + DAY;
	if (g === 'w') return start + WEEK;
	const d = new Date(start);
	if (g === 'y') return utcInstant(d.getUTCFullYear() + 1, 1, 1);
	return utcInstant(d.getUTCFullYear(), d.getUTCMonth() + 2, 1);
}

/** A run of consecutive buckets of one granularity: one view query. */
export interface Segment {
	g: Granularity;
	/** Key of the first bucket. */
	first: string;
	/** Key of the last bucket (inclusive). */
	last: string;
	/** Number of buckets in the run. */
	buckets: number;
}

/**
 * Covers `[start, end)` with the fewest whole buckets: quarter hours up to the first
 * hour boundary, hours up to the first day boundary, days up to the first month
 * boundary, whole months (with years: up to the first year boundary, whole years, then
 * months), then days, hours and quarter hours. So at most 3 quarter hours lie at each
 * end, and none when both ends are on whole hours. With weeks, days run only up to a
 * Monday, and whole weeks then stand in for days, except that no week reaches into a
 * month that lies whole in the range (days run up to that month instead).
 * Consecutive buckets of one granularity merge into one {@link Segment}.
 * @param start Instant on a UTC quarter hour (:00, :15, :30, :45).
 * @param end Instant on a UTC quarter hour, ≥ start.
 * @param granularities What the view read emits ({@link granularitiesOf}).
 * @throws {RangeError} when either end is not on a quarter hour, or the range leaves
 *   the years 0000–9999.
 */
export function cover(
	start: number,
	end: number,
	granularities: readonly Granularity[] = GRANULARITIES
): Segment[] {
	const weeks = granularities.includes('w');
	const years = granularities.includes('y');
	if (start % QUARTER !== 0 || end % QUARTER !== 0) {
		throw new RangeError('a range must start and end on UTC quarter hours');
	}
	const segments: Segment[] = [];
	let t = start;
	while (t < end) {
		const g = largestBucketAt(t, end, weeks, years);
		const key = bucketKey(g, t);
		appendBucket(segments, g, key);
		const next = bucketEnd(g, key);
		// Keys have four-digit years: past them a key no longer names its bucket.
		if (!(next > t)) throw new RangeError('a range must lie within the years 0000–9999');
		t = next;
	}
	return segments;
}

/**
 * Merges the covers of consecutive ranges into as few segments as possible (each
 * still one query). Segments must be given in time order.
 */
export function mergeSegments(segments: Segment[]): Segment[] {
	const merged: Segment[] = [];
	for (const segment of segments) {
		const last = merged.at(-1);
		if (
			last &&
			last.g === segment.g &&
			bucketEnd(last.g, last.last) === bucketStart(segment.g, segment.first)
		) {
			last.last = segment.last;
			last.buckets += segment.buckets;
		} else {
			merged.push({ ...segment });
		}
	}
	return merged;
}

function largestBucketAt(t: number, end: number, weeks: boolean, years: boolean): Granularity {
	const d = new Date(t);
	if (t % DAY === 0) {
		const startOfYear = d.getUTCMonth() === 0 && d.getUTCDate() === 1;
		if (years && startOfYear && utcInstant(d.getUTCFullYear() + 1, 1, 1) <= end) return 'y';
		const nextMonth = utcInstant(d.getUTCFullYear(), d.getUTCMonth() + 2, 1);
		if (d.getUTCDate() === 1 && nextMonth <= end) return 'm';
		if (weeks && d.getUTCDay() === 1 && t + WEEK <= end) {
			const monthAfter = utcInstant(d.getUTCFullYear(), d.getUTCMonth() + 3, 1);
			// A week into a month the range holds whole would cost that month its bucket.
			if (t + WEEK <= nextMonth || monthAfter > end) return 'w';
		}
		if (t + DAY <= end) return 'd';
	}
	return t % HOUR === 0 && t + HOUR <= end ? 'h' : 'q';
}

/** Every bucket key of a segment, in order. */
export function segmentKeys(segment: Segment): string[] {
	const keys: string[] = [];
	for (let t = bucketStart(segment.g, segment.first), i = 0; i < segment.buckets; i++) {
		const key = bucketKey(segment.g, t);
		keys.push(key);
		t = bucketEnd(segment.g, key);
	}
	return keys;
}

function appendBucket(segments: Segment[], g: Granularity, key: string) {
	const last = segments.at(-1);
	if (last && last.g === g) {
		last.last = key;
		last.buckets += 1;
	} else {
		segments.push({ g, first: key, last: key, buckets: 1 });
	}
}
