/**
 * Reads of sessions, each costing what it shows (ARCHITECTURE.md, "Sessions"):
 * - the list: one `session-starts` read of the page's rows (descending from the range's
 *   end, or from the cursor) in the filter's scope, the range's sessions from the read
 *   model (`metrics` buckets, O(buckets): the dashboard's own number), and one
 *   `session-summary` read per session shown (group_level=4: 5 + its distinct pages rows);
 * - a timeline: one `session-summary` read and one `session-records` read of at most
 *   `limit` + 1 rows from the cursor.
 * No read loops over a range's events.
 */
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { createViewReader } from '../stats/view-reader';
import { encodeCursor, parseCursor, readFingerprint } from '../stats/cursor';
import { readSections, valueOf } from '../stats/read-stats';
import { readAllTime } from '../stats/all-time';
import { answeredRange, rangeBounds, type DateRange } from '../../stats/periods';
import type { Filter } from '../../stats/filters';
import { readScopes } from '../stats/page-paths';
import {
	timeline,
	type RecordValue,
	type SessionListResponse,
	type SessionSummary,
	type SessionTimelineResponse
} from '../../stats/sessions';
import { readSummaries } from './summaries';

/** Options of the reads: injectable for tests. */
export interface ReadSessionsOptions {
	/** Time limit of a view query before `stale=ok` (see view-reader.ts). */
	timeoutMs?: number;
}

/** Where a list page starts: the key of the last session of the previous page. */
interface ListCursor {
	ts: number;
	sid: string;
}

/**
 * Decodes a cursor (src/lib/server/stats/cursor.ts) holding a row's key and the
 * fingerprint of the read it came from (`[ts, id, bound]`): a list's (its site, range and
 * filter) or a timeline's (its session).
 * @param bound The read's fingerprint, and what it is of, for the message.
 * @throws {CouchstatsError} 400 when it is not one this read returned.
 */
function decodeCursor(
	text: string,
	name: string,
	bound: { fingerprint: string; of: string }
): [number, string] {
	const parts = parseCursor(text);
	if (
		!Array.isArray(parts) ||
		parts.length !== 3 ||
		!Number.isFinite(parts[0]) ||
		typeof parts[1] !== 'string' ||
		parts[2] !== bound.fingerprint
	) {
		throw new CouchstatsError(400, `${name} is not one this API returned for ${bound.of}`);
	}
	return [parts[0], parts[1]];
}

/**
 * A page of the sessions that started in `range`, newest first; under a filter, the
 * sessions the dashboard counts under it (src/lib/stats/filters.ts): from that source,
 * landed on that page, or that fired that event, the last listed by when they first
 * fired it (couchdb/events/views/session-starts.js).
 * @param limit Sessions per page.
 * @param cursor The previous page's `next`, to read the next (older) page.
 * @param filter One of the dashboard's filters; default none.
 * @param fromFirstRecord Read all time up to `range.to` (all-time.ts) instead of `range`.
 * @throws {CouchstatsError} 400 for a cursor of another site, range or filter.
 */
