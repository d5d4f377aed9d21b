/**
 * The data of the session pages under `/sites/[site]/sessions` for a site the caller may
 * read: the range the query string asks for (the dashboard's presets) and one page of
 * sessions, or a session's timeline. The same reads as the Sessions API.
 */
import { ignoreStatus, type Couch } from '../couch';
import type { StoredRecord } from '$lib/records';
import { CouchstatsError } from '../errors';
import { isTimeZone, rangeZoneName, type SiteRecord } from '../accounts/sites';
import { checkPageQuery, parseRangeParams } from '../stats/params';
import { rangeQuery, resolveRange } from '../../stats/range';
import type { SessionsPageData, SessionTimelineResponse } from '../../stats/sessions';
import { readSessionTimeline } from './read-sessions';
import { LIST_LIMIT, TIMELINE_LIMIT } from './handler';
import { parseListChoice, readListPage } from './list';

/**
 * A page of the sessions that started in the range `params` asks for, newest first,
 * under the dashboard's filter when it has one (`page=`, `source=` or `event=`), or of a
 * funnel step's sessions (`funnel=&step=&dropped=`: the funnel page's links).
 * @param shared Whether a share link reads it: it lists no funnel's sessions.
 */
export async function readSessionsPage(
	couch: Couch,
	site: Pick<SiteRecord, 'id' | 'name' | 'timeZone' | 'funnels'>,
	params: URLSearchParams,
	now: number,
	shared: boolean
): Promise<SessionsPageData> {
	const choice = resolveRange(params, site.timeZone, now, rangeZoneName);
	const base = {
		site: { id: site.id, name: site.name, timeZone: site.timeZone },
		range: { ...choice, tz: isTimeZone(choice.tz) ? choice.tz : site.timeZone },
		filter: null,
		funnel: null
	};
	try {
		checkPageQuery(params);
		const { chosen, filter } = parseListChoice(params, site, shared);
		const query = new URLSearchParams(rangeQuery(choice));
		const { range, fromFirstRecord } = parseRangeParams(query, site.timeZone, now);
		const list = await readListPage(couch, {
			chosen,
			filter,
			site: site.id,
			range,
			limit: LIST_LIMIT.default,
			cursor: params.get('cursor'),
			fromFirstRecord
		});
		// All time's dates as read: the next page's cursor fits them.
		return {
			...base,
			range: { ...base.range, ...list.range },
			filter,
			funnel: chosen?.choice ?? null,
			list
		};
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		return { ...base, list: { problem: e.message } };
	}
}

/**
 * A session's timeline page (its first {@link TIMELINE_LIMIT} records, or those after
 * `after`).
 * @throws {CouchstatsError} 404 for a session id that is malformed or not the site's, 400
 *   for an `after` this page never gave (as a rejection, which the pages turn into their
 *   status: a throw before the first await escaped them as a 500).
 */
export async function readTimelinePage(
	couch: Couch,
	site: Pick<SiteRecord, 'id'>,
	sid: string,
	params: URLSearchParams
): Promise<SessionTimelineResponse> {
	if (!/^[0-9a-f-]{36}$/.test(sid)) throw new CouchstatsError(404, 'no such session');
	return readSessionTimeline(couch, {
		site: site.id,
		sid,
		limit: TIMELINE_LIMIT.default,
		after: params.get('after')
	});
}

/**
 * The visitor id of a session, for its site's owners (a share link's page never shows
 * it: the id reads and erases the visitor's records at the visitor endpoint), read from
 * the first record of its timeline page: every record of a session has its visitor's id.
 * @returns null when the page holds no record, or that record is gone or another site's.
 */
export async function sessionVisitor(
	couch: Couch,
	site: string,
	timeline: Pick<SessionTimelineResponse, 'records'>
): Promise<string | null> {
	const first = timeline.records[0];
	if (!first) return null;
	const doc = (await ignoreStatus(couch.events.get(first.id), 404)) as StoredRecord | undefined;
	return doc?.site === site ? doc.vid : null;
}
