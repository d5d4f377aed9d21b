/**
 * The one read model of a site's numbers: every section a page or the Stats API shows
 * (totals, previous period, time series, breakdowns, active now, tracking since), its
 * view queries run in parallel, each reading O(buckets × distinct values) rows, folded
 * by the pure functions of src/lib/stats. Each section is settled on its own, so a
 * failed read leaves the others standing; callers only unwrap (the Stats API and
 * /stats fail as a whole, `readStats`) or render what they got (dashboards).
 */
import { activeNow, latestActivity, LIVE_SESSIONS, type ActiveNow } from '../../stats/active';
import { liveSession } from '../../stats/sessions';
import { readSummaries } from '../sessions/summaries';
import { readLatestRecords } from '../sessions/latest-records';
import {
	bucketStart,
	cover,
	granularitiesOf,
	GRANULARITIES,
	segmentKeys,
	type Segment
} from '../../stats/buckets';
import { cutRows, exitsByPath, type RowCut } from '../../stats/breakdowns';
import {
	BREAKDOWN_VIEWS,
	CATALOGUE,
	collectBreakdowns,
	collectCounts,
	compareRows,
	rowValue,
	unavailableUnder,
	type Breakdown,
	type BreakdownName,
	type ViewRows
} from '../../stats/catalogue';
import { addSums, addVector, emptySums, totalsFrom, type MetricSums } from '../../stats/metrics';
import {
	DEFAULT_COMPARISON,
	defaultInterval,
	periodIndex,
	periods,
	fromFirstReadableDay,
	previousRange,
	rangeBounds,
	segmentsFor,
	type Comparison,
	type DateRange,
	type Interval
} from '../../stats/periods';
import { filterKey, type Filter } from '../../stats/filters';
import {
	goalFilter,
	goalLabel,
	goalPeriod,
	goalPlan,
	propPeriod,
	wildcardPeriod,
	type Goal,
	type GoalPeriod,
	type GoalReport
} from '../../stats/goals';
import {
	journeyFilter,
	journeyOf,
	pathReport,
	type Journey,
	type PathReport
} from '../../stats/journeys';
import type {
	ReadEnvelope,
	SectionName,
	Sections,
	StatsResponse,
	TimeseriesPoint
} from '../../stats/response';
import { TRAIL_STEPS } from '../../classify/rules';
import type { Couch } from '../couch';
import { checkInterval } from './params';
import { allTime, readFirstRecord } from './all-time';
import { readScopes, scopeOf, type Scope, type Scopes } from './page-paths';
import { createViewReader, readingOnce, type Row, type ViewReader } from './view-reader';

/** What to read: a site, a local date range and how to slice it. */
export interface StatsQuery {
	site: string;
	range: DateRange;
	/** Step of the time series; default {@link defaultInterval} of the range. */
	interval?: Interval;
	/** Rows per breakdown before the "(other)" row; Infinity for all. */
	limit: number;
	/** Matching rows of each breakdown skipped before its `limit` (params.ts); default 0. */
	offset?: number;
	/** Keep only the breakdown rows whose value holds this, in any case; default all. */
	search?: string | null;
	/** Count only what the filter keeps (see src/lib/stats/filters.ts); default none. */
	filter?: Filter | null;
	/**
	 * Read all time up to `range.to` (all-time.ts: from the local day of the site's first
	 * record, never after `range.to`) instead of from `range.from`; only `range.to` when
	 * there is none (an outside review read ten years of zeros as "All time" of a new site).
	 */
	fromFirstRecord?: boolean;
	/** How the range is compared with its previous period (`previousRange`); default {@link DEFAULT_COMPARISON}. */
	compare?: Comparison;
	/** The site's goals, for the `goals` section; default none. */
	goals?: readonly Goal[];
	/** The page the `journeys` section is about; default the range's busiest page. */
	journeyPage?: string | null;
	/** The path from entry the `paths` section is about; default none (the entry pages). */
	pathSteps?: readonly string[];
}

/** The whole site's sums of a query's range and of the period before it, each read once. */
type SiteSums = Record<'current' | 'previous', () => Promise<MetricSums>>;

