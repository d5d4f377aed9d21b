/**
 * A funnel's report, counted exactly and in bounded batches (docs/DESIGN.md, "Funnels"):
 *
 * 1. The records that reach step 1 in the range are key-range reads of `funnel-entries`
 *    (`[site, kind, target, start]` … `[site, kind, target, end]`), one per target: the
 *    event name or the page path, or each of the site's paths a wildcard step matches
 *    (listed by one group_level=3 read of the paths under the wildcard's prefix).
 * 2. Each session those rows name is read whole from `session-records` and walked
 *    through the steps ({@link walkFunnel}). Session ids are time-ordered, so a batch's
 *    sessions lie close together in that view: runs of them are read as one key range
 *    when it holds few other records ({@link readSessions}), else one by one. A session
 *    counts at the row of the record by which it first reached step 1, so it counts once
 *    however many rows name it, and not at all when it reached step 1 before the range.
 *
 * A request reads at most {@link FUNNEL_BATCH}.rows rows of step 1 and the sessions they
 * name, and answers the counts so far with a cursor carrying them; the caller repeats
 * with the cursor until `progress.done`. So a funnel over any range answers every
 * request in bounded time: a read costs (rows of step 1 in the range) + (records of the
 * sessions they name, plus a bounded number of other sessions' rows per session named:
 * read-sessions.ts), spread over batches, never a scan of the range's other records.
 */
import { createHash } from 'node:crypto';
import type { Couch } from '../couch';
import { encodeCursor, parseCursor, readFingerprint } from '../stats/cursor';
import { CouchstatsError } from '../errors';
import { createViewReader, type ViewReader } from '../stats/view-reader';
import { rangeBounds, type DateRange } from '../../stats/periods';
import { readAllTime } from '../stats/all-time';
import { matchingPaths } from '../stats/page-paths';
import {
	funnelSteps,
	walkFunnel,
	type Funnel,
	type FunnelResponse,
	type FunnelStep
} from '../../stats/funnels';
import { readSessions, type SpanBounds } from './read-sessions';
import { displayPath } from '../../records';

/** Bounds of one request: rows of step 1 read, and `session-records` reads at once. */
export const FUNNEL_BATCH = { rows: 250, parallel: 8 } as const;

/**
 * Most paths a wildcard first step may match: its rows are read one path at a time, and
 * the first batch counts the rows of each (the progress total).
 */
export const MAX_ENTRY_PATHS = 200;

/** Options of the read: injectable for tests and the benchmark. */
export interface ReadFunnelOptions {
	timeoutMs?: number;
	/** Rows of step 1 per request; default {@link FUNNEL_BATCH}.rows. */
	batchRows?: number;
	/** Bounds of the sessions' span reads; default read-sessions.ts's `SPAN_BOUNDS`. */
	spans?: SpanBounds;
}

/** Where the next batch starts and what the batches before it counted. */
interface FunnelCursor {
	/** Fingerprint of the funnel's steps and the range: a cursor fits one funnel read. */
	h: string;
	/** The target (event name or path) being read. */
	t: string;
	/** The last row read of that target (`[ts, sid, id]`), or null to start it. */
	k: [number, string, string] | null;
	/** Sessions reaching each step so far. */
	c: number[];
	/** Rows of step 1 read so far, and in all. */
	n: number;
	total: number;
	/** Sessions read so far. */
	s: number;
	/**
	 * Tags ({@link tagOf}) of sessions of target `t` walked in this walk's batches while
	 * they stayed inside `t`, the latest batch's first (those with most rows in it), at
	 * most {@link WALKED_CARRIED}: a later row of theirs in `t` is not their entry (that
	 * is their first row, or earlier), so they are not read again. Without it a session of
	 * M step-1 rows was read whole in each of M / 250 batches (an outside security probe:
	 * one of 6,000 rows cost 4 s of CPU), and with only the ten of the batch before, 24
	 * sessions running at once were read 416 times (another: 2.6 s of CPU).
	 */
	w?: string[];
}

/**
 * Sessions a cursor carries as walked ({@link FunnelCursor}.w): as many as a batch's
 * rows, so that sessions running at once are read once however many they are, up to
 * that; their tags keep the cursor within a few kilobytes.
 */
export const WALKED_CARRIED = FUNNEL_BATCH.rows;

/**
 * A session's tag in a cursor: 66 bits of its id's SHA-256 (two sessions of one walk
 * sharing one are as likely as guessing a session id).
 */
export function tagOf(sid: string): string {
	return createHash('sha256').update(sid).digest('base64url').slice(0, 11);
}

const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Decodes a cursor of this funnel and range.
 * @throws {CouchstatsError} 400 when it is not one (or the funnel changed since).
 */
function decode(
	text: string,
	hash: string,
	steps: number,
	{ start, end }: { start: number; end: number }
): FunnelCursor {
	const c = parseCursor(text) as Partial<FunnelCursor> | null | undefined;
	const key = c?.k;
	const valid =
		c &&
		c.h === hash &&
		typeof c.t === 'string' &&
		(key === null ||
			(Array.isArray(key) &&
				key.length === 3 &&
				Number.isFinite(key[0]) &&
				// A row of the range: a made-up time outside it made the read fail (500) or
				// count sessions from before the range (an outside security probe).
				key[0] >= start &&
				key[0] <= end &&
				typeof key[1] === 'string' &&
				typeof key[2] === 'string')) &&
		Array.isArray(c.c) &&
		c.c.length === steps &&
		c.c.every(count) &&
		[c.n, c.total, c.s].every(count) &&
		(c.w === undefined ||
			(Array.isArray(c.w) &&
				c.w.length <= WALKED_CARRIED &&
				c.w.every((tag) => typeof tag === 'string' && tag.length === 11)));
	if (!valid) {
		throw new CouchstatsError(
			400,
			'cursor is not one this API returned for this funnel and range (was the funnel edited?)'
		);
	}
	return c as FunnelCursor;
}

