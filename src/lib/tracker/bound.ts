/**
 * Keeping the outbox bounded. When more records wait than the limit allows, the
 * oldest heartbeats go first (they matter least: engaged time is a sum that loses
 * a little), then the oldest pageviews and events, milestones last (three a session at
 * most, and a dropped one turns a session kept whole into a bounce; their ids, derived
 * from the session's, sort as old as it, and an outside review saw them go first); what
 * was dropped is counted in one `dropped` record that replaces any earlier undelivered
 * one, so loss is visible.
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
	const candidates = [
		...entries.filter((e) => e.type === 'heartbeat'),
		...entries.filter((e) => e.type === 'pageview' || e.type === 'event'),
		...entries.filter((e) => e.type === 'milestone')
	];
	// Earlier `dropped` records are folded into the new one, which takes one slot.
	const excess = entries.length - earlier.length + 1 - max;
	const victims = candidates.slice(0, Math.max(0, excess));
	return {
		drop: [...earlier, ...victims].map((e) => e.id),
		dropped: earlier.reduce((sum, e) => sum + (e.count ?? 0), 0) + victims.length
	};
}
