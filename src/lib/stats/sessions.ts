/**
 * Sessions, one at a time: the summary of a session from its `session-summary` rows,
 * its timeline from its `session-records` rows, a live visitor from both. Pure: the
 * reads are in src/lib/server/sessions/read-sessions.ts. Types here are the Sessions
 * API's contract (README, "Sessions API"), shared by the dashboard pages.
 */
import type { RecordType } from '../records';
import type { Activity } from './active';
import { filterParams, type Filter } from './filters';
import { funnelParams, type FunnelChoice, type FunnelSessions } from './funnels';
import type { DateRange } from './periods';
import { readAgainParams, type Preset } from './range';

/** One session of the session list. */
export interface SessionSummary {
	sid: string;
	/** First record of the session, ISO 8601 UTC. */
	startedAt: string;
	/** Last record of the session (pageview, event, heartbeat or milestone), ISO 8601 UTC. */
	endedAt: string;
	/** `endedAt − startedAt`, ms. */
	durationMs: number;
	/** Visible-and-focused time the heartbeats report, ms. */
	engagedMs: number;
	/** Pageviews (0 for a session resumed on a page left open that went nowhere else). */
	pages: number;
	events: number;
	/**
	 * Path of the entry pageview (of a session resumed on a page left open, its opening
	 * return's); null when it is not stored (erased, retention).
	 */
	entryPage: string | null;
	/** Path of the latest pageview. */
	exitPage: string | null;
	/** The session's source (the records' `src`, records.ts `sourceOf`), null when unknown. */
	source: string | null;
	device: string | null;
	browser: string | null;
	country: string | null;
	/** The entry pageview was the visitor's first ever. */
	newVisitor: boolean;
	/** Passed 10 s of engaged time (the `actual` milestone). */
	actual: boolean;
	/** Actual with an interaction after the first pageview (the `engaged` milestone). */
	engaged: boolean;
	/** Neither actual nor more than one pageview (no `nonbounce` milestone). */
	bounced: boolean;
}

/** A `session-summary` row read with group_level=4 (`_stats` of the emitted values). */
export interface SummaryRow {
	key: unknown[];
	value: { sum: number; count: number; min: number; max: number };
}

/**
 * Folds one session's `session-summary` rows into its summary, or null when the session
 * has no counted record.
 */
export function sessionSummary(sid: string, rows: SummaryRow[]): SessionSummary | null {
	let at: SummaryRow['value'] | undefined;
	let entry: unknown[] | undefined;
	let exit: { path: string; at: number } | undefined;
	let pages = 0;
	let events = 0;
	let engagedMs = 0;
	const milestones = new Set<string>();
	for (const { key, value } of rows) {
		const kind = key[2];
		if (kind === 'at') at = value;
		else if (kind === 'event') events += value.count;
		else if (kind === 'engaged') engagedMs += value.sum;
		else if (kind === 'milestone') milestones.add(String(key[3]));
		else if (kind === 'entry' && Array.isArray(key[3])) entry ??= key[3];
		else if (kind === 'page' || kind === 'return') {
			// A return (back to a page counted lately) is no pageview, but may be the exit.
			if (kind === 'page') pages += value.count;
			const path = String(key[3]);
			if (!exit || value.max > exit.at) exit = { path, at: value.max };
		}
	}
	if (!at) return null;
	const text = (i: number) => (typeof entry?.[i] === 'string' ? (entry[i] as string) : null);
	return {
		sid,
		startedAt: new Date(at.min).toISOString(),
		endedAt: new Date(at.max).toISOString(),
		durationMs: at.max - at.min,
		engagedMs,
		pages,
		events,
		entryPage: text(0),
		exitPage: exit?.path ?? null,
		source: text(1),
		device: text(2),
		browser: text(3),
		country: text(4),
		newVisitor: entry?.[5] === true,
		actual: milestones.has('actual'),
		engaged: milestones.has('engaged'),
		bounced: !milestones.has('nonbounce')
	};
}

