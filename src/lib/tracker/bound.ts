/**
 * Keeping what waits bounded: the outbox, the page's queue before the outbox is attached
 * and the page's journal (delivery.ts) drop in one order. When more records wait than
 * the limit allows, the oldest heartbeats go first (they matter least: engaged time is a sum that loses
 * a little), then the oldest returns (pageviews of a page gone back to, counted
 * nowhere but the one that opens its visitor's day), then the oldest pageviews and events that are no first of anything (each
 * one pageview or event), then the first ones ({@link FIRSTS}), on which sessions, visitors,
 * pages', sources', hosts' and events' visitors and goals' conversions are counted (an outside review: with the first
 * views and events gone, a 3-page session read as 1 page and a goal had conversions but
 * no converting session), milestones last (three a session at most, and a dropped one
 * turns a session kept whole into a bounce; their ids, derived from the session's, sort
 * as old as it, and an outside review saw them go first); what was dropped is counted in
 * a `dropped` record, so loss is visible (the outbox's replaces any earlier undelivered
 * one).
 */
import type { ClientRecord } from '../records.ts';

/** The default outbox limit, in records. */
export const DEFAULT_MAX_OUTBOX = 5000;

/**
 * The flags on which something is counted first (records.ts): a session, a visitor of the
 * day, of a page, of a source, of a source's page or of a host, a converting session or
 * visitor of an event or of one of its props (a list, absent when empty). A record with
 * one of them goes after those with none (a review: a view first of nothing but its host,
 * a visitor of it, went before a plain view made after it).
 */
const FIRSTS = [
	'entry',
	'firstOfDay',
	'opensDay',
	'firstEver',
	'pathFirstOfDay',
	'srcFirstOfDay',
	'srcPathFirstOfDay',
	'hostFirstOfDay',
	'firstOfSession',
	'propFirstOfSession',
	'propFirstOfDay'
] as const;

/** The order records go in, lowest first (oldest first within each). */
function rank(r: ClientRecord): number {
	const f = r as Partial<Record<(typeof FIRSTS)[number] | 'revisit', unknown>>;
	if (r.type == 'heartbeat') return 0;
	if (r.type == 'milestone') return 4;
	return FIRSTS.some((k) => f[k]) ? 3 : f.revisit ? 1 : 2;
}

/**
 * The records of `records` (oldest first, as UUIDv7 ids sort) in the order they are
 * dropped, first to go first; `dropped` records are none of them (the outbox folds them,
 * the journal keeps them). The outbox's bound and the page's journal (delivery.ts) both
 * drop by it.
 */
export function dropOrder<T extends ClientRecord>(records: readonly T[]): T[] {
	// A stable sort: oldest first within each rank.
	return records.filter((r) => r.type != 'dropped').sort((a, b) => rank(a) - rank(b));
}

/** Which records to remove and the count the replacing `dropped` record carries. */
export interface BoundPlan<T> {
	drop: T[];
	dropped: number;
}

/**
 * Plans how to bring `records` (oldest first) within `max` records, one of which will
 * be the new `dropped` record, into which earlier `dropped` records are folded.
 *
 * @returns `undefined` when nothing needs dropping.
 */
export function planBound<T extends ClientRecord>(
	records: readonly T[],
	max: number
): BoundPlan<T> | undefined {
	if (records.length <= max) return undefined;
	const earlier = records.filter((r) => r.type == 'dropped');
	// Earlier `dropped` records are folded into the new one, which takes one slot.
	const victims = dropOrder(records).slice(
		0,
		Math.max(0, records.length - earlier.length + 1 - max)
	);
	return {
		drop: [...earlier, ...victims],
		dropped:
			earlier.reduce((sum, r) => sum + (r.type == 'dropped' ? r.count : 0), 0) + victims.length
	};
}
