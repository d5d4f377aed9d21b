/**
 * The latest pageviews, returns and events of the sessions active now: what the realtime
 * panel lists when a dashboard opens, before the live stream adds what comes next. Read
 * from `session-records` newest first, session by session, latest activity first, until
 * no session left can hold a newer record than the {@link LATEST_MAX} kept, of the
 * {@link MAX_SESSIONS} latest at most.
 */
import type { ViewReader } from '../stats/view-reader';
import {
	LATEST_MAX,
	LISTED_TYPES,
	LIVE_SESSIONS,
	liveRecord,
	newestListed,
	type Activity,
	type LiveRecord
} from '../../stats/active';
import type { RecordValue } from '../../stats/sessions';

/** Rows one read of a session's records asks for (heartbeats and milestones come between). */
const PAGE = 50;

/**
 * Reads of one session's records at most: a tab left open and engaged for hours sends
 * hundreds of heartbeats and nothing listed, and a dashboard read must stay bounded.
 */
const MAX_PAGES = 3;

/** Sessions read at once. */
const PARALLEL = 5;

/**
 * Sessions read at most: the latest {@link LIVE_SESSIONS}, those the panel lists one by
 * one. Anyone can start sessions that list nothing (a heartbeat each), and an outside
 * security probe made every read of the demo's public page cost 4–9 s and 6 CPU-s with
 * 5,000 of them when every active session was read.
 */
export const MAX_SESSIONS = LIVE_SESSIONS;

/**
 * How far ahead of now a session's latest activity still counts as now. The ingest takes
 * records dated up to 5 minutes ahead (browser clocks); sessions dated further ahead than
 * this are read last, after every other: an outside re-check took all {@link
 * MAX_SESSIONS} places with 20 made-up sessions dated 4.5 minutes ahead.
 */
const AHEAD_MS = 30_000;

/**
 * The newest {@link LATEST_MAX} listed records of `sessions`, newest first.
 * @param sessions Active sessions, latest activity first (`latestActivity`): a session's
 *   records are no newer than its latest activity, so once that many records are at least
 *   as new as the next session's, no later session is read.
 * @param now The time "active now" is of (sessions dated well ahead of it come last).
 */
export async function readLatestRecords(
	reader: ViewReader,
	site: string,
	sessions: readonly Activity[],
	now: number
): Promise<LiveRecord[]> {
	const present = (s: Activity) => s.at <= now + AHEAD_MS;
	const ordered = [...sessions.filter(present), ...sessions.filter((s) => !present(s))];
	let latest: LiveRecord[] = [];
	const read = Math.min(ordered.length, MAX_SESSIONS);
	for (let first = 0; first < read; first += PARALLEL) {
		const full = latest.length === LATEST_MAX;
		if (full && latest[LATEST_MAX - 1].ts >= ordered[first].at) break;
		const found = await Promise.all(
			ordered
				.slice(first, Math.min(first + PARALLEL, read))
				.map((session) => sessionLatest(reader, site, session.sid))
		);
		latest = newestListed([...latest, ...found.flat()]);
	}
	return latest;
}

/**
 * A session's newest {@link LATEST_MAX} listed records among its latest
 * {@link MAX_PAGES} × {@link PAGE}, a page of its records at a time.
 */
async function sessionLatest(reader: ViewReader, site: string, sid: string): Promise<LiveRecord[]> {
	const listed: LiveRecord[] = [];
	// Keys are [site, sid, ts, _id], each a row's own: a page after the first starts at the
	// last key read (its row comes again first and is dropped), as a cursor, never a skip.
	let after: unknown[] | undefined;
	for (let pages = 1; ; pages++) {
		const rows = await reader.read<RecordValue>('session-records', {
			startkey: after ?? [site, sid, {}],
			endkey: [site, sid],
			descending: true,
			reduce: false,
			limit: after ? PAGE + 1 : PAGE
		});
		const page = after ? rows.slice(1) : rows;
		for (const row of page) {
			const record = liveRecord(row.value, row.key[2] as number);
			if (LISTED_TYPES.has(record.type)) listed.push(record);
		}
		if (listed.length >= LATEST_MAX || page.length < PAGE || pages === MAX_PAGES) {
			return listed.slice(0, LATEST_MAX);
		}
		after = page[page.length - 1].key;
	}
}
