/**
 * The Stats API behind the thin route files: authorize, parse, read, answer. Errors
 * the caller can fix become JSON `{ error, message }` with their status; anything
 * else is logged and answered with a bare 500.
 */
import { couch as appCouch, type Couch } from '../couch';
import { ClientGone, CouchstatsError, RetryLater } from '../errors';
import { errorResponse, NO_STORE } from '../api-response';
import {
	authorizeSite,
	credentialsOf,
	showsSessions,
	stillAuthorized,
	type StatsRequest
} from './authorize';
import { heldAccess, onAccessChanged, type AccessCheck } from '../accounts/access';
import { exportSiteRecords } from '../accounts/site-records';
import { withinIndexWait } from './still-indexing';
import {
	EXPORTS,
	ZIP_EXPORTS,
	exportCsv,
	exportLines,
	exportReads,
	exportSubject,
	exportValue,
	parseExportParams,
	type Export,
	type ExportName,
	type ExportRequest,
	type ZipRequest,
	type ExportSection,
	type ExportValues
} from './export';
import { ZipWriter } from './zip-writer';
import {
	API_PARAMS,
	comparesRows,
	EXPORT_PARAMS,
	parseDirection,
	parseFilter,
	parseJourneyFilter,
	parseJourneyPage,
	parsePathSteps,
	parseRangeParams,
	parseRowCut,
	parseSiteId
} from './params';
import type { ReadEnvelope, Sections, StatsResponse } from '../../stats/response';
import { contentDisposition, exportName } from '../../stats/csv';
import { readSections, readStats, valueOf } from './read-stats';
import { parseDashboardRead, readDashboard } from './dashboard';
import type { Journey, PathReport } from '../../stats/journeys';
import type { Filter } from '../../stats/filters';
import type { DateRange } from '../../stats/periods';

/** Options of the handlers: injectable for tests and the benchmark. */
export interface StatsHandlerOptions {
	couch?: Couch;
	now?: () => number;
	/** Time limit of a view query before `stale=ok`. */
	timeoutMs?: number;
}

/**
 * Who asks checked (owner, API token or share link): the store, query and site a request
 * reads, and whether the reader sees the site's sessions one by one (`showsSessions`).
 * @param known The parameters the request's API takes (`API_PARAMS`): any other is a 400.
 */
export async function authorizedSite(
	event: StatsRequest,
	options: { couch?: Couch },
	known?: readonly string[]
) {
	const db = options.couch ?? appCouch();
	const params = event.url.searchParams;
	const credentials = credentialsOf(event);
	const site = await authorizeSite(db, parseSiteId(params, known), credentials);
	return { db, params, site, liveSessions: showsSessions(credentials, site) };
}

/** Who asks checked, then the site, store, clock and range a request reads. */
async function authorizedRead(
	event: StatsRequest,
	options: StatsHandlerOptions,
	known: readonly string[]
) {
	const authorized = await authorizedSite(event, options, known);
	const now = options.now ?? Date.now;
	const { params, site } = authorized;
	return { ...authorized, now, ...parseRangeParams(params, site.timeZone, now()) };
}

/**
 * The store, query and read options of a request for stats, after checking who asks.
 * @param compareBreakdowns Whether its breakdown rows carry their change (`comparesRows`,
 *   which the caller has worked out: an export's request holds it).
 * @param known The parameters the request takes; default the Stats API's.
 */
async function statsQuery(
	event: StatsRequest,
	options: StatsHandlerOptions,
	compareBreakdowns: boolean,
	known: readonly string[] = API_PARAMS.stats
) {
	const { db, now, params, site, range, interval, limit, compare, fromFirstRecord, liveSessions } =
		await authorizedRead(event, options, known);
	const query = {
		site: site.id,
		range,
		interval,
		limit,
		compare,
		filter: parseFilter(params),
		goals: site.goals,
		fromFirstRecord,
		...(known.includes('offset') && parseRowCut(params))
	};
	return {
		db,
		query,
		read: { now, timeoutMs: options.timeoutMs, liveSessions, compareBreakdowns }
	};
}

