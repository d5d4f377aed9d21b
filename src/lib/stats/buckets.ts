/**
 * UTC time buckets as the views key them — quarter hour `2026-11-21T14:45`, hour
 * `2026-11-21T14`, day `2026-11-21`, month `2026-11` — and the cover of a time range by
 * the fewest buckets.
 *
 * Quarter hours exist for the zones whose days do not start on a whole UTC hour
 * (Asia/Kolkata +05:30, Asia/Kathmandu +05:45, Australia/Adelaide, America/St_Johns):
 * a cover uses them only between a range's end and the nearest whole hour, so a
 * whole-hour range reads exactly the buckets it read before they existed.
 */
import { utcInstant } from './time-zone';

/** Bucket granularity as the views emit it: quarter hour, hour, day, month. */
export type Granularity = 'q' | 'h' | 'd' | 'm';

/** Every granularity, finest first: what each time-bucketed view emits per record. */
export const GRANULARITIES: readonly Granularity[] = ['q', 'h', 'd', 'm'];

const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The key of the bucket holding instant `ms`. */
export function bucketKey(g: Granularity, ms: number): string {
	if (g === 'q') {
		// `%` keeps the dividend's sign: instants before 1970 are negative.
		return new Date(ms - (((ms % QUARTER) + QUARTER) % QUARTER)).toISOString().slice(0, 16);
	}
	const iso = new Date(ms).toISOString();
	return iso.slice(0, g === 'h' ? 13 : g === 'd' ? 10 : 7);
}

/** The first instant of a bucket. */
export function bucketStart(g: Granularity, key: string): number {
	const year = Number(key.slice(0, 4));
	const month = Number(key.slice(5, 7));
	if (g === 'm') return utcInstant(year, month, 1);
	const day = Number(key.slice(8, 10));
	if (g === 'd') return utcInstant(year, month, day);
	const hour = utcInstant(year, month, day, Number(key.slice(11, 13)));
	return g === 'q' ? hour + Number(key.slice(14, 16)) * 60_000 : hour;
}

/** The first instant after a bucket. */
export function bucketEnd(g: Granularity, key: string): number {
	const start = bucketStart(g, key);
	if (g === 'q') return start + QUARTER;
	if (g === 'h') return start + HOUR;
	if (g === 'd') return start + DAY;
	const d = new Date(start);
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
 * boundary, whole months, then days, hours and quarter hours. So at most 3 quarter
 * hours lie at each end, and none when both ends are on whole hours. Consecutive
 * buckets of one granularity merge into one {@link Segment}.
 * @param start Instant on a UTC quarter hour (:00, :15, :30, :45).
 * @param end Instant on a UTC quarter hour, ≥ start.
 * @throws {RangeError} when either end is not on a quarter hour, or the range leaves
 *   the years 0000–9999.
 */
export function cover(start: number, end: number): Segment[] {
	if (start % QUARTER !== 0 || end % QUARTER !== 0) {
		throw new RangeError('a range must start and end on UTC quarter hours');
	}
	const segments: Segment[] = [];
	let t = start;
	while (t < end) {
		const g = largestBucketAt(t, end);
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

function largestBucketAt(t: number, end: number): Granularity {
	const d = new Date(t);
	if (t % DAY === 0) {
		if (d.getUTCDate() === 1 && utcInstant(d.getUTCFullYear(), d.getUTCMonth() + 2, 1) <= end) {
			return 'm';
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
