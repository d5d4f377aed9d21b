/**
 * Active now: distinct sessions with activity in the last 2 minutes, by current path,
 * from the few rows of the `active` view's latest minute buckets; and what the realtime
 * panel lists as "latest events", from the live stream and, when a page opens, from the
 * `latest` view.
 */
import type { LiveSession } from './sessions';

/**
 * A record as the live stream sends it and the realtime panel lists it: enough to show
 * "latest events", no ids.
 */
export interface LiveRecord {
	/** The record's type; `return` for a pageview that is a revisit (records.ts). */
	type: string;
	path: string;
	/** Event name, for `type: 'event'`. */
	name?: string;
	ts: number;
}

/**
 * The reason a live stream's `event: end` gives when its reader lost access (a logout, a
 * token revoked, a share link turned off, a site deleted): asking again cannot help.
 */
export const ACCESS_ENDED = 'access ended';

/**
 * The reason a live stream's `event: end` gives when its reader's access could not be
 * checked again (the database did not answer): nothing was revoked, and the page
 * reconnects, as after any other end; the reconnection is answered as any request is.
 */
export const ACCESS_UNCHECKED = 'access could not be checked';

/** What a record says that {@link liveRecord} needs: a document, or a `session-records` value. */
export interface RecordFields {
	type?: unknown;
	path?: unknown;
	name?: unknown;
	revisit?: unknown;
}

/** A record as listeners learn it: a revisit is a `return`, not a pageview. */
export function liveRecord(record: RecordFields, ts: number): LiveRecord {
	const live: LiveRecord = {
		type: record.type === 'pageview' && record.revisit === true ? 'return' : String(record.type),
		path: String(record.path ?? ''),
		ts
	};
	if (typeof record.name === 'string') live.name = record.name;
	return live;
}

/** How many records the latest-events list keeps. */
export const LATEST_MAX = 15;

/**
 * Record types the latest-events list shows: pageviews, returns to a page and events
 * (heartbeats and milestones are noise there).
 */
export const LISTED_TYPES: ReadonlySet<string> = new Set(['pageview', 'return', 'event']);

/** The records the latest-events list shows of `records`: the newest {@link LATEST_MAX}, newest first. */
export function newestListed(records: readonly LiveRecord[]): LiveRecord[] {
	return records
		.filter((record) => LISTED_TYPES.has(record.type))
		.sort((a, b) => b.ts - a.ts)
		.slice(0, LATEST_MAX);
}

/** Active sessions now. */
export interface ActiveNow {
	/** Distinct sessions active in the window (each browser session is one visitor). */
	visitors: number;
	/** Sessions by the path of their latest activity, most first. */
	byPath: { path: string; visitors: number }[];
	/**
	 * The latest {@link LIVE_SESSIONS} of those sessions, latest activity first, each with
	 * its session's summary (src/lib/server/stats/read-stats.ts reads them).
	 */
	sessions: LiveSession[];
	/**
	 * The latest {@link LATEST_MAX} pageviews, returns and events of the sessions active
	 * now, newest first: what the realtime panel lists until the live stream adds more.
	 */
	latest: LiveRecord[];
}

/** How many active sessions the realtime panel lists one by one. */
export const LIVE_SESSIONS = 20;

/** A session's latest activity: its path and time. */
export interface Activity {
	sid: string;
	path: string;
	at: number;
}

/** How far back activity counts as "now", in ms. */
export const ACTIVE_WINDOW_MS = 120_000;

/**
 * Folds `active` rows (key `[site, minute, sid, path]`, value `_stats` of ts) into
 * the sessions active in `[now − 2 min, now + skew]`, each at its latest path.
 */
export function activeNow(
	rows: { key: unknown[]; value: { max: number } }[],
	now: number,
	sessions: LiveSession[] = [],
	latest: LiveRecord[] = []
): ActiveNow {
	const current = latestActivity(rows, now);
	const byPath = new Map<string, number>();
	for (const { path } of current) byPath.set(path, (byPath.get(path) ?? 0) + 1);
	return {
		visitors: current.length,
		byPath: [...byPath]
			.map(([path, visitors]) => ({ path, visitors }))
			.sort((a, b) => b.visitors - a.visitors || (a.path < b.path ? -1 : 1)),
		sessions,
		latest
	};
}

/** Each session active in the window at its latest path, latest activity first. */
export function latestActivity(
	rows: { key: unknown[]; value: { max: number } }[],
	now: number
): Activity[] {
	const latest = new Map<string, { path: string; at: number }>();
	for (const row of rows) {
		const sid = String(row.key[2]);
		const path = String(row.key[3]);
		const at = row.value.max;
		if (at < now - ACTIVE_WINDOW_MS) continue;
		const seen = latest.get(sid);
		if (!seen || at > seen.at || (at === seen.at && path < seen.path))
			latest.set(sid, { path, at });
	}
	return [...latest]
		.map(([sid, { path, at }]) => ({ sid, path, at }))
		.sort((a, b) => b.at - a.at || (a.sid < b.sid ? -1 : 1));
}