/** What a `session-records` row's value holds (see couchdb/events/views/session-records.js). */
export interface RecordValue {
	type: Exclude<RecordType, 'dropped'>;
	path: string;
	name?: string;
	props?: Record<string, string | number | boolean>;
	milestone?: string;
	engagedMs?: number;
	scroll?: number;
	title?: string;
	from?: string;
	/** Back to a page counted lately (records.ts): no pageview, where the visitor went. */
	revisit?: boolean;
}

/** One step of a session's timeline. */
export interface TimelineEntry extends RecordValue {
	/** The record's time, ISO 8601 UTC. */
	at: string;
	/** The record's id, which orders records of the same millisecond. */
	id: string;
	/**
	 * Pageviews: time from this pageview to the session's next one (in any tab), or to
	 * the session's last record for the last pageview; null when that record is on a
	 * later page of the timeline.
	 */
	timeOnPageMs?: number | null;
	/**
	 * Pageviews: engaged time of the heartbeats on this path up to the next pageview of
	 * the same path (a heartbeat belongs to the latest pageview of its path, so two tabs
	 * on different pages keep their own time).
	 */
	engagedOnPageMs?: number;
}

/**
 * A session's timeline from its `session-records` rows in key order (time, then id).
 * @param complete Whether the rows reach the session's last record (no later page).
 */
export function timeline(
	keyed: { key: unknown[]; id?: string; value: RecordValue }[],
	complete: boolean
): TimelineEntry[] {
	// A milestone's id derives from its session's, so it sorts before the record of its
	// millisecond that reached it: listed after it (an outside review saw "Non-bounce"
	// above the pageview that made it).
	const milestone = (row: (typeof keyed)[number]) => (row.value.type === 'milestone' ? 1 : 0);
	const rows = keyed
		.map((row, i) => ({ row, i }))
		.sort(
			(a, b) =>
				(a.row.key[2] as number) - (b.row.key[2] as number) ||
				milestone(a.row) - milestone(b.row) ||
				a.i - b.i
		)
		.map(({ row }) => row);
	const entries: TimelineEntry[] = rows.map(({ key, id, value }) => ({
		...value,
		at: new Date(key[2] as number).toISOString(),
		id: id ?? String(key[3])
	}));
	const times = rows.map((row) => row.key[2] as number);
	const latestOfPath = new Map<string, TimelineEntry>();
	let previous: number | undefined;
	entries.forEach((entry, i) => {
		if (entry.type === 'pageview') {
			if (previous !== undefined) entries[previous].timeOnPageMs = times[i] - times[previous];
			previous = i;
			entry.engagedOnPageMs = 0;
			latestOfPath.set(entry.path, entry);
		} else if (entry.type === 'heartbeat') {
			const page = latestOfPath.get(entry.path);
			if (page) page.engagedOnPageMs = (page.engagedOnPageMs ?? 0) + (entry.engagedMs ?? 0);
		}
	});
	if (previous !== undefined) {
		entries[previous].timeOnPageMs = complete ? times[times.length - 1] - times[previous] : null;
	}
	return entries;
}

/** A session active now, as the realtime panel shows it. */
export interface LiveSession {
	sid: string;
	/** The path of its latest activity. */
	path: string;
	/** Its latest activity, ms since the epoch. */
	lastAt: number;
	/** Pageviews so far. */
	pages: number;
	/** Since the session's first record, up to its latest activity, ms. */
	durationMs: number;
	country: string | null;
	browser: string | null;
}

/** A live visitor from its current path and time and its session's summary (if read). */
export function liveSession(active: Activity, summary: SessionSummary | null): LiveSession {
	const start = summary ? Date.parse(summary.startedAt) : active.at;
	return {
		sid: active.sid,
		path: active.path,
		lastAt: active.at,
		pages: summary?.pages ?? 0,
		durationMs: Math.max(0, active.at - start),
		country: summary?.country ?? null,
		browser: summary?.browser ?? null
	};
}

