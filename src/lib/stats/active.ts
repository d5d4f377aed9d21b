/**
 * Active now: distinct sessions with activity in the last 2 minutes, by current path,
 * from the few rows of the `active` view's latest minute buckets.
 */
import type { LiveSession } from './sessions';

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
	sessions: LiveSession[] = []
): ActiveNow {
	const latest = latestActivity(rows, now);
	const byPath = new Map<string, number>();
	for (const { path } of latest) byPath.set(path, (byPath.get(path) ?? 0) + 1);
	return {
		visitors: latest.length,
		byPath: [...byPath]
			.map(([path, visitors]) => ({ path, visitors }))
			.sort((a, b) => b.visitors - a.visitors || (a.path < b.path ? -1 : 1)),
		sessions
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