/** The event name or the paths whose `funnel-entries` rows may reach step 1, in key order. */
async function entryTargets(reader: ViewReader, site: string, step: FunnelStep) {
	if (step.kind === 'event') return { kind: 'event', targets: [step.name] };
	if (!step.path.includes('*')) return { kind: 'page', targets: [step.path] };
	const targets = await matchingPaths(reader, site, step.path);
	if (targets.length > MAX_ENTRY_PATHS) {
		throw new CouchstatsError(
			400,
			`step 1 (${displayPath(step.path)}) matches ${targets.length} paths, more than ${MAX_ENTRY_PATHS}: narrow it`
		);
	}
	return { kind: 'page', targets };
}

/**
 * One batch of a funnel's report for a range.
 * @param cursor The previous batch's `next`, or null for the first.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @throws {CouchstatsError} 400 for a cursor of another funnel or range, or a wildcard
 *   first step matching more than {@link MAX_ENTRY_PATHS} paths.
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
	const range = query.fromFirstRecord ? await readAllTime(reader, site, query.range) : query.range;
	const { start, end } = rangeBounds(range);
	const hash = readFingerprint([funnel.steps, range.from, range.to, range.tz]);
	const { kind, targets } = await entryTargets(reader, site, funnel.steps[0]);
	const rowsOf = (target: string) => ({
		startkey: [site, kind, target, start],
		endkey: [site, kind, target, end]
	});
	let state: FunnelCursor;
	if (query.cursor) {
		state = decode(query.cursor, hash, funnel.steps.length, { start, end });
	} else {
		const totals = await Promise.all(
			targets.map((t) => reader.read<number>('funnel-entries', rowsOf(t)))
		);
		const total = totals.reduce((sum, rows) => sum + (rows[0]?.value ?? 0), 0);
		state = {
			h: hash,
			t: targets[0] ?? '',
			k: null,
			c: funnel.steps.map(() => 0),
			n: 0,
			total,
			s: 0
		};
	}

	// Step 1's rows of this batch, from the cursor on.
	const budget = options.batchRows ?? FUNNEL_BATCH.rows;
	const entries: { id: string; sid: string; target: string }[] = [];
	let at = targets.findIndex((t) => t >= state.t);
	if (at === -1) at = targets.length;
	let resume = at < targets.length && targets[at] === state.t ? state.k : null;
	while (at < targets.length && entries.length < budget) {
		const target = targets[at];
		const rows = await reader.read<null>('funnel-entries', {
			...rowsOf(target),
			// [.., ts, sid, id, {}] sorts right after the cursor's own row.
			...(resume ? { startkey: [site, kind, target, ...resume, {}] } : {}),
			reduce: false,
			limit: budget - entries.length
		});
		for (const row of rows) {
			entries.push({ sid: String(row.key[4]), id: String(row.key[5]), target });
		}
		const last = rows.at(-1);
		if (entries.length < budget || !last) {
			at++;
			resume = null;
		} else {
			resume = [last.key[3] as number, String(last.key[4]), String(last.key[5])];
		}
	}

	// The sessions they name, each read once in this batch and walked through the steps,
	// but those the batch before walked already.
	const walked = new Set(state.w ?? []);
	const again = (e: { sid: string; target: string }) =>
		e.target === state.t && walked.has(tagOf(e.sid));
	const sids = [...new Set(entries.filter((e) => !again(e)).map((e) => e.sid))];
	const walks = new Map<string, ReturnType<typeof walkFunnel>>();
	await readSessions(
		reader,
		{ site, sids },
		(sid, records) => walks.set(sid, walkFunnel(funnel.steps, records)),
		{ parallel: FUNNEL_BATCH.parallel, bounds: options.spans }
	);
	const counts = [...state.c];
	for (const { sid, id } of entries) {
		const walk = walks.get(sid);
		// Counted at the record that entered the funnel: once, and only when in the range.
		if (!walk || walk.entry.id !== id) continue;
		for (let i = 0; i < walk.reached; i++) counts[i]++;
	}

	const done = at >= targets.length;
	// The batch ended inside a target: its sessions there go on as walked, those with most
	// rows in it first, then those walked before in the same target.
	let carried: string[] | undefined;
	if (resume) {
		const rowsOf = new Map<string, number>();
		for (const e of entries) {
			if (e.target === targets[at]) rowsOf.set(e.sid, (rowsOf.get(e.sid) ?? 0) + 1);
		}
		const latest = [...rowsOf].sort((a, b) => b[1] - a[1]).map(([sid]) => tagOf(sid));
		const before = targets[at] === state.t ? (state.w ?? []) : [];
		carried = [...new Set([...latest, ...before])].slice(0, WALKED_CARRIED);
	}
	const next: FunnelCursor = {
		h: hash,
		t: targets[at] ?? '',
		k: resume,
		c: counts,
		n: state.n + entries.length,
		total: state.total,
		s: state.s + sids.length,
		...(carried?.length ? { w: carried } : {})
	};
	return {
		site,
		funnel: { id: funnel.id, name: funnel.name },
		range: {
			from: range.from,
			to: range.to,
			tz: range.tz,
			...(range.note && { note: range.note })
		},
		steps: funnelSteps(funnel.steps, counts),
		progress: { read: next.n, total: Math.max(next.total, next.n), sessionsRead: next.s, done },
		next: done ? null : encodeCursor(next),
		indexing: reader.indexing
	};
}