/** The session list's CSV columns, in order (the {@link SessionSummary} fields). */
export const SESSION_CSV_COLUMNS: (keyof SessionSummary)[] = [
	'sid',
	'startedAt',
	'endedAt',
	'durationMs',
	'engagedMs',
	'pages',
	'events',
	'entryPage',
	'exitPage',
	'source',
	'device',
	'browser',
	'country',
	'newVisitor',
	'actual',
	'engaged',
	'bounced'
];

/** A session of a list: its summary, and on a funnel step's list (`funnel=`) its time to the step. */
export interface ListedSession extends SessionSummary {
	/**
	 * On a funnel step's list only: the time, ms, the session took to reach the step from
	 * the step before (funnels.ts `timeFromStepBefore`: from the record that reached step
	 * N − 1 to the record that reached step N, as the report's `time` measures it); null on
	 * a list of step 1.
	 */
	fromStepBeforeMs?: number | null;
}

/** A funnel step's list's CSV columns: the session list's, then `fromStepBeforeMs`. */
export const FUNNEL_SESSION_CSV_COLUMNS: (keyof ListedSession)[] = [
	...SESSION_CSV_COLUMNS,
	'fromStepBeforeMs'
];

/** `GET /api/v1/sessions`: a page of a range's sessions, newest first. */
export interface SessionListResponse {
	site: string;
	range: DateRange;
	/** The filter the list is under (`page=`, `source=` or `event=`); absent when none. */
	filter?: Filter;
	/** The funnel step whose sessions these are (`funnel=`); absent for the range's. */
	funnel?: FunnelSessions;
	/**
	 * Sessions that started in the range (under a filter: the sessions it keeps): the
	 * Stats API's `totals.sessions` for the same range and filter. Null for a funnel
	 * step's, which only its report counts (the pages add up to it).
	 */
	total: number | null;
	sessions: ListedSession[];
	/** Cursor of the next (older) page (`cursor=`), or null on the last page. */
	next: string | null;
	/** True when a view was still being built: the list may be incomplete. */
	indexing: boolean;
}

/** `GET /api/v1/sessions/{sid}`: a session's summary and timeline. */
export interface SessionTimelineResponse {
	site: string;
	session: SessionSummary;
	records: TimelineEntry[];
	/** Cursor of the timeline's next page (`after=`), or null when it is complete. */
	next: string | null;
	indexing: boolean;
}

/** The data of the session list page (`/sites/[site]/sessions`). */
export interface SessionsPageData {
	site: { id: string; name: string; timeZone: string };
	range: { preset: Preset; from: string; to: string; tz: string };
	/** The dashboard's filter the list is under, or null (also when it was refused). */
	filter: Filter | null;
	/** The funnel step the list is of, or null (also when it was refused). */
	funnel: FunnelChoice | null;
	/** The page of sessions, or why the range or filter could not be read. */
	list: SessionListResponse | { problem: string };
}

/** The list's dates, zone and filter as query parameters: what its CSV and next page read. */
export function listParams(data: SessionsPageData): Record<string, string> {
	const filter = data.filter && Object.fromEntries(filterParams(data.filter));
	return {
		...readAgainParams(data.range),
		...filter,
		...(data.funnel && funnelParams(data.funnel))
	};
}

/**
 * The query of the session list's page after `data`'s (its next cursor, `cursor`): the same
 * dates, zone and filter ({@link listParams}). The dates, not the preset (all time
 * aside: `readAgainParams`): a list goes on where it was cut (a cursor fits its range), and a preset with dates is refused (an
 * outside helper's check: the page's "Older sessions" link gave both, and the page
 * answered with the refusal instead of the next sessions).
 */
export function nextSessionsQuery(data: SessionsPageData, cursor: string): URLSearchParams {
	return new URLSearchParams({ ...listParams(data), cursor });
}