/** Every section, in the order the Stats API answers them. */
export const SECTIONS: readonly SectionName[] = [
	'unfiltered',
	'totals',
	'previous',
	'timeseries',
	'breakdowns',
	'totalRows',
	'activeNow',
	'trackingSince',
	'goals',
	'journeys',
	'paths'
];

/** The sections of the Stats API's answer: all but `journeys` and `paths` (their own APIs). */
export const STATS_API_SECTIONS = SECTIONS.filter(
	(name): name is Exclude<SectionName, 'journeys' | 'paths'> =>
		name !== 'journeys' && name !== 'paths'
);

/** A section's value, or the error that kept it from being read. */
export type Settled<T> = PromiseSettledResult<T>;

/** What {@link readSections} read: the asked sections, each settled on its own. */
export type StatsSections<S extends SectionName = SectionName> = ReadEnvelope & {
	[K in S]: Settled<Sections[K]>;
};

/** Options of {@link readSections} and {@link readStats}. */
export interface ReadStatsOptions<S extends SectionName = SectionName> {
	/** Clock for "active now"; default Date.now. */
	now?: () => number;
	/** Time limit of a view query before `stale=ok` (see view-reader.ts). */
	timeoutMs?: number;
	/** The sections to read; default all ({@link SECTIONS}). */
	sections?: readonly S[];
	/** The filter's scopes, when the caller has read them already (the session list). */
	scopes?: Scopes;
	/**
	 * The breakdowns the `breakdowns` section reads; default every one of the catalogue.
	 * The others are empty (an export reads only its own: an outside probe measured an
	 * export of one breakdown reading every one, 860 ms of CPU).
	 */
	breakdowns?: readonly BreakdownName[];
	/**
	 * Whether "active now" reads the site's latest events (`latest`); default yes. A
	 * dashboard's live re-read does not: its stream brings them (the re-read after the
	 * stream's `missed` does).
	 */
	latestEvents?: boolean;
	/**
	 * Whether "active now" lists its sessions one by one (`sessions`); default yes. Not on
	 * a share link whose owner did not switch sessions on (`showsSessions`).
	 */
	liveSessions?: boolean;
	/**
	 * Whether each breakdown row carries its change against the previous period (its
	 * views read over that period too): dashboards always, the Stats API and its export
	 * when asked (`compare=`, params.ts `comparesRows`); default no.
	 */
	compareBreakdowns?: boolean;
}

const MINUTE = 60_000;

/**
 * Reads the asked sections of a site's numbers in parallel, each settled on its own:
 * a section whose reads failed holds the error and the others their values. Totals
 * come from the time series when it is read too (one query set, not two).
 */
