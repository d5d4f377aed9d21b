/**
 * The Sessions API behind the thin route files (README, "Sessions API"): the Stats
 * API's access rules (owner session, bearer token), and a share link only when the
 * site's owner lets it show sessions (`shareSessions`, off by default).
 */
import { ID_PATTERN } from '../../records';
import { exportName, toCsv } from '../../stats/csv';
import { FUNNEL_SESSION_CSV_COLUMNS, SESSION_CSV_COLUMNS } from '../../stats/sessions';
import { couch as appCouch, type Couch } from '../couch';
import { CouchstatsError } from '../errors';
import type { SiteRecord } from '../accounts/sites';
import {
	authorizeSite,
	credentialsOf,
	showsSessions,
	type Credentials,
	type StatsRequest
} from '../stats/authorize';
import { csvPage, errorResponse, NO_STORE } from '../api-response';
import { API_PARAMS, parseLimit, parseRangeParams, parseSiteId } from '../stats/params';
import { readSessionTimeline } from './read-sessions';
import { parseListChoice, readListPage } from './list';
import { funnelFileName } from '../../stats/funnels';

/** Sessions per list page unless `limit` says otherwise, and the most it may say. */
export const LIST_LIMIT = { default: 50, max: 1000 } as const;
/** Timeline records per page unless `limit` says otherwise, and the most it may say. */
export const TIMELINE_LIMIT = { default: 500, max: 1000 } as const;

/** Options of the handlers: injectable for tests. */
export interface SessionsHandlerOptions {
	couch?: Couch;
	now?: () => number;
	timeoutMs?: number;
	/** Rows of a funnel's step 1 per list page (see funnel-walk.ts). */
	batchRows?: number;
}

/**
 * Loads a site whose sessions the credentials may read.
 * @throws {CouchstatsError} as {@link authorizeSite}; 403 for a share link of a site
 *   whose owner has not let it show sessions.
 */
export async function authorizeSessions(
	couch: Couch,
	siteId: string,
	credentials: Credentials
): Promise<SiteRecord> {
	const site = await authorizeSite(couch, siteId, credentials);
	if (!showsSessions(credentials, site)) {
		throw new CouchstatsError(403, `the share link of site "${siteId}" does not show sessions`);
	}
	return site;
}

/**
 * `GET /api/v1/sessions?site=ID&from=&to=&tz=&limit=&cursor=&format=json|csv`: a page of
 * the sessions that started in the range, newest first, under the Stats API's filter
 * parameters (`page=`, `source=`, `event=`) when given, or a funnel step's sessions
 * (`funnel=&step=&dropped=`, never through a share link); CSV names the next page's
 * cursor in a `Link` header.
 */
export async function handleSessionList(
	event: StatsRequest,
	options: SessionsHandlerOptions = {}
): Promise<Response> {
	try {
		const db = options.couch ?? appCouch();
		const params = event.url.searchParams;
		const siteId = parseSiteId(params, API_PARAMS.sessions);
		const site = await authorizeSessions(db, siteId, credentialsOf(event));
		const now = (options.now ?? Date.now)();
		const { range, limit, fromFirstRecord } = parseRangeParams(
			params,
			site.timeZone,
			now,
			LIST_LIMIT
		);
		const { chosen, filter } = parseListChoice(params, site, credentialsOf(event).share !== null);
		const format = params.get('format') ?? 'json';
		if (format !== 'json' && format !== 'csv') {
			throw new CouchstatsError(400, `format "${format.slice(0, 20)}" must be json or csv`);
		}
		const list = await readListPage(
			db,
			{
				chosen,
				filter,
				site: site.id,
				range,
				limit,
				cursor: params.get('cursor'),
				fromFirstRecord
			},
			{ timeoutMs: options.timeoutMs, batchRows: options.batchRows }
		);
		if (format === 'json') return Response.json(list, { headers: NO_STORE });
		const name = chosen ? `sessions-${funnelFileName(chosen.choice)}` : 'sessions';
		return csvPage(
			event.url,
			`${exportName(site.id, name, list.range, filter)}.csv`,
			toCsv(chosen ? FUNNEL_SESSION_CSV_COLUMNS : SESSION_CSV_COLUMNS, list.sessions as never),
			list.next
		);
	} catch (e) {
		return errorResponse(e);
	}
}

/** `GET /api/v1/sessions/{sid}?site=ID&limit=&after=`: a session's summary and timeline. */
export async function handleSessionTimeline(
	event: StatsRequest,
	sid: string,
	options: SessionsHandlerOptions = {}
): Promise<Response> {
	try {
		const db = options.couch ?? appCouch();
		const params = event.url.searchParams;
		const siteId = parseSiteId(params, API_PARAMS.session);
		const site = await authorizeSessions(db, siteId, credentialsOf(event));
		if (!ID_PATTERN.test(sid)) {
			throw new CouchstatsError(400, `"${sid.slice(0, 40)}" is not a session id (a UUIDv7)`);
		}
		const limit = parseLimit(params, TIMELINE_LIMIT);
		const body = await readSessionTimeline(
			db,
			{ site: site.id, sid, limit, after: params.get('after') },
			{ timeoutMs: options.timeoutMs }
		);
		return Response.json(body, { headers: NO_STORE });
	} catch (e) {
		return errorResponse(e);
	}
}
