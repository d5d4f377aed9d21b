/**
 * A funnel's report, counted exactly and in bounded batches: each request walks one
 * batch of the funnel's sessions (funnel-walk.ts, docs/DESIGN.md "Funnels") and answers
 * the counts so far with a cursor carrying them; the caller repeats with the cursor until
 * `progress.done`. So a funnel over any range answers every request in bounded time.
 */
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { encodeCursor } from '../stats/cursor';
import { createViewReader } from '../stats/view-reader';
import { answeredRange, type DateRange } from '../../stats/periods';
import {
	CURSOR_OUTDATED,
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
	type FunnelWalk,
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
 * every bucket, holding as many times as sessions reached its step. A cursor without
 * them (`d` absent) is one an older couchstats wrote ({@link decodeFunnelCursor}).
 */
function validTimes(c: Partial<FunnelCursor>, steps: number): boolean {
	return (
		c.d === undefined ||
		(Array.isArray(c.d) &&
			c.d.length === steps - 1 &&
			c.d.every(
				(h, i) =>
					Array.isArray(h) &&
					h.length === STEP_TIME_EDGES.length &&
					h.every(count) &&
					timedCount(h) === c.c![i + 1]
			))
	);
}

/**
 * The state a funnel's cursor carries.
 * @throws {CouchstatsError} 400 when it is no cursor of this funnel and range, and
 *   {@link CURSOR_OUTDATED} for one written before cursors carried the times between
 *   steps (2026-12-07): the report cannot be exact from it (the times of the sessions it
 *   counted are not in it, and each step's `time` is over all its sessions), so the read
 *   starts again, once (a reader who upgraded mid-read).
 */
function decodeFunnelCursor(text: string, walk: FunnelWalk, steps: number): FunnelCursor {
	const c = decodePosition<FunnelCursor>(
		text,
		walk,
		(c) => Array.isArray(c.c) && c.c.length === steps && c.c.every(count) && validTimes(c, steps)
	);
	if (c.d === undefined) {
		throw new CouchstatsError(
			400,
			'this cursor is from an older version of couchstats, before funnels carried the time between steps: read the funnel again from its first batch, without cursor (the funnels page does so by itself; an older page: reload it)',
			CURSOR_OUTDATED
		);
	}
	return c;
}

/**
 * One batch of a funnel's report for a range.
 * @param cursor The previous batch's `next`, or null for the first.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @throws {CouchstatsError} 400 for a cursor of another funnel or range, or of an older
 *   couchstats ({@link CURSOR_OUTDATED}), or a wildcard first step matching more than
 *   `MAX_ENTRY_PATHS` paths.
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
		? decodeFunnelCursor(query.cursor, walk, steps)
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