export async function readSections<S extends SectionName = SectionName>(
	couch: Couch,
	query: StatsQuery,
	options: ReadStatsOptions<S> = {}
): Promise<StatsSections<S>> {
	// Sections that read the same rows share them (the goals' `pages` and `event-props`
	// rows are the breakdowns' on the whole site, the journeys' `pages` rows too).
	const reader = readingOnce(createViewReader(couch, { timeoutMs: options.timeoutMs }));
	const now = (options.now ?? Date.now)();
	const asked: readonly SectionName[] = options.sections ?? SECTIONS;
	const since = once(() => readFirstRecord(reader, query.site));
	const range = query.fromFirstRecord
		? since().then((first) => allTime(first, query.range))
		: Promise.resolve(query.range);
	// Every section reads through `at`, so one that needs the range waits for it.
	const at = range.then((r) => {
		// An interval asked for all time: checked once the range is known (params.ts).
		if (query.fromFirstRecord && query.interval) checkInterval(r, query.interval);
		// All time's previous period starts where the zone can be read, as all time does.
		const before = previousRange(r, query.compare);
		const previous = query.fromFirstRecord ? fromFirstReadableDay(before) : before;
		return { ...query, range: r, previous, interval: query.interval ?? defaultInterval(r) };
	});
	// Handled at once: when no asked section waits for the range, its failure is nobody's.
	const resolved = at.catch(() => ({ range: query.range, interval: query.interval ?? 'day' }));
	const scoped = once(() =>
		options.scopes ? Promise.resolve(options.scopes) : readScopes(reader, query.site, query.filter)
	);
	const series = once(() => at.then(async (q) => readTimeseries(reader, q, await scoped())));
	// The sums of the range and of the previous period, in the query's scope and the whole
	// site's (the same reads without a filter), each read once for every section using it.
	const sums = {
		current: once(() =>
			asked.includes('timeseries')
				? series().then((s) => s.reduce((all, p) => addSums(all, p.sums), emptySums()))
				: at.then(async (q) => readSums(reader, (await scoped()).scopes, q.range))
		),
		previous: once(() =>
			at.then(async (q) => readSums(reader, (await scoped()).scopes, q.previous))
		)
	};
	const siteSums: SiteSums = query.filter
		? {
				current: once(() => at.then((q) => readSums(reader, [q.site], q.range))),
				previous: once(() => at.then((q) => readSums(reader, [q.site], q.previous)))
			}
		: sums;
	// Visitors do not add up across a page pattern's paths, and an event's firings tell no
	// pageview, time or bounce: its totals hold them as null.
	const exact = async (s: Promise<MetricSums>) => totalsFrom(await s, await scoped());
	// The breakdowns' rows and how many each has, from one read.
	const cut = once(() =>
		at.then(async (q) =>
			readBreakdowns(
				reader,
				{ ...q, previous: options.compareBreakdowns ? q.previous : undefined },
				await scoped(),
				options.breakdowns
			)
		)
	);
	const totals = () => exact(sums.current());
	const readers: { [K in SectionName]: () => Promise<Sections[K]> } = {
		unfiltered: () => siteSums.current().then((s) => totalsFrom(s)),
		totals,
		previous: () =>
			at.then(async (q) => {
				const { from, to } = q.previous;
				return {
					from,
					to,
					compare: query.compare ?? DEFAULT_COMPARISON,
					totals: await exact(sums.previous())
				};
			}),
		timeseries: () => series().then((s) => s.map((point) => point.point)),
		breakdowns: () => cut().then((c) => c.breakdowns),
		totalRows: () => cut().then((c) => c.totalRows),
		activeNow: () =>
			readActiveNow(reader, query.site, now, options.latestEvents, options.liveSessions),
		trackingSince: since,
		goals: () => at.then((q) => readGoals(reader, q, siteSums)),
		journeys: () => at.then((q) => readJourney(reader, q)),
		paths: () => at.then((q) => readPaths(reader, q))
	};
	const settled = await Promise.allSettled(asked.map((name) => readers[name]()));
	const { range: span, interval } = await resolved;
	return {
		site: query.site,
		range: { ...span, interval },
		filter: query.filter ?? null,
		...Object.fromEntries(asked.map((name, i) => [name, settled[i]])),
		indexing: reader.indexing,
		meta: { rowsRead: reader.rowsRead, queries: reader.queries }
	} as StatsSections<S>;
}

/**
 * Reads the full Stats API response: every section, or the first error.
 * @throws {RangeError} when the zone's offset is not whole quarter hours during the range
 *   (local mean times of the past; callers validate first, see params.ts); whatever
 *   error a view read failed with.
 */
export async function readStats(
	couch: Couch,
	query: StatsQuery,
	options: Omit<ReadStatsOptions, 'sections'> = {}
): Promise<StatsResponse> {
	const read = await readSections(couch, query, { ...options, sections: STATS_API_SECTIONS });
	return {
		site: read.site,
		range: read.range,
		filter: read.filter,
		unfiltered: read.filter && { totals: valueOf(read.unfiltered) },
		totals: valueOf(read.totals),
		previous: valueOf(read.previous),
		timeseries: valueOf(read.timeseries),
		breakdowns: valueOf(read.breakdowns),
		totalRows: valueOf(read.totalRows),
		activeNow: valueOf(read.activeNow),
		trackingSince: valueOf(read.trackingSince),
		goals: valueOf(read.goals),
		indexing: read.indexing,
		meta: read.meta
	};
}

/**
 * A section's value.
 * @throws whatever error kept the section from being read.
 */
export function valueOf<T>(section: Settled<T>): T {
	if (section.status === 'rejected') throw section.reason;
	return section.value;
}

/** A function that calls `f` the first time only, and returns its first result since. */
function once<T>(f: () => T): () => T {
	let result: { value: T } | undefined;
	return () => (result ??= { value: f() }).value;
}