export async function readSessionList(
	couch: Couch,
	query: {
		site: string;
		range: DateRange;
		limit: number;
		cursor?: string | null;
		filter?: Filter | null;
		fromFirstRecord?: boolean;
	},
	options: ReadSessionsOptions = {}
): Promise<SessionListResponse> {
	const { site, limit, filter } = query;
	const reader = createViewReader(couch, options);
	const range = query.fromFirstRecord ? await readAllTime(reader, site, query.range) : query.range;
	const { start, end } = rangeBounds(range);
	// A cursor fits the list it came from: in another's it would start a page anywhere.
	const bound = readFingerprint([site, range.from, range.to, range.tz, filter ?? null]);
	const key = query.cursor
		? decodeCursor(query.cursor, 'cursor', {
				fingerprint: bound,
				of: 'this site, range and filter'
			})
		: null;
	const cursor: ListCursor | null = key && { ts: key[0], sid: key[1] };
	// A session that started before the range is in no page of it (a made-up cursor's time
	// there made the read fail: an outside security probe).
	if (cursor && cursor.ts < start) {
		throw new CouchstatsError(400, 'cursor is not one this API returned for this range');
	}
	// A page pattern lists its paths' sessions: each session landed on one path, so the
	// newest of each path's newest `limit + 2`, merged, are the newest of all.
	const scoped = await readScopes(reader, site, filter);
	// Descending from the range's end ([scope, end] sorts before every key of that
	// millisecond, so `end` itself is left out) or from the cursor's own key, dropped below.
	const from = (scope: unknown) =>
		cursor && cursor.ts < end ? [scope, cursor.ts, cursor.sid] : [scope, end];
	const [rows, counted] = await Promise.all([
		Promise.all(
			scoped.scopes.map((scope) =>
				reader.read<null>('session-starts', {
					startkey: from(scope),
					endkey: [scope, start],
					descending: true,
					reduce: false,
					limit: limit + 2
				})
			)
		).then((parts) => (parts.length === 1 ? parts[0] : parts.flat().sort(newestFirst))),
		// The total is the dashboard's sessions number for the range and filter, read by
		// the read model in O(buckets); a `_count` here would walk a row per session.
		readSections(
			couch,
			{ site, range, limit: 0, filter },
			{ ...options, sections: ['totals'], scopes: scoped }
		)
	]);
	const seen = new Set<string>(cursor ? [cursor.sid] : []);
	const page: ListCursor[] = [];
	let more = false;
	for (const row of rows) {
		const sid = String(row.key[2]);
		if (seen.has(sid)) continue;
		if (page.length === limit) {
			more = true;
			break;
		}
		seen.add(sid);
		page.push({ ts: row.key[1] as number, sid });
	}
	const summaries = await readSummaries(
		reader,
		site,
		page.map((p) => p.sid)
	);
	const last = page.at(-1);
	return {
		site,
		range: answeredRange(range),
		...(filter && { filter }),
		total: valueOf(counted.totals).sessions,
		sessions: summaries.filter((s): s is SessionSummary => s !== null),
		next: more && last ? encodeCursor([last.ts, last.sid, bound]) : null,
		indexing: reader.indexing || counted.indexing
	};
}

/**
 * A session's summary and timeline: up to `limit` records after the cursor `after`.
 * @throws {CouchstatsError} 404 when the site has no counted record of that session, 400
 *   for a cursor that is not one of this session's timeline.
 */
export async function readSessionTimeline(
	couch: Couch,
	query: { site: string; sid: string; limit: number; after?: string | null },
	options: ReadSessionsOptions = {}
): Promise<SessionTimelineResponse> {
	const { site, sid, limit } = query;
	// A cursor fits the timeline it came from: in another session's it would start anywhere.
	const bound = readFingerprint(['timeline', site, sid]);
	const key = query.after
		? decodeCursor(query.after, 'after', { fingerprint: bound, of: 'this session' })
		: null;
	const after = key && { ts: key[0], id: key[1] };
	const reader = createViewReader(couch, options);
	const [[session], rows] = await Promise.all([
		readSummaries(reader, site, [sid]),
		reader.read<RecordValue>('session-records', {
			// [site, sid, ts, id, {}] sorts right after the cursor's own row.
			startkey: after ? [site, sid, after.ts, after.id, {}] : [site, sid],
			endkey: [site, sid, {}],
			reduce: false,
			limit: limit + 1
		})
	]);
	if (!session) throw new CouchstatsError(404, `site "${site}" has no session "${sid}"`);
	const shown = rows.slice(0, limit);
	const more = rows.length > limit;
	const last = shown.at(-1);
	return {
		site,
		session,
		records: timeline(shown, !more),
		next: more && last ? encodeCursor([last.key[2] as number, String(last.key[3]), bound]) : null,
		indexing: reader.indexing
	};
}

/**
 * Orders `session-starts` rows as one descending read would: by time, then session id
 * (UUIDv7s: hex digits and hyphens at fixed places, which both servers collate as JS does).
 */
function newestFirst(a: { key: unknown[] }, b: { key: unknown[] }): number {
	const [ta, sa] = [a.key[1] as number, String(a.key[2])];
	const [tb, sb] = [b.key[1] as number, String(b.key[2])];
	return tb - ta || (sa < sb ? 1 : sa > sb ? -1 : 0);
}
