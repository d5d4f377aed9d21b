/**
 * The sessions behind a funnel step's numbers (the Sessions API's `funnel=FID&step=N`,
 * with `dropped=1`): the sessions the report counts at step N, or in step N + 1's
 * drop-off, found by the report's own walk (funnel-walk.ts) and listed in its order, by
 * the record by which each entered the funnel (the first step's rows: by time, path by
 * path under a wildcard). A page is at most one of the report's batches: it ends at
 * `limit` sessions or at the batch's end, whichever comes first, so a page may hold fewer
 * than `limit` sessions while `next` says more are to be read; the pages add up to the
 * report's count.
 */
import type { Couch } from '../couch';
import { encodeCursor } from '../stats/cursor';
import { createViewReader } from '../stats/view-reader';
import { answeredRange, type DateRange } from '../../stats/periods';
import {
	selects,
	stepLabel,
	timeFromStepBefore,
	type Funnel,
	type FunnelSelection
} from '../../stats/funnels';
import type { ListedSession, SessionListResponse } from '../../stats/sessions';
import { readSummaries } from '../sessions/summaries';
import {
	decodePosition,
	openWalk,
	startPosition,
	walkBatch,
	type FunnelWalkOptions
} from './funnel-walk';

/**
 * A page of the sessions of a funnel step.
 * @param cursor The previous page's `next`, to read on.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @throws {CouchstatsError} 400 for a cursor of another list (site, funnel, step, range),
 *   or a wildcard first step matching too many paths (as the report).
 */
export async function readFunnelSessions(
	couch: Couch,
	query: {
		site: string;
		funnel: Funnel;
		selection: FunnelSelection;
		range: DateRange;
		limit: number;
		cursor?: string | null;
		fromFirstRecord?: boolean;
	},
	options: FunnelWalkOptions = {}
): Promise<SessionListResponse> {
	const { site, funnel, selection, limit } = query;
	const reader = createViewReader(couch, options);
	const walk = await openWalk(reader, query, ['sessions', selection.step, selection.dropped]);
	const position = query.cursor
		? decodePosition(query.cursor, walk, () => true)
		: await startPosition(reader, walk);
	const sids: string[] = [];
	// Each session's time to the step, from the walk that found it (no read of its own).
	const times: (number | null)[] = [];
	const { next, done } = await walkBatch(reader, walk, position, {
		budget: options.batchRows,
		spans: options.spans,
		take: ({ sid, reached, at }) => {
			if (!selects(selection, reached)) return true;
			if (sids.length === limit) return false;
			sids.push(sid);
			times.push(timeFromStepBefore(at, selection.step));
			return true;
		}
	});
	const summaries = await readSummaries(reader, site, sids);
	const sessions: ListedSession[] = summaries.flatMap((summary, i) =>
		summary ? [{ ...summary, fromStepBeforeMs: times[i] }] : []
	);
	const { range } = walk;
	return {
		site,
		range: answeredRange(range),
		funnel: {
			id: funnel.id,
			name: funnel.name,
			...selection,
			label: stepLabel(funnel.steps[selection.step - 1]),
			progress: { read: next.n, total: Math.max(next.total, next.n) }
		},
		total: null,
		sessions,
		next: done ? null : encodeCursor(next),
		indexing: reader.indexing
	};
}
