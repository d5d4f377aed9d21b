/**
 * Active now: distinct sessions with activity in the last 2 minutes, by current path,
 * from the few rows of the `active` view's latest minute buckets.
 */

/** Active sessions now. */
export interface ActiveNow {
	/** Distinct sessions active in the window (each browser session is one visitor). */
	visitors: number;
	/** Sessions by the path of their latest activity, most first. */
	byPath: { path: string; visitors: number }[];
}

/** How far back activity counts as "now", in ms. */
export const ACTIVE_WINDOW_MS = 120_000;

/**
 * Folds `active` rows (key `[site, minute, sid, path]`, value `_stats` of ts) into
 * the sessions active in `[now − 2 min, now + skew]`, each at its latest path.
 */
export function activeNow(
	rows: { key: unknown[]; value: { max: number } }[],
	now: number
): ActiveNow {
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
	const byPath = new Map<string, number>();
	for (const { path } of latest.values()) byPath.set(path, (byPath.get(path) ?? 0) + 1);
	return {
		visitors: latest.size,
		byPath: [...byPath]
			.map(([path, visitors]) => ({ path, visitors }))
			.sort((a, b) => b.visitors - a.visitors || (a.path < b.path ? -1 : 1))
	};
}
