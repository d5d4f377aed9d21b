/**
 * The data of a dashboard (owner or shared): the range the query string asks for, then
 * the read model's sections (src/lib/server/stats/read-stats.ts), each a widget's part:
 * its value, or a message when its reads failed, so one failing read leaves the other
 * widgets standing. A page reads it in two loads: {@link LIVE_SECTIONS}, again on every
 * live push, and {@link WALK_SECTIONS}, only when the page asks for other ones.
 */
import type { Couch } from '$lib/server/couch';
import { CouchstatsError, FieldError } from '$lib/server/errors';
import { logError } from '$lib/server/log';
import type { SiteRecord } from '$lib/server/accounts/sites';
import { isTimeZone, rangeZoneName } from '$lib/server/accounts/sites';
import {
	checkPageQuery,
	parseFilter,
	parseJourneyPage,
	parsePathSteps,
	parseRangeParams,
	parseRowCut
} from '$lib/server/stats/params';
import { shownBreakdown, type BreakdownName } from '$lib/stats/catalogue';
import {
	readSections,
	SECTIONS,
	STATS_API_SECTIONS,
	type Settled
} from '$lib/server/stats/read-stats';
import { isPattern, type Filter } from '$lib/stats/filters';
import { rangeQuery, resolveRange } from '$lib/stats/range';
import type { DashboardData, Part, SectionName } from '$lib/stats/response';
import { sealSeq } from '../live/seq-token';

/** The sections a live push re-reads: all but journeys and paths. */
export const LIVE_SECTIONS = STATS_API_SECTIONS;

/**
 * Journeys and paths from entry: each walks many transitions, so the dashboard reads them
 * when its range, filter, journey page or path changes (or the viewer asks), not on every
 * live push (see the dashboard's page loads).
 */
export const WALK_SECTIONS = ['journeys', 'paths'] as const satisfies readonly SectionName[];

/**
 * A dashboard's two reads by name, as its live re-reads ask for them
 * (`GET /api/v1/dashboard?part=live|walks`): the page's load and its layout's.
 */
export const DASHBOARD_PARTS = { live: LIVE_SECTIONS, walks: WALK_SECTIONS } as const;

/** A name of {@link DASHBOARD_PARTS}. */
export type DashboardPart = keyof typeof DASHBOARD_PARTS;

/**
 * What a re-read asks for: a part of a dashboard (`part=live|walks`), or a breakdown's
 * details page (`part=details&breakdown=NAME`, with the page's `offset` and `search`), a
 * table the dashboard shows (`shownBreakdown`), read as the page's load reads it.
 * @throws {CouchstatsError} 400 when `part` is missing or another name, or `breakdown`
 *   names no table of the dashboard.
 */
export function parseDashboardRead(
	params: URLSearchParams
): Pick<DashboardOptions, 'sections' | 'paged'> {
	const part = params.get('part');
	if (part === 'details') {
		const breakdown = shownBreakdown(params.get('breakdown') ?? '');
		if (!breakdown) throw new CouchstatsError(400, 'breakdown must name a table of the dashboard');
		return { paged: breakdown.name as BreakdownName };
	}
	if (part !== null && Object.hasOwn(DASHBOARD_PARTS, part))
		return { sections: DASHBOARD_PARTS[part as DashboardPart] };
	throw new CouchstatsError(
		400,
		`part must be ${Object.keys(DASHBOARD_PARTS).join(', ')} or details`
	);
}

/** Options of {@link readDashboard}. */
export interface DashboardOptions {
	now?: () => number;
	/** Rows per breakdown before "(other)"; default 10. */
	limit?: number;
	/**
	 * The sections to read; default all. Only the query parameters of the sections asked
	 * are read (`journey` for journeys, `step` for paths), so that a page's load re-runs
	 * only when its own parameters change.
	 */
	sections?: readonly SectionName[];
	/**
	 * A live re-read of an open page (`GET /api/v1/dashboard`), not a page's load: it
	 * reads neither the events database's sequence (only a load starts a stream from it)
	 * nor the latest events, unless `latest` (the re-read after the
	 * stream's `missed`). Each costs a live update's time (`npm run bench:live`).
	 */
	reread?: { latest: boolean };
	/** Whether "active now" lists its sessions one by one (`showsSessions`); default yes. */
	liveSessions?: boolean;
	/**
	 * A breakdown's details page: that breakdown alone, {@link DETAILS_PAGE} rows from the
	 * query's `offset`, those holding its `search` (`parseRowCut`), with `totalRows`.
	 */
	paged?: BreakdownName;
}

/** Rows per page of a breakdown's details page. */
export const DETAILS_PAGE = 100;

