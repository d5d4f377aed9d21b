/**
 * How a funnel's sessions are found and counted, in bounded batches (docs/DESIGN.md,
 * "Funnels"), for its report (read-funnel.ts) and the session lists of its steps
 * (read-funnel-sessions.ts) alike:
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
 * A batch reads at most {@link FUNNEL_BATCH}.rows rows of step 1 and the sessions they
 * name, and ends at a position (where the next starts) that a cursor carries. So every
 * request is bounded: a whole walk costs (rows of step 1 in the range) + (records of the
 * sessions they name, plus a bounded number of other sessions' rows per session named:
 * read-sessions.ts), spread over batches, never a scan of the range's other records.
 */
import { createHash } from 'node:crypto';
import { parseCursor, readFingerprint } from '../stats/cursor';
import { CouchstatsError } from '../errors';
import type { ViewReader } from '../stats/view-reader';
import { rangeBounds, type DateRange } from '../../stats/periods';
import { readAllTime } from '../stats/all-time';
import { matchingPaths } from '../stats/page-paths';
import { walkFunnel, type Funnel, type FunnelStep } from '../../stats/funnels';
import { readSessions, type SpanBounds } from './read-sessions';
import { displayPath } from '../../records';

/** Bounds of one request: rows of step 1 read, and `session-records` reads at once. */
export const FUNNEL_BATCH = { rows: 250, parallel: 8 } as const;

/**
 * Most paths a wildcard first step may match: its rows are read one path at a time, and
 * the first batch counts the rows of each (the progress total).
 */
export const MAX_ENTRY_PATHS = 200;

/** Options of a walk's batches: injectable for tests and the benchmark. */
export interface FunnelWalkOptions {
	timeoutMs?: number;
	/** Rows of step 1 per request; default {@link FUNNEL_BATCH}.rows. */
	batchRows?: number;
	/** Bounds of the sessions' span reads; default read-sessions.ts's `SPAN_BOUNDS`. */
	spans?: SpanBounds;
}

