/**
 * A funnel's report, counted exactly and in bounded batches: each request walks one
 * batch of the funnel's sessions (funnel-walk.ts, docs/DESIGN.md "Funnels") and answers
 * the counts so far with a cursor carrying them; the caller repeats with the cursor until
 * `progress.done`. So a funnel over any range answers every request in bounded time.
 */
import type { Couch } from '../couch';
import { encodeCursor } from '../stats/cursor';
import { createViewReader } from '../stats/view-reader';
import { answeredRange, type DateRange } from '../../stats/periods';
import {
	STEP_TIME_EDGES,
	countTimes,
	countWalk,
	emptyTimes,
	funnelSteps,
	timedCount,
	type Funnel,
	type FunnelResponse
} from '../../stats/funnels';
import {
	count,
	decodePosition,
	openWalk,
	startPosition,
	walkBatch,
	type FunnelPosition,
	type FunnelWalkOptions
} from './funnel-walk';

/** Options of the read: injectable for tests and the benchmark. */
export type ReadFunnelOptions = FunnelWalkOptions;

/** Where the next batch starts and what the batches before it counted. */
interface FunnelCursor extends FunnelPosition {
	/** Sessions reaching each step so far. */
	c: number[];
	/**
	 * The histograms of their times from each step to the next so far (funnels.ts,
	 * `countTimes`): a median is not mergeable across batches, a histogram is.
	 */
	d: number[][];
}

/**
 * Whether a cursor's histograms fit its counts: one per step after the first, each of
 * every bucket, holding as many times as sessions reached its step.
 */
function validTimes(c: Partial<FunnelCursor>, steps: number): boolean {
	return (
		Array.isArray(c.d) &&
		c.d.length === steps - 1 &&
		c.d.every(
			(h, i) =>
				Array.isArray(h) &&
				h.length === STEP_TIME_EDGES.length &&
				h.every(count) &&
				timedCount(h) === c.c![i + 1]
		)
	);
}

/**
 * One batch of a funnel's report for a range.
 * @param cursor The previous batch's `next`, or null for the first.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @throws {CouchstatsError} 400 for a cursor of another funnel or range, or a wildcard
 *   first step matching more than `MAX_ENTRY_PATHS` paths.
 */
export async function readFunnel(
	couch: Couch,
	query: {
		site: string;
		funnel: Funnel;
		range: DateRange;
		cursor?: string | null;
		fromFirstRecord?: boolean;
	},
	options: ReadFunnelOptions = {}
): Promise<FunnelResponse> {
	const { site, funnel } = query;
	const reader = createViewReader(couch, options);
	const walk = await openWalk(reader, query, []);
	const steps = funnel.steps.length;
	const state: FunnelCursor = query.cursor
		? decodePosition<FunnelCursor>(
				query.cursor,
				walk,
				(c) =>
					Array.isArray(c.c) && c.c.length === steps && c.c.every(count) && validTimes(c, steps)
			)
		: {
				...(await startPosition(reader, walk)),
				c: funnel.steps.map(() => 0),
				d: emptyTimes(steps)
			};
	const counts = [...state.c];
	const times = state.d.map((h) => [...h]);
	const { next, done } = await walkBatch(reader, walk, state, {
		budget: options.batchRows,
		spans: options.spans,
		take: ({ reached, at }) => {
			countWalk(counts, reached);
			countTimes(times, at);
			return true;
		}
	});
	const { range } = walk;
	return {
		site,
		funnel: { id: funnel.id, name: funnel.name },
		range: answeredRange(range),
		steps: funnelSteps(funnel.steps, counts, times),
		progress: { read: next.n, total: Math.max(next.total, next.n), sessionsRead: next.s, done },
		next: done ? null : encodeCursor({ ...next, c: counts, d: times }),
		indexing: reader.indexing
	};
}