/** Reads the stats a request asks for, after checking who asks. */
export async function statsFor(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<StatsResponse> {
	const { db, query, read } = await statsQuery(
		event,
		options,
		comparesRows(event.url.searchParams)
	);
	return readStats(db, query, read);
}

/** `GET /api/v1/stats`: the JSON response the README's Stats API section describes. */
export async function handleStats(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const stats = await statsFor(event, options);
		return Response.json(stats, { headers: NO_STORE });
	} catch (e) {
		return errorResponse(e);
	}
}

/**
 * `GET /api/v1/dashboard?site=ID&part=live|walks&…` with the page's own query (range,
 * filter, `journey`, `step`): the part of a dashboard that its page's loads read, or
 * with `part=details&breakdown=NAME` (and `offset`, `search`) a details page's rows
 * (`readDashboard`, as a re-read: no sequence, and the latest events only with
 * `latest=1`), as JSON, with the Stats API's authorization. A live page re-reads
 * its numbers here rather than through SvelteKit's `invalidate`, whose failed data
 * request replaces the page (src/lib/reread.ts).
 */
export async function handleDashboard(
	event: StatsRequest,
	options: Pick<StatsHandlerOptions, 'couch' | 'now'> = {}
): Promise<Response> {
	try {
		const { db, params, site, liveSessions } = await authorizedSite(event, options);
		const read = parseDashboardRead(params);
		const reread = { latest: params.get('latest') === '1' };
		const body = await readDashboard(db, site, params, {
			...read,
			now: options.now,
			reread,
			liveSessions
		});
		return Response.json(body, { headers: NO_STORE });
	} catch (e) {
		return errorResponse(e);
	}
}

/**
 * `GET /api/v1/stats/export?…&breakdown=NAME&format=csv|json`: one export, all rows. A
 * breakdown, the time series, the totals and goals take the Stats API's parameters;
 * journeys and paths those of the Journeys and Paths APIs (`page=` the journey's page,
 * `step=`), read as those APIs read them. `format=zip` without `breakdown`: every export
 * of the Stats API's parameters in one ZIP ({@link zipExports}).
 */
export async function handleExport(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const request = parseExportParams(event.url.searchParams);
		if (request.format === 'zip') return await zipExports(event, options, request);
		const { name, format } = request;
		const { section } = EXPORTS[name];
		// Only what the export holds, every row of it.
		const { read, value } =
			section === 'journeys' || section === 'paths'
				? await readWalk(event, options, section)
				: await readExport(event, options, request);
		const filename = exportFileName(request, read, value);
		const headers = {
			...NO_STORE,
			'content-disposition': contentDisposition(`${filename}.${format}`)
		};
		if (format === 'json') return Response.json(exportLines(request, value), { headers });
		return new Response(exportCsv(request, value), {
			headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' }
		});
	} catch (e) {
		return errorResponse(e);
	}
}

/** An export's file name, without its extension: the site, what it is of, the range and filter. */
function exportFileName(
	request: ExportRequest,
	read: { site: string; range: DateRange; filter: Filter | null },
	value: ExportValues[ExportSection]
): string {
	return exportName(read.site, exportSubject(request, value), read.range, read.filter);
}

/** Reads the sections one export of the Stats API's parameters comes from, with every row. */
async function readExport(
	event: StatsRequest,
	options: StatsHandlerOptions,
	request: ExportRequest
) {
	const asked = await exportQuery(event, options, request.compared);
	const read = await readExports(asked, [request.name]);
	return { read, value: exported(read, request.name) };
}

/**
 * Who asks checked, then the store, query and read options of an export of the Stats API's
 * parameters.
 * @param compared Whether it compares with the previous period (its request's `compared`).
 */
function exportQuery(event: StatsRequest, options: StatsHandlerOptions, compared: boolean) {
	return statsQuery(event, options, compared, [...API_PARAMS.stats, ...EXPORT_PARAMS]);
}

/**
 * Reads, as one read of the read model, the sections the exports `names` come from
 * ({@link exportReads}), with every row: of the breakdowns only the exported ones (an
 * outside probe measured an export reading every one).
 */