/** Where a walk's next batch starts (a cursor carries it, with what its reader adds). */
export interface FunnelPosition {
	/** Fingerprint of the read: a cursor fits one funnel, range and reader. */
	h: string;
	/** The target (event name or path) being read. */
	t: string;
	/** The last row read of that target (`[ts, sid, id]`), or null to start it. */
	k: [number, string, string] | null;
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
 * Sessions a cursor carries as walked ({@link FunnelPosition}.w): as many as a batch's
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

/** A funnel's walk over a range: what each of its batches reads. */
export interface FunnelWalk {
	site: string;
	funnel: Funnel;
	/** The range read (all time's dates as read). */
	range: DateRange;
	start: number;
	end: number;
	/** The fingerprint its cursors carry: the site, the funnel and its steps, the range, `reading`. */
	hash: string;
	kind: string;
	targets: string[];
}

/**
 * Opens a funnel's walk over a range.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @param reading What the walk is read for besides the funnel and range (the report's
 *   `[]`, a session list's selection): in the cursors' fingerprint, so that a cursor of
 *   one is refused by another.
 * @throws {CouchstatsError} 400 for a wildcard first step matching more than
 *   {@link MAX_ENTRY_PATHS} paths.
 */
export async function openWalk(
	reader: ViewReader,
	query: { site: string; funnel: Funnel; range: DateRange; fromFirstRecord?: boolean },
	reading: readonly unknown[]
): Promise<FunnelWalk> {
	const { site, funnel } = query;
	const range = query.fromFirstRecord ? await readAllTime(reader, site, query.range) : query.range;
	const { start, end } = rangeBounds(range);
	// The site too: a cursor carries counts read so far, which are no other site's.
	const hash = readFingerprint([
		site,
		funnel.id,
		funnel.steps,
		range.from,
		range.to,
		range.tz,
		...reading
	]);
	const { kind, targets } = await entryTargets(reader, site, funnel.steps[0]);
	return { site, funnel, range, start, end, hash, kind, targets };
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

/** The key range of a target's rows of step 1 in the walk's range. */
function rowsOf(walk: FunnelWalk, target: string) {
	return {
		startkey: [walk.site, walk.kind, target, walk.start],
		endkey: [walk.site, walk.kind, target, walk.end]
	};
}

/** The position of a walk's first batch, with the rows of step 1 in the range counted. */
export async function startPosition(reader: ViewReader, walk: FunnelWalk): Promise<FunnelPosition> {
	const totals = await Promise.all(
		walk.targets.map((t) => reader.read<number>('funnel-entries', rowsOf(walk, t)))
	);
	const total = totals.reduce((sum, rows) => sum + (rows[0]?.value ?? 0), 0);
	return { h: walk.hash, t: walk.targets[0] ?? '', k: null, n: 0, total, s: 0 };
}

/** Whether a cursor's field is a count: a whole number, 0 or more. */
export const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Decodes a cursor of this walk: its position and what its reader added (`extra`, checked
 * by `valid`).
 * @throws {CouchstatsError} 400 when it is not one (or the funnel changed since).
 */
export function decodePosition<C extends FunnelPosition>(
	text: string,
	walk: FunnelWalk,
	valid: (cursor: Partial<C>) => boolean
): C {
	const c = parseCursor(text) as Partial<C> | null | undefined;
	const key = c?.k;
	const ok =
		c &&
		c.h === walk.hash &&
		typeof c.t === 'string' &&
		(key === null ||
			(Array.isArray(key) &&
				key.length === 3 &&
				Number.isFinite(key[0]) &&
				// A row of the range: a made-up time outside it made the read fail (500) or
				// count sessions from before the range (an outside security probe).
				key[0] >= walk.start &&
				key[0] <= walk.end &&
				typeof key[1] === 'string' &&
				typeof key[2] === 'string')) &&
		[c.n, c.total, c.s].every(count) &&
		(c.w === undefined ||
			(Array.isArray(c.w) &&
				c.w.length <= WALKED_CARRIED &&
				c.w.every((tag) => typeof tag === 'string' && tag.length === 11))) &&
		valid(c);
	if (!ok) {
		throw new CouchstatsError(
			400,
			'cursor is not one this API returned for this funnel and range (was the funnel edited?)'
		);
	}
	return c as C;
}

/** A session the funnel counts, at the row of the record by which it entered. */
export interface CountedSession {
	sid: string;
	/** Steps it reached in order, 1 … the funnel's length. */
	reached: number;
	/** When it reached each of them, ms (walkFunnel's `at`). */
	at: number[];
}

/** A row of step 1 read in a batch. */
interface EntryRow {
	sid: string;
	id: string;
	target: string;
	key: [number, string, string];
}

/**
 * One batch of a walk: reads at most `budget` rows of step 1 from `position`, reads the
 * sessions they name (each once, but those the batches before walked in the same
 * target), and hands `take` each session the funnel counts, in row order, at the row by
 * which it entered: once, and only when in the range. `take` answering false stops the
 * batch before that row, which the next batch then starts with.
 * @returns Where the next batch starts, and whether the walk is done.
 * @throws the error of a view read that fails, as {@link ViewReader.read} does.
 */
export async function walkBatch(
	reader: ViewReader,
	walk: FunnelWalk,
	position: FunnelPosition,
	options: {
		budget?: number;
		spans?: SpanBounds;
		take: (session: CountedSession) => boolean;
	}
): Promise<{ next: FunnelPosition; done: boolean }> {
	const { site, kind, targets } = walk;
	const budget = options.budget ?? FUNNEL_BATCH.rows;
	const entries: EntryRow[] = [];
	let at = targets.findIndex((t) => t >= position.t);
	if (at === -1) at = targets.length;
	let resume = at < targets.length && targets[at] === position.t ? position.k : null;
	while (at < targets.length && entries.length < budget) {
		const target = targets[at];
		const rows = await reader.read<null>('funnel-entries', {
			...rowsOf(walk, target),
			// [.., ts, sid, id, {}] sorts right after the cursor's own row.
			...(resume ? { startkey: [site, kind, target, ...resume, {}] } : {}),
			reduce: false,
			limit: budget - entries.length
		});
		for (const row of rows) {
			const key: EntryRow['key'] = [row.key[3] as number, String(row.key[4]), String(row.key[5])];
			entries.push({ sid: key[1], id: key[2], target, key });
		}
		const last = rows.at(-1);
		if (entries.length < budget || !last) {
			at++;
			resume = null;
		} else {
			resume = entries.at(-1)!.key;
		}
	}

	// The sessions they name, each read once in this batch and walked through the steps,
	// but those the batch before walked already.
	const walked = new Set(position.w ?? []);
	const again = (e: EntryRow) => e.target === position.t && walked.has(tagOf(e.sid));
	const sids = [...new Set(entries.filter((e) => !again(e)).map((e) => e.sid))];
	const walks = new Map<string, ReturnType<typeof walkFunnel>>();
	await readSessions(
		reader,
		{ site, sids },
		(sid, records) => walks.set(sid, walkFunnel(walk.funnel.steps, records)),
		{ parallel: FUNNEL_BATCH.parallel, bounds: options.spans }
	);
	let taken = entries.length;
	for (let i = 0; i < entries.length; i++) {
		const { sid, id } = entries[i];
		const counted = walks.get(sid);
		// Counted at the record that entered the funnel: once, and only when in the range.
		if (!counted || counted.entry.id !== id) continue;
		if (!options.take({ sid, reached: counted.reached, at: counted.at })) {
			taken = i;
			break;
		}
	}
	// Stopped inside the batch: the next starts right after the last row taken.
	const stopped = taken < entries.length;
	if (stopped) {
		const last = entries[taken - 1];
		if (last) {
			at = targets.indexOf(last.target);
			resume = last.key;
		} else {
			at = targets.findIndex((t) => t >= position.t);
			resume = position.k;
		}
	}
	const done = at >= targets.length;
	// The batch ended inside a target: its sessions taken there go on as walked, those with
	// most rows in it first, then those walked before in the same target.
	let carried: string[] | undefined;
	if (resume) {
		const rows = new Map<string, number>();
		for (const e of entries.slice(0, taken)) {
			if (e.target === targets[at]) rows.set(e.sid, (rows.get(e.sid) ?? 0) + 1);
		}
		const latest = [...rows].sort((a, b) => b[1] - a[1]).map(([sid]) => tagOf(sid));
		const before = targets[at] === position.t ? (position.w ?? []) : [];
		carried = [...new Set([...latest, ...before])].slice(0, WALKED_CARRIED);
	}
	return {
		next: {
			h: walk.hash,
			t: targets[at] ?? '',
			k: resume,
			n: position.n + taken,
			total: position.total,
			s: position.s + sids.length,
			...(carried?.length ? { w: carried } : {})
		},
		done
	};
}