/** Reads the time series of a range: the union of its periods' bucket covers. */
async function readTimeseries(
	reader: ViewReader,
	query: Pick<StatsQuery, 'range'> & { interval: Interval },
	{ scopes, ...scope }: Scopes
): Promise<{ sums: MetricSums; point: TimeseriesPoint }[]> {
	const list = periods(query.range, query.interval);
	const sums = list.map(() => emptySums());
	const segments = segmentsFor(list);
	const rows = (
		await Promise.all(scopes.map((scope) => readSeriesBuckets(reader, scope, segments)))
	).flat();
	for (const row of rows) {
		const i = periodIndex(list, bucketStart(row.key[1] as Segment['g'], String(row.key[2])));
		if (i >= 0) addVector(sums[i], row.value);
	}
	return list.map((period, i) => ({
		sums: sums[i],
		point: {
			period: period.label,
			start: new Date(period.start).toISOString(),
			...totalsFrom(sums[i], scope)
		}
	}));
}

/** Most bucket keys per `keys` read (a POST body of some 100 kB). */
const KEYS_PER_READ = 2_000;

/**
 * Reads the `metrics` buckets of a time series' segments. In a whole-hour zone these are
 * a few runs, each one range query. Where periods start on UTC quarter hours (Asia/Kolkata)
 * every period's quarter hours and hours are runs of their own, so the buckets are read
 * by key instead: a query per {@link KEYS_PER_READ} buckets, not one per run, and a row
 * per bucket holding records, as the runs would give.
 */
async function readSeriesBuckets(
	reader: ViewReader,
	scope: Scope,
	segments: Segment[]
): Promise<Row<number[]>[]> {
	if (!segments.some((s) => s.g === 'q')) {
		return readSegments<number[]>(reader, 'metrics', scope, segments, 3);
	}
	const keys = segments.flatMap((s) => segmentKeys(s).map((bucket) => [scope, s.g, bucket]));
	const reads = [];
	for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
		const chunk = keys.slice(i, i + KEYS_PER_READ);
		reads.push(reader.read<number[]>('metrics', { keys: chunk, group: true }));
	}
	// A key without rows gives no row (CouchDB 3.x; a null value is skipped all the same).
	return (await Promise.all(reads)).flat().filter((row) => Array.isArray(row.value));
}

/**
 * Sums the `metrics` view over a range, with the fewest buckets.
 * @param scopes The site id, or `[site, segment]` for a filter's numbers (one per path
 *   of a page pattern: their rows add up).
 */
async function readSums(
	reader: ViewReader,
	scopes: Scope[],
	range: DateRange
): Promise<MetricSums> {
	const { start, end } = rangeBounds(range);
	const rows = await readAll<number[]>(reader, 'metrics', scopes, cover(start, end), 3);
	return rows.reduce((sums, row) => addVector(sums, row.value), emptySums());
}

/**
 * Reads every breakdown of the catalogue (src/lib/stats/catalogue.ts) over a range: each
 * view they need once, then each breakdown's rows cut to the query's page (`cutRows`:
 * those matching `search`, `offset` skipped, `limit` kept) plus "(other)", none where the
 * filter leaves it nothing to say, and how many rows matched (`totalRows`). With
 * `previous`, the same views over the previous period too (its own segments, read beside
 * the range's), and each row but "(other)" carries its main metric's value then and its
 * change (`compareRows`).
 */