function readExports(
	{ db, query, read }: Awaited<ReturnType<typeof exportQuery>>,
	names: readonly ExportName[]
) {
	return readSections(db, { ...query, limit: Infinity }, { ...read, ...exportReads(names) });
}

/** What the export `name` is made from, out of a read of {@link readExports}. */
function exported(read: Awaited<ReturnType<typeof readExports>>, name: ExportName) {
	const { section } = EXPORTS[name] as Export<Exclude<ExportSection, 'journeys' | 'paths'>>;
	return exportValue(section, read);
}

/**
 * `format=zip`: every export of {@link ZIP_EXPORTS} as its CSV, each named and made as
 * `breakdown=NAME&format=csv` answers it, in one ZIP named `SITE-dashboard-FROM-TO….zip`.
 * Their sections are read as one read, inside the request (its read budget, and its
 * client leaving ends the reads: store-dispatch.ts), each view once for all the
 * breakdowns that share it, as a dashboard reads them. The CSVs are then made one after
 * another, each compressed as soon as it is made: what is held is the read's values
 * (every row of each export, folded; the views' rows are let go once folded, as a
 * dashboard's are), one CSV, and the compressed files.
 */
async function zipExports(
	event: StatsRequest,
	options: StatsHandlerOptions,
	{ compared }: ZipRequest
): Promise<Response> {
	const asked = await exportQuery(event, options, compared);
	const zip = new ZipWriter(new Date(asked.read.now()));
	const read = await readExports(asked, ZIP_EXPORTS);
	for (const name of ZIP_EXPORTS) {
		// A client gone: the CSVs left would be made for nobody (its reads ended with it).
		if (event.request.signal.aborted) throw new ClientGone();
		const request: ExportRequest = { name, format: 'csv', direction: null, compared };
		const value = exported(read, name);
		zip.add(`${exportFileName(request, read, value)}.csv`, exportCsv(request, value));
	}
	return new Response(zip.end(), {
		headers: {
			...NO_STORE,
			'content-type': 'application/zip',
			'content-disposition': contentDisposition(
				`${exportName(read.site, 'dashboard', read.range, read.filter)}.zip`
			)
		}
	});
}

/** Reads the journeys or paths an export comes from, as their API does, with every row. */
async function readWalk(
	event: StatsRequest,
	options: StatsHandlerOptions,
	section: 'journeys' | 'paths'
) {
	const known = [...API_PARAMS[section], ...EXPORT_PARAMS];
	const { read } = await journeySection(event, options, section, Infinity, known);
	return { read, value: valueOf<Sections[typeof section]>(read[section]) };
}

/**
 * The Journeys API's answer (README, "Journeys API"): with `direction=`, only that
 * side's list.
 */
export type JourneysResponse = ReadEnvelope &
	Omit<Journey, 'next' | 'previous'> &
	Partial<Pick<Journey, 'next' | 'previous'>>;

/** The Paths API's answer (README, "Paths API"). */
export type PathsResponse = ReadEnvelope & PathReport;

/**
 * What the Journeys and Paths APIs (and their exports) read of a request's parameters
 * besides the range: the page or the path, and a source filter only (a page or event
 * filter is a 400: it would keep part of a session's pageviews).
 */
const WALK_QUERIES = {
	journeys: (params: URLSearchParams) => ({
		journeyPage: parseJourneyPage(params),
		filter: parseJourneyFilter(params, ['source', 'event'])
	}),
	paths: (params: URLSearchParams) => ({
		pathSteps: parsePathSteps(params),
		filter: parseJourneyFilter(params, ['page', 'source', 'event'])
	})
};

/**
 * Reads one section of journeys (`journeys` or `paths`) for a request, after checking
 * who asks, under the request's source filter.
 * @param limit Rows of each list before "(other)"; default the request's `limit`.
 * @param known The parameters the request takes; default its API's.
 */
