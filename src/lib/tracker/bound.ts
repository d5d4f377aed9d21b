/**
 * Keeping the outbox bounded. When more records wait than the limit allows, the
 * oldest heartbeats go first (they matter least: engaged time is a sum that loses
 * a little), then the oldest returns (pageviews of a page gone back to, counted
 * nowhere but the one that opens its visitor's day), then the oldest pageviews and events that are no first of anything (each
 * one pageview or event), then the first ones, on which sessions, visitors, pages' and
 * events' visitors and goals' conversions are counted (an outside review: with the first
 * views and events gone, a 3-page session read as 1 page and a goal had conversions but
 * no converting session), milestones last (three a session at most, and a dropped one
 * turns a session kept whole into a bounce; their ids, derived from the session's, sort
 * as old as it, and an outside review saw them go first); what was dropped is counted in
 * one `dropped` record that replaces any earlier undelivered one, so loss is visible.
 */
import type { RecordType } from '../records.ts';

/** The default outbox limit, in records. */
export const DEFAULT_MAX_OUTBOX = 5000;

/** What the bounding needs to know about a waiting record. */
export interface OutboxEntry {
	id: string;
	type: RecordType;
	/** The count of a `dropped` record. */
	count?: number;
	/** A pageview of a page gone back to (`revisit`). */
	revisit?: boolean;
	/** A pageview or event flagged first of anything (session, day, path, visitor), or a return that opens its visitor's day. */
	first?: boolean;
}

/** The order records go in, lowest first (oldest first within each). */
function rank(e: OutboxEntry): number {
	if (e.type === 'heartbeat') return 0;
	if (e.type === 'milestone') return 4;
	return e.first ? 3 : e.revisit ? 1 : 2;
}

/** Which records to remove and the count the replacing `dropped` record carries. */
export interface BoundPlan {
	drop: string[];
	dropped: number;
}

/**
 * Plans how to bring `entries` (oldest first, as UUIDv7 ids sort) within `max`
 * records, one of which will be the new `dropped` record.
 *
 * @returns `undefined` when nothing needs dropping.
 */
export function planBound(entries: readonly OutboxEntry[], max: number): BoundPlan | undefined {
	if (entries.length <= max) return undefined;
	const earlier = entries.filter((e) => e.type === 'dropped');
	// A stable sort: oldest first within each rank.
	const candidates = entries.filter((e) => e.type !== 'dropped').sort((a, b) => rank(a) - rank(b));
	// Earlier `dropped` records are folded into the new one, which takes one slot.
	const excess = entries.length - earlier.length + 1 - max;
	const victims = candidates.slice(0, Math.max(0, excess));
	return {
		drop: [...earlier, ...victims].map((e) => e.id),
		dropped: earlier.reduce((sum, e) => sum + (e.count ?? 0), 0) + victims.length
	};
}