/**
 * Reads a dashboard for a site the caller has already authorized.
 * @param params The page's query string (`range`, `from`, `to`, `tz`, and a filter:
 *   `page`, `source` or `event`; `journey`, the page the journeys panel is about, by
 *   default the page filter's page; `step`, each page of the path from entry the paths
 *   panel is about).
 */
export async function readDashboard(
	couch: Couch,
	site: Pick<SiteRecord, 'id' | 'name' | 'timeZone' | 'goals'>,
	params: URLSearchParams,
	options: DashboardOptions = {}
): Promise<DashboardData> {
	const now = (options.now ?? Date.now)();
	const asked = options.paged
		? (['breakdowns', 'totalRows'] as const)
		: (options.sections ?? SECTIONS);
	let cut: { offset: number; search: string | null } | undefined;
	const choice = resolveRange(params, site.timeZone, now, rangeZoneName);
	const base = {
		site: { id: site.id, name: site.name, timeZone: site.timeZone },
		readAt: now,
		...(!options.reread && { seq: await eventsSeq(couch) })
	};
	let parsed;
	let filter: Filter | null = null;
	let journeyPage: string | null;
	let pathSteps: string[];
	try {
		// The Stats API's range (`range=all`'s dates depend on the first record).
		const query = new URLSearchParams(rangeQuery(choice));
		checkPageQuery(params);
		parsed = parseRangeParams(query, site.timeZone, now);
		filter = parseFilter(params);
		journeyPage = asked.includes('journeys')
			? (parseJourneyPage(params, 'journey') ??
				(filter?.kind === 'page' && !isPattern(filter) ? filter.value : null))
			: null;
		pathSteps = asked.includes('paths') ? parsePathSteps(params) : [];
		if (options.paged) cut = parseRowCut(params);
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		// The page still renders times in the range's zone: never in one Intl refuses.
		const tz = isTimeZone(choice.tz) ? choice.tz : site.timeZone;
		return {
			...base,
			range: { ...choice, tz, interval: 'day' },
			problem: e.message,
			...(e instanceof FieldError && { problemField: e.field }),
			filter,
			indexing: false
		};
	}
	const { range, interval, compare, fromFirstRecord } = parsed;
	const limit = options.paged ? DETAILS_PAGE : (options.limit ?? parsed.limit);
	const read = await readSections(
		couch,
		{
			site: site.id,
			range,
			interval,
			limit,
			filter,
			goals: site.goals,
			journeyPage,
			pathSteps,
			compare,
			fromFirstRecord,
			...cut
		},
		{
			now: () => now,
			sections: asked,
			breakdowns: options.paged && [options.paged],
			latestEvents: options.reread?.latest,
			liveSessions: options.liveSessions,
			// Its tables show each row's change, as its tiles show theirs.
			compareBreakdowns: true
		}
	);
	// A page pattern matching too many paths: the filter the page asked for is refused.
	const refused = asked
		.map((name) => read[name])
		.find((s) => s.status === 'rejected' && isBadRequest(s.reason));
	if (refused?.status === 'rejected') {
		return {
			...base,
			range: { ...read.range, preset: choice.preset },
			problem: (refused.reason as CouchstatsError).message,
			filter,
			indexing: read.indexing
		};
	}
	const part = partsLoggedOnce();
	// The whole site's totals only beside a filter's.
	const shown = asked.filter((name) => name !== 'unfiltered' || filter);
	return {
		...base,
		range: { ...read.range, preset: choice.preset },
		filter,
		...Object.fromEntries(shown.map((name) => [name, part<unknown>(read[name])])),
		indexing: read.indexing
	};
}

/**
 * Turns settled sections into parts, logging each distinct error once (totals and the
 * time series share their reads, and so their error).
 */
function partsLoggedOnce() {
	const logged = new Set<unknown>();
	return <T>(section: Settled<T>): Part<T> => {
		if (section.status === 'fulfilled') return { ok: true, value: section.value };
		if (!logged.has(section.reason)) logError('dashboard read failed', section.reason);
		logged.add(section.reason);
		return {
			ok: false,
			message: 'This could not be read just now; it will retry on the next update.'
		};
	};
}

/** A refusal of what the request asked (a page pattern matching too many paths). */
function isBadRequest(e: unknown): boolean {
	return e instanceof CouchstatsError && e.status === 400;
}

/**
 * The events database's sequence now, sealed for a page (`live/seq-token.ts`): read
 * before a page's numbers, for its live stream (`since`).
 */
export async function eventsSeq(couch: Couch): Promise<string> {
	return sealSeq(String((await couch.events.info()).update_seq));
}