async function journeySection<S extends 'journeys' | 'paths'>(
	event: StatsRequest,
	options: StatsHandlerOptions,
	section: S,
	limit?: number,
	known: readonly string[] = API_PARAMS[section]
) {
	const authorized = await authorizedRead(event, options, known);
	const { db, now, params, site, range, interval, fromFirstRecord } = authorized;
	const read = await readSections(
		db,
		{
			site: site.id,
			range,
			interval,
			limit: limit ?? authorized.limit,
			fromFirstRecord,
			...WALK_QUERIES[section](params)
		},
		{ now, timeoutMs: options.timeoutMs, sections: [section] }
	);
	// Their filter is `source=` only (WALK_QUERIES).
	const envelope: ReadEnvelope = {
		site: read.site,
		range: read.range,
		filter: read.filter,
		indexing: read.indexing,
		meta: read.meta
	};
	return { envelope, read };
}

/**
 * `GET /api/v1/journeys?site&from&to&tz&page&direction&source&limit`: the pages before
 * and after `page` (default the busiest) over the range, or one side of it with
 * `direction`, read through the read model's `journeys` section, with the Stats API's
 * authorization.
 */
export async function handleJourneys(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const direction = parseDirection(event.url.searchParams);
		const { envelope, read } = await journeySection(event, options, 'journeys');
		const { next, previous, ...page } = valueOf(read.journeys);
		const body: JourneysResponse = {
			...envelope,
			...page,
			...(direction !== 'previous' && { next }),
			...(direction !== 'next' && { previous })
		};
		return Response.json(body, { headers: NO_STORE });
	} catch (e) {
		return errorResponse(e);
	}
}

/**
 * `GET /api/v1/paths?site&from&to&tz&step&source&limit`: the pages sessions viewed after
 * the path from entry the `step`s name (none: the entry pages), read through the read
 * model's `paths` section, with the Stats API's authorization.
 */
export async function handlePaths(
	event: StatsRequest,
	options: StatsHandlerOptions = {}
): Promise<Response> {
	try {
		const { envelope, read } = await journeySection(event, options, 'paths');
		const body: PathsResponse = { ...envelope, ...valueOf(read.paths) };
		return Response.json(body, { headers: NO_STORE });
	} catch (e) {
		return errorResponse(e);
	}
}

/**
 * The sites whose records are being exported. An export costs the app about a third of
 * a millisecond of CPU a record (an outside probe: 6–9 CPU-s for a site of 22,500
 * records, and three at once took the other sites' reads from 0.04 to 0.5–0.85 s), so a
 * site's records are exported one request at a time: a second answers 429 until the
 * first ends (read to its end, failed, or its client gone).
 */
const exporting = new Set<string>();

/** Seconds a second export of a site is told to wait. */
const EXPORT_RETRY_S = 10;

/**
 * Longest an export waits for its client to take the next page, ms: a client that stops
 * reading (a paused download) would otherwise hold the site's one export for as long as
 * its connection stays open (a security probe held it 420 s). A page is at most about
 * 2 MB, which a slow link of 20 KB/s takes in 100 s.
 */
export const EXPORT_IDLE_MS = 120_000;

/** Why an export ended before its last record: its reader's access went. */
export const EXPORT_REVOKED = "the export's access to the site's records was revoked";

/**
 * Why an export ended before its last record when its reader's access could not be
 * checked again (accounts/access.ts `AccessCheck`): nothing was revoked.
 */
export const EXPORT_UNCHECKED =
	"the export's access to the site's records could not be checked: the database did not answer; ask again in a moment";

/**
 * `stream`, calling `end` once when it has been read to its end, failed, was cancelled,
 * or waited `idleMs` for its reader to take the first or the next chunk (then it fails).
 * It fails too once `allowed` says its reader's access went, or could not be checked
 * ({@link EXPORT_REVOKED}, {@link EXPORT_UNCHECKED}): checked before each chunk
 * and at once when access changes in this process (a slow download held for minutes
 * must not outlive the token that began it, as a live stream does not; an outside probe
 * read all 3,125 records 240 s after the token was revoked).
 */