async function readBreakdowns(
	reader: ViewReader,
	query: Pick<StatsQuery, 'range' | 'limit' | 'offset' | 'search' | 'filter'> & {
		previous?: DateRange;
	},
	{ scopes, visitorsExact }: Scopes,
	only?: readonly BreakdownName[]
): Promise<Pick<Sections, 'breakdowns' | 'totalRows'>> {
	const chosen = only ? CATALOGUE.filter((b) => only.some((name) => name === b.name)) : CATALOGUE;
	// Each view some breakdown names, read once per period (in each scope of a page pattern).
	const names = [...new Set(chosen.flatMap((breakdown) => breakdown.views))];
	const readViews = async (range: DateRange) => {
		const rows = await Promise.all(
			names.map((view) => readRange(reader, view, scopes, range, BREAKDOWN_VIEWS[view]))
		);
		return Object.fromEntries(names.map((view, i) => [view, rows[i]])) as unknown as ViewRows;
	};
	const [views, before] = await Promise.all([
		readViews(query.range),
		query.previous && readViews(query.previous)
	]);
	const read = { filter: query.filter ?? null, limit: query.limit, visitorsExact };
	const rowCut: RowCut = { limit: query.limit, offset: query.offset, search: query.search };
	const pages = new Map<Breakdown, { rows: object[]; totalRows: number }>();
	for (const breakdown of CATALOGUE) {
		if (unavailableUnder(read.filter, breakdown.name) || !chosen.includes(breakdown)) {
			pages.set(breakdown, { rows: [], totalRows: 0 });
			continue;
		}
		const rows = breakdown.rows(views, read);
		const compared = before ? compareRows(breakdown, rows, breakdown.rows(before, read)) : rows;
		pages.set(
			breakdown,
			cutRows(
				compared,
				rowCut,
				(row) => rowValue(breakdown, row),
				(rest) => breakdown.other(rest)
			)
		);
	}
	return {
		breakdowns: collectBreakdowns((breakdown) => pages.get(breakdown)!.rows),
		totalRows: collectCounts((breakdown) => pages.get(breakdown)!.totalRows)
	};
}

/**
 * Each goal's conversions, converting visitors and conversion rate over the range and
 * the previous period (src/lib/stats/goals.ts): an event, prop or exact page goal sums
 * its filter scope of the `metrics` view; wildcard goals read the site's `pages` rows,
 * and prop goals no prop filter can take its `event-props` rows, each view once per
 * period however many goals need it. The site's own sums (the
 * rates' denominators) are the ones the totals and previous sections read.
 */
async function readGoals(
	reader: ViewReader,
	query: Pick<StatsQuery, 'site' | 'range' | 'goals'> & { previous: DateRange },
	siteSums: SiteSums
): Promise<GoalReport[]> {
	const goals = query.goals ?? [];
	if (!goals.length) return [];
	const period = async (range: DateRange, which: keyof SiteSums): Promise<GoalPeriod[]> => {
		const read = <V>(view: 'pages' | 'event-props') =>
			once(() => readRange<V>(reader, view, [query.site], range, BREAKDOWN_VIEWS[view]));
		const pages = read<number[]>('pages');
		const props = read<number>('event-props');
		const site = await siteSums[which]();
		return Promise.all(
			goals.map(async (goal) => {
				const plan = goalPlan(goal);
				if (plan.view === 'pages') return wildcardPeriod(await pages(), plan.match, site.visitors);
				if (plan.view === 'event-props') return propPeriod(await props(), plan, site.visitors);
				const sums = await readSums(reader, [[query.site, filterKey(plan.filter)]], range);
				const conversions = goal.kind === 'event' ? sums.events : sums.pageviews;
				return goalPeriod(conversions, sums.visitors, site.visitors);
			})
		);
	};
	const [current, previous] = await Promise.all([
		period(query.range, 'current'),
		period(query.previous, 'previous')
	]);
	return goals.map((goal, i) => ({
		goal,
		label: goalLabel(goal),
		...current[i],
		previous: previous[i],
		filter: goalFilter(goal)
	}));
}

/**
 * The journeys through the query's page (or the busiest) over the range, under its
 * filter when journeys can be (src/lib/stats/journeys.ts, `journeyFilter`).
 */
async function readJourney(
	reader: ViewReader,
	query: Pick<StatsQuery, 'site' | 'range' | 'limit' | 'journeyPage' | 'filter'>
): Promise<Journey> {
	const scope = scopeOf(query.site, journeyFilter(query.filter));
	const read = <V>(view: 'journeys' | 'pages', depth: number) =>
		readRange<V>(reader, view, [scope], query.range, depth);
	const [rows, pages] = await Promise.all([
		read<number>('journeys', 5),
		read<number[]>('pages', BREAKDOWN_VIEWS.pages)
	]);
	return journeyOf(rows, exitsByPath(pages), query.journeyPage ?? null, query.limit);
}

/**
 * The pages after the query's path from entry over the range: the `paths` rows after
 * its steps, and after all its steps but the last (which count the sessions that reached
 * it), one key range per covering segment each, under its filter as journeys.
 */
