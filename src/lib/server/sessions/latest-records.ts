/**
 * The latest pageviews, returns and events of a site: what the realtime panel lists when
 * a dashboard opens, before the live stream adds what comes next. One read of the
 * `latest` view, newest first: the {@link LATEST_MAX} newest of the last
 * {@link LATEST_WINDOW_MS}, none dated more than {@link AHEAD_MS} ahead of now.
 *
 * Read session by session before (the active sessions' records in `session-records`),
 * anyone could hide them: sessions of one heartbeat each, which list nothing, took the
 * places of the sessions read (an outside security probe, then its re-check with sessions
 * dated ahead). Heartbeats and milestones are not in `latest`, so they cost this read
 * nothing, and a read is one bounded query whatever the site receives.
 */
import { SESSION_MS } from '../../classify/rules';
import type { ViewReader } from '../stats/view-reader';
import { LATEST_MAX, liveRecord, type LiveRecord, type RecordFields } from '../../stats/active';

/**
 * How far back the list reaches: records of a session that may still be open (a session
 * ends after 30 minutes without activity), so a visitor reading one page for long still
 * has their pageview listed.
 */
export const LATEST_WINDOW_MS = SESSION_MS;

/**
 * How far ahead of now a record still counts as now. The ingest takes records dated up
 * to 5 minutes ahead (browser clocks); made-up ones dated further ahead than this would
 * stay first in the list for minutes (an outside re-check took every place with records
 * dated 4.5 minutes ahead).
 */
export const AHEAD_MS = 30_000;

/** The site's newest {@link LATEST_MAX} listed records around `now`, newest first. */
export async function readLatestRecords(
	reader: ViewReader,
	site: string,
	now: number
): Promise<LiveRecord[]> {
	const rows = await reader.read<RecordFields>('latest', {
		startkey: [site, now + AHEAD_MS],
		endkey: [site, now - LATEST_WINDOW_MS],
		descending: true,
		reduce: false,
		limit: LATEST_MAX
	});
	return rows.map((row) => liveRecord(row.value, row.key[1] as number));
}
