/**
 * The Stats API behind the thin route files: authorize, parse, read, answer. Errors
 * the caller can fix become JSON `{ error, message }` with their status; anything
 * else is logged and answered with a bare 500.
 */
import type { User } from '../auth';
import { couch as appCouch, type Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { logError } from '../log';
import { authorizeSite } from './authorize';
import { exportCsv, exportRows, parseExportParams } from './export';
import { parseFilter, parseRangeParams, parseSiteId } from './params';
import type { StatsResponse } from '../../stats/response';
import { readStats } from './read-stats';

/** What the handlers need from a SvelteKit RequestEvent (so scripts can call them too). */
export interface StatsRequest {
	url: URL;
	request: Request;
	locals: { user: User | null };
}

/** Options of the handlers: injectable for tests and the benchmark. */
export interface StatsHandlerOptions {
	couch?: Couch;
	now?: () => number;
	/** Time limit of a view query before `stale=ok`. */
	timeoutMs?: number;
}

/** Reads the stats a request asks for, after checking who asks. */
export async function statsFor(
	event: StatsRequest,
	options: StatsHandlerOptions = {},
	limitOverride?: number
): Promise<StatsResponse> {
	const db = options.couch ?? appCouch();
	const now = options.now ?? Date.now;
	const params = event.url.searchParams;
	const site = await authorizeSite(db, parseSiteId(params), {
		user: event.locals.user,
		authorization: event.request.headers.get('authorization'),
		share: params.get('share')
	});
	const { range, interval, limit, fromFirstRecord } = parseRangeParams(
		params,
		site.timeZone,
		now()
	);
	const filter = parseFilter(params);
	return readStats(
		db,
		{ site: site.id, range, interval, limit: limitOverride ?? limit, filter, fromFirstRecord },
		{ now, timeoutMs: options.timeoutMs }
	);
}

/** `GET /api/v1/stats`: the JSON response the README's Stats API section describes. */
export async function handleStats(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const stats = await statsFor(event, options);
		return Response.json(stats, { headers: { 'cache-control': 'private, no-store' } });
	} catch (e) {
		return errorResponse(e);
	}
}

/** `GET /api/v1/stats/export?…&breakdown=NAME&format=csv|json`: one breakdown, all rows. */
export async function handleExport(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const { name, format } = parseExportParams(event.url.searchParams);
		const stats = await statsFor(event, options, Infinity);
		const filename = `${stats.site}-${name}-${stats.range.from}-${stats.range.to}`;
		const headers = {
			'cache-control': 'private, no-store',
			'content-disposition': `attachment; filename="${filename}.${format}"`
		};
		if (format === 'json') return Response.json(exportRows(stats, name), { headers });
		return new Response(exportCsv(stats, name), {
			headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' }
		});
	} catch (e) {
		return errorResponse(e);
	}
}

function errorResponse(e: unknown): Response {
	if (e instanceof CouchstatsError) {
		const headers: Record<string, string> =
			e.status === 401 ? { 'www-authenticate': 'Bearer realm="couchstats"' } : {};
		return Response.json({ error: e.name, message: e.message }, { status: e.status, headers });
	}
	logError('stats request failed', e);
	return Response.json(
		{ error: 'internal', message: 'the stats could not be read' },
		{ status: 500 }
	);
}