async function readPaths(
	reader: ViewReader,
	query: Pick<StatsQuery, 'site' | 'range' | 'limit' | 'pathSteps' | 'filter'>
): Promise<PathReport> {
	const { start, end } = rangeBounds(query.range);
	const segments = cover(start, end);
	const scope = scopeOf(query.site, journeyFilter(query.filter));
	const steps = query.pathSteps ?? [];
	const after = (trail: readonly string[]) =>
		readSegments<number>(reader, 'paths', scope, segments, 5, [trail]);
	const [rows, before] = await Promise.all([
		after(steps),
		steps.length ? after(steps.slice(0, -1)) : null
	]);
	return pathReport(steps, rows, before, query.limit, steps.length + 1 >= TRAIL_STEPS);
}

/**
 * Sessions active in the last 2 minutes, from the last few minute buckets only, the
 * latest of them each with its session's summary (one `session-summary` read each), and
 * the site's latest pageviews and events (one `latest` read).
 */
export async function readActiveNow(
	reader: ViewReader,
	site: string,
	now: number,
	latestEvents = true,
	liveSessions = true
): Promise<ActiveNow> {
	const minute = (t: number) => new Date(t).toISOString().slice(0, 16);
	// The latest records need nothing of the active sessions: asked together, not one
	// round trip to the store after the other.
	const [rows, latest] = await Promise.all([
		// Up to 5 minutes ahead: the ingest accepts records from browser clocks that far ahead.
		reader.read<{ max: number }>('active', {
			startkey: [site, minute(now - 2 * MINUTE)],
			endkey: [site, minute(now + 5 * MINUTE), {}],
			group_level: 4
		}),
		latestEvents ? readLatestRecords(reader, site, now) : []
	]);
	const sessions = latestActivity(rows, now);
	const shown = liveSessions ? sessions.slice(0, LIVE_SESSIONS) : [];
	const summaries = await readSummaries(
		reader,
		site,
		shown.map((s) => s.sid)
	);
	return activeNow(
		rows,
		now,
		shown.map((active, i) => liveSession(active, summaries[i])),
		latest
	);
}

/** Reads a view over segments in each of `scopes`, their rows together (they add up). */
async function readAll<V>(
	reader: ViewReader,
	view: string,
	scopes: Scope[],
	segments: Segment[],
	groupLevel: number
): Promise<Row<V>[]> {
	const parts = await Promise.all(
		scopes.map((scope) => readSegments<V>(reader, view, scope, segments, groupLevel))
	);
	return parts.flat();
}

/**
 * Reads a view over a range in each of `scopes` (their rows add up), by the segments
 * {@link segmentsOf} covers it with, grouped to `groupLevel`.
 */
async function readRange<V>(
	reader: ViewReader,
	view: string,
	scopes: Scope[],
	range: DateRange,
	groupLevel: number
): Promise<Row<V>[]> {
	const { start, end } = rangeBounds(range);
	return readAll<V>(reader, view, scopes, await segmentsOf(reader, view, start, end), groupLevel);
}

/**
 * The segments a view's read covers `[start, end)` with: the view's own granularities
 * (buckets.ts `granularitiesOf`), but no weeks or years while the request reads the
 * index as it stands, which may be a previous design document's, made before the view
 * kept them (the embedded store answers from it while it builds the new one): quarter
 * hours, hours, days and months are in every index.
 */
async function segmentsOf(
	reader: ViewReader,
	view: string,
	start: number,
	end: number
): Promise<Segment[]> {
	const current = !(await reader.stale());
	return cover(start, end, current ? granularitiesOf(view) : GRANULARITIES);
}

/**
 * Reads a view of one scope over segments in parallel, grouped to `groupLevel`.
 * @param within Key elements between the granularity and the bucket (the `paths` view's trail).
 */
async function readSegments<V>(
	reader: ViewReader,
	view: string,
	scope: Scope,
	segments: Segment[],
	groupLevel: number,
	within: unknown[] = []
): Promise<Row<V>[]> {
	const parts = await Promise.all(
		segments.map((s) =>
			reader.read<V>(view, {
				startkey: [scope, s.g, ...within, s.first],
				endkey: [scope, s.g, ...within, s.last, {}],
				group_level: groupLevel
			})
		)
	);
	return parts.flat();
}