function whenEnded(
	stream: ReadableStream<Uint8Array>,
	end: () => void,
	idleMs: number,
	allowed: () => Promise<AccessCheck>
): ReadableStream<Uint8Array> {
	const reader = stream.getReader();
	let ended = false;
	let idle: ReturnType<typeof setTimeout> | undefined;
	let unwatch = () => {};
	const once = () => {
		clearTimeout(idle);
		unwatch();
		if (ended) return;
		ended = true;
		end();
	};
	const fail = (controller: ReadableStreamDefaultController<Uint8Array>, reason: string) => {
		if (ended) return;
		once();
		// The records' stream may have failed already (its next page's read), and then its
		// cancel rejects: unhandled, that would end the process.
		reader.cancel().catch(() => {});
		controller.error(new Error(reason));
	};
	/** Waits `idleMs` for the reader, then fails the stream. */
	const wait = (controller: ReadableStreamDefaultController<Uint8Array>) => {
		idle = setTimeout(() => fail(controller, 'the client stopped reading the export'), idleMs);
	};
	/** Fails the stream if its reader's access went or could not be checked; false then. */
	const still = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
		const found = await allowed();
		if (found === 'held') return true;
		fail(controller, found === 'revoked' ? EXPORT_REVOKED : EXPORT_UNCHECKED);
		return false;
	};
	return new ReadableStream<Uint8Array>(
		{
			start(controller) {
				unwatch = onAccessChanged(() => void still(controller));
				wait(controller);
			},
			async pull(controller) {
				clearTimeout(idle);
				try {
					if (!(await still(controller))) return;
					const { done, value } = await reader.read();
					if (done) {
						once();
						controller.close();
						return;
					}
					if (ended) return;
					controller.enqueue(value);
					wait(controller);
				} catch (e) {
					if (ended) return;
					once();
					controller.error(e);
				}
			},
			cancel(reason) {
				once();
				return reader.cancel(reason);
			}
		},
		{ highWaterMark: 0 }
	);
}

/**
 * `GET /api/v1/records?site=ID`: every raw record of the site as NDJSON, streamed, for
 * its owners and admins or an API token of the site (not a share link: it opens the
 * stats, not the records); one at a time for a site ({@link exporting}).
 */
export async function handleRecordsExport(
	event: StatsRequest & {
		/** The session cookie `locals.user` came from, checked again while the export runs. */
		session?: string;
	},
	options: Pick<StatsHandlerOptions, 'couch'> & {
		/** Longest wait for the records' index before a 503 with `Retry-After`, ms. */
		indexWaitMs?: number;
		/** Longest wait for the client to take the next page ({@link EXPORT_IDLE_MS}). */
		idleMs?: number;
	} = {}
): Promise<Response> {
	try {
		const db = options.couch ?? appCouch();
		const credentials = credentialsOf(event);
		// Said as it is (an outside probe read "log in, or send a token" for a share link).
		if (credentials.share && !credentials.user && !credentials.authorization) {
			throw new CouchstatsError(
				403,
				"a share link never downloads a site's raw records, whose visitor ids can erase those visitors' data: its owners can, and API tokens made for it"
			);
		}
		const site = await authorizeSite(
			db,
			parseSiteId(event.url.searchParams, API_PARAMS.records),
			{ ...credentials, share: null },
			'records'
		);
		if (exporting.has(site.id)) {
			throw new RetryLater(
				429,
				`an export of site "${site.id}" is running: one at a time`,
				EXPORT_RETRY_S
			);
		}
		// Held from the check just made, not from when the first page comes back: a token
		// revoked while the export waits for the index ends it before its first record.
		const allowed = heldAccess(() =>
			stillAuthorized(db, site.id, credentials, {
				session: event.session,
				holder: 'an export',
				need: 'records'
			})
		);
		exporting.add(site.id);
		const done = () => exporting.delete(site.id);
		let body;
		try {
			body = await exportSiteRecords(db, site.id, withinIndexWait(options.indexWaitMs));
		} catch (e) {
			done();
			throw e;
		}
		return new Response(whenEnded(body, done, options.idleMs ?? EXPORT_IDLE_MS, allowed), {
			headers: {
				...NO_STORE,
				'content-type': 'application/x-ndjson; charset=utf-8',
				'content-disposition': contentDisposition(`${site.id}-records.ndjson`)
			}
		});
	} catch (e) {
		return errorResponse(e);
	}
}
