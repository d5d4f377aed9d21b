/**
 * The records of the sessions a funnel's batch names, read from `session-records`
 * (`[site, sid, ts, _id]`) by key span rather than one session at a time
 * (docs/DESIGN.md, "Funnels"). Session ids are UUIDv7s, time-ordered, and a batch's rows
 * of step 1 are consecutive in time, so the sessions a batch names lie close together in
 * the view, usually with few others between them.
 */
import type { SessionRecord } from '../../stats/funnels';
import type { RecordValue } from '../../stats/sessions';
import { ID_PATTERN } from '../../records';
import type { Row, ViewReader } from '../stats/view-reader';
import { mapBounded } from '../bounded';

/** Bounds of the span reads of {@link readSessions}. */
export interface SpanBounds {
	/** Most sessions one read spans. */
	sessions: number;
	/** Most rows a span may hold per session it names to be read at once. */
	rowsPerSession: number;
	/**
	 * Fewest sessions of the halves a refused run is cut into: a refused run of fewer
	 * than twice as many is read one session at a time.
	 */
	leastHalf: number;
}

/**
 * The bounds of a funnel's span reads. A `reduce=false` read of `session-records` cost
 * about 5 ms however few rows it returned, plus 31–35 µs a row (1M records, embedded
 * store, load average 6.4), so a span holding up to about 150 rows of other sessions per
 * session it names costs no more than reading its sessions one at a time. 64 rows per session keeps a margin below that, bounds a
 * batch's rows of other sessions at 64 × 250, and admits the dense case (21–37 rows per
 * session in the 64-session runs of the benchmark's funnel, 7 days of 1M records). A run
 * refused at 64 sessions is checked in halves down to 8 sessions: at most 15 counts per
 * 64 sessions where no span fits (a first step few sessions reach), not 63.
 */
export const SPAN_BOUNDS: SpanBounds = { sessions: 64, rowsPerSession: 64, leastHalf: 8 };

/**
 * Reads the records of each of `sids` from `session-records`, in record order, and hands
 * each session's to `walk`, once. Lowercase UUIDv7s sort as text in the view's key
 * order, so the sorted ids are cut into runs of at most `bounds.sessions`, and a run is
 * one key range, `[site, first]` … `[site, last, {}]`, holding the other sessions between
 * its own. The `_count` of that range (one reduce, O(log rows) on both servers) decides:
 * at most `bounds.rowsPerSession` rows per session of the run, and the range is read in
 * one `reduce=false` read and split by session, keeping the run's own; more, and the run
 * is halved and each half checked again, down to `bounds.leastHalf` sessions, below
 * which a refused run's sessions are read one at a time (as a run of one is, uncounted).
 * So the rows read stay within the bound per session plus the sessions' own records,
 * and a run costs at most one count per session it holds. A session a span did not hold
 * (none should: it was named by a row of its own) is read on its own afterwards, so a
 * server ordering ids otherwise than as text costs reads, never a session.
 * @param options `parallel` reads at once; `bounds` default {@link SPAN_BOUNDS}.
 * @throws the error of a view read that fails, as {@link ViewReader.read} does.
 */
export async function readSessions(
	reader: ViewReader,
	query: { site: string; sids: string[] },
	walk: (sid: string, records: SessionRecord[]) => void,
	options: { parallel: number; bounds?: SpanBounds }
) {
	const { site, sids } = query;
	const { parallel, bounds = SPAN_BOUNDS } = options;
	const walked = new Set<string>();
	const done = (sid: string, records: SessionRecord[]) => {
		walked.add(sid);
		walk(sid, records);
	};
	const span = (run: string[]) => ({ startkey: [site, run[0]], endkey: [site, run.at(-1), {}] });
	// An id of another shape (none passes validate_doc_update) might sort otherwise: alone.
	const sorted = sids.filter((sid) => ID_PATTERN.test(sid)).sort();
	let runs = sids.filter((sid) => !ID_PATTERN.test(sid)).map((sid) => [sid]);
	for (let i = 0; i < sorted.length; i += bounds.sessions) {
		runs.push(sorted.slice(i, i + bounds.sessions));
	}
	while (runs.length > 0) {
		const split: string[][] = [];
		await mapBounded(runs, parallel, async (run) => {
			if (run.length > 1) {
				const [total] = await reader.read<number>('session-records', span(run));
				if ((total?.value ?? 0) > bounds.rowsPerSession * run.length) {
					split.push(...halves(run, bounds.leastHalf));
					return;
				}
			}
			const rows = await reader.read<RecordValue>('session-records', {
				...span(run),
				reduce: false
			});
			for (const [sid, records] of bySession(rows, new Set(run))) done(sid, records);
			// A run of one is read by its own key: an empty answer is its answer.
			if (run.length === 1 && !walked.has(run[0])) done(run[0], []);
		});
		runs = split;
		if (!runs.length) runs = sids.filter((sid) => !walked.has(sid)).map((sid) => [sid]);
	}
}

/** A refused run's halves, or its sessions one by one when a half would hold under `least`. */
function halves(run: string[], least: number): string[][] {
	if (run.length < 2 * least) return run.map((sid) => [sid]);
	const half = Math.ceil(run.length / 2);
	return [run.slice(0, half), run.slice(half)];
}

/** The records of each of `sids` among rows of `session-records` (in key order). */
function bySession(rows: Row<RecordValue>[], sids: Set<string>): Map<string, SessionRecord[]> {
	const sessions = new Map<string, SessionRecord[]>();
	for (const row of rows) {
		const sid = String(row.key[1]);
		if (!sids.has(sid)) continue;
		let records = sessions.get(sid);
		if (!records) sessions.set(sid, (records = []));
		records.push({ ts: row.key[2] as number, id: String(row.key[3]), value: row.value });
	}
	return sessions;
}
