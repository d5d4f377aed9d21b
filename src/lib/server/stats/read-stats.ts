/**
 * The Stats API's numbers for one site and range: every view query of the request,
 * run in parallel, each reading O(buckets × distinct values) rows, folded by the pure
 * functions of src/lib/stats.
 */
import { activeNow, type ActiveNow } from '../../stats/active';
import { bucketStart, cover, type Segment } from '../../stats/buckets';
import {
	DIMENSIONS,
	OTHER,
	dimensionRows,
	entryPageRows,
	eventRows,
	exitPageRows,
	exitRow,
	pageRows,
	sum,
	topN,
	type DimensionRow,
	type EventRow,
	type ExitRow,
	type PageRow
} from '../../stats/breakdowns';
import {
	addSums,
	addVector,
	emptySums,
	totalsFrom,
	type MetricSums,
	type Totals
} from '../../stats/metrics';
import {
	periodIndex,
	periods,
	previousRange,
	rangeBounds,
	segmentsFor,
	type DateRange,
	type Interval
} from '../../stats/periods';
import { filterKey, type Filter } from '../../stats/filters';
import type { Couch } from '../couch';
import { createViewReader, type Row, type ViewReader } from './view-reader';

/** What to read: a site, a local date range and how to slice it. */
export interface StatsQuery {
	site: string;
	range: DateRange;
	interval: Interval;
	/** Rows per breakdown before the "(other)" row; Infinity for all. */
	limit: number;
	/** Count only what the filter keeps (see src/lib/stats/filters.ts); default none. */
	filter?: Filter | null;
}

/** The key scope of a site's view rows: `site`, or `[site, segment]` under a filter. */
export type Scope = string | [string, string];

/** The key scope of a query's rows. */
export function scopeOf(query: Pick<StatsQuery, 'site' | 'filter'>): Scope {
	return query.filter ? [query.site, filterKey(query.filter)] : query.site;
}

/** One point of the time series: the period's totals. */
export interface TimeseriesPoint extends Totals {
	/** Local label: `2026-11-21T14:00`, `2026-11-21` or `2026-11`. */
	period: string;
	/** First instant of the period, ISO 8601 UTC. */
	start: string;
}

/** Every breakdown of a Stats API response. */
export interface Breakdowns {
	pages: PageRow[];
	entryPages: { path: string; entries: number }[];
	exitPages: ExitRow[];
	referrers: DimensionRow[];
	utm: { source: DimensionRow[]; medium: DimensionRow[]; campaign: DimensionRow[] };
	browsers: DimensionRow[];
	os: DimensionRow[];
	devices: DimensionRow[];
	countries: DimensionRow[];
	screens: DimensionRow[];
	events: EventRow[];
}

/** The Stats API response (README, Stats API). */
export interface StatsResponse {
	site: string;
	range: DateRange & { interval: Interval };
	/** The filter the numbers are under, or null. */
	filter: Filter | null;
	/** Under a filter: the whole site's totals for the range (for shares and conversion rates). */
	unfiltered: { totals: Totals } | null;
	totals: Totals;
	/** The same number of days just before the range, for comparison. */
	previous: { from: string; to: string; totals: Totals };
	timeseries: TimeseriesPoint[];
	breakdowns: Breakdowns;
	activeNow: ActiveNow;
	/** Earliest counted record of the site (ISO 8601), or null when there is none. */
	trackingSince: string | null;
	/** True when some view was still being built: the numbers may be incomplete. */
	indexing: boolean;
	/** What the request cost: view rows read and queries made. */
	meta: { rowsRead: number; queries: number };
}

/** Options of {@link readStats}. */
export interface ReadStatsOptions {
	/** Clock for "active now"; default Date.now. */
	now?: () => number;
	/** Time limit of a view query before `stale=ok` (see view-reader.ts). */
	timeoutMs?: number;
}

const MINUTE = 60_000;

/**
 * Reads the full Stats API response.
 * @throws {RangeError} when the time zone is not whole-hour during the range (callers
 *   validate first, see params.ts).
 */
export async function readStats(
	couch: Couch,
	query: StatsQuery,
	options: ReadStatsOptions = {}
): Promise<StatsResponse> {
	const reader = createViewReader(couch, { timeoutMs: options.timeoutMs });
	const now = (options.now ?? Date.now)();
	const previous = previousRange(query.range);

	const [series, previousSums, breakdowns, active, trackingSince, unfiltered] = await Promise.all([
		readTimeseries(reader, query),
		readSums(reader, scopeOf(query), previous),
		readBreakdowns(reader, query),
		readActiveNow(reader, query.site, now),
		readTrackingSince(reader, query.site),
		query.filter ? readSums(reader, query.site, query.range) : null
	]);

	const sums = series.reduce((total, point) => addSums(total, point.sums), emptySums());
	return {
		site: query.site,
		range: { ...query.range, interval: query.interval },
		filter: query.filter ?? null,
		unfiltered: unfiltered && { totals: totalsFrom(unfiltered) },
		totals: totalsFrom(sums),
		previous: { from: previous.from, to: previous.to, totals: totalsFrom(previousSums) },
		timeseries: series.map((point) => point.point),
		breakdowns,
		activeNow: active,
		trackingSince,
		indexing: reader.indexing,
		meta: { rowsRead: reader.rowsRead, queries: reader.queries }
	};
}

/** Reads the time series of a range: the union of its periods' bucket covers. */
export async function readTimeseries(
	reader: ViewReader,
	query: Pick<StatsQuery, 'site' | 'range' | 'interval' | 'filter'>
): Promise<{ sums: MetricSums; point: TimeseriesPoint }[]> {
	const list = periods(query.range, query.interval);
	const sums = list.map(() => emptySums());
	const rows = await readSegments<number[]>(
		reader,
		'metrics',
		scopeOf(query),
		segmentsFor(list),
		3
	);
	for (const row of rows) {
		const i = periodIndex(list, bucketStart(row.key[1] as Segment['g'], String(row.key[2])));
		if (i >= 0) addVector(sums[i], row.value);
	}
	return list.map((period, i) => ({
		sums: sums[i],
		point: {
			period: period.label,
			start: new Date(period.start).toISOString(),
			...totalsFrom(sums[i])
		}
	}));
}

/**
 * Sums the `metrics` view over a range, with the fewest buckets.
 * @param scope A site id, or `[site, segment]` for a filter's numbers.
 */
export async function readSums(
	reader: ViewReader,
	scope: Scope,
	range: DateRange
): Promise<MetricSums> {
	const { start, end } = rangeBounds(range);
	const rows = await readSegments<number[]>(reader, 'metrics', scope, cover(start, end), 3);
	return rows.reduce((sums, row) => addVector(sums, row.value), emptySums());
}

/** Reads every breakdown of a range, cut to `query.limit` rows plus "(other)". */
export async function readBreakdowns(
	reader: ViewReader,
	query: Pick<StatsQuery, 'site' | 'range' | 'limit' | 'filter'>
): Promise<Breakdowns> {
	const { start, end } = rangeBounds(query.range);
	const segments = cover(start, end);
	const scope = scopeOf(query);
	const [pageViewRows, dimensionViewRows, eventViewRows, propViewRows] = await Promise.all([
		readSegments<number[]>(reader, 'pages', scope, segments, 4),
		readSegments<number[]>(reader, 'dimensions', scope, segments, 5),
		readSegments<number>(reader, 'events', scope, segments, 4),
		readSegments<number>(reader, 'event-props', scope, segments, 6)
	]);
	const limit = query.limit;
	// Under an event filter a page row counts the event's firings: no entries or exits.
	const firings = query.filter?.kind === 'event';
	const pages = pageRows(pageViewRows).map((row) => (firings ? { ...row, exits: 0 } : row));
	const paths = firings ? [] : pages;
	const dims = dimensionRows(dimensionViewRows);
	const dim = (name: keyof typeof DIMENSIONS) => topN(dims[name], limit, otherDimension);
	return {
		pages: topN(pages, limit, (rest) => ({
			path: OTHER,
			pageviews: sum(rest, (r) => r.pageviews),
			visitors: sum(rest, (r) => r.visitors),
			engagedTimeMs: sum(rest, (r) => r.engagedTimeMs),
			entries: sum(rest, (r) => r.entries),
			exits: sum(rest, (r) => r.exits)
		})),
		entryPages: topN(entryPageRows(paths), limit, (rest) => ({
			path: OTHER,
			entries: sum(rest, (r) => r.entries)
		})),
		exitPages: topN(exitPageRows(paths), limit, (rest) =>
			exitRow(
				OTHER,
				sum(rest, (r) => r.exits),
				sum(rest, (r) => r.pageviews)
			)
		),
		referrers: dim('referrer'),
		utm: { source: dim('utm_source'), medium: dim('utm_medium'), campaign: dim('utm_campaign') },
		browsers: dim('browser'),
		os: dim('os'),
		devices: dim('device'),
		countries: dim('country'),
		screens: dim('screen'),
		events: topN(eventRows(eventViewRows, propViewRows, limit), limit, (rest) => ({
			name: OTHER,
			count: sum(rest, (r) => r.count),
			props: {}
		}))
	};
}

/** Sessions active in the last 2 minutes, from the last few minute buckets only. */
export async function readActiveNow(
	reader: ViewReader,
	site: string,
	now: number
): Promise<ActiveNow> {
	const minute = (t: number) => new Date(t).toISOString().slice(0, 16);
	// Up to 5 minutes ahead: the ingest accepts records from browser clocks that far ahead.
	const rows = await reader.read<{ max: number }>('active', {
		startkey: [site, minute(now - 2 * MINUTE)],
		endkey: [site, minute(now + 5 * MINUTE), {}],
		group_level: 4
	});
	return activeNow(rows, now);
}

/** The earliest counted record of a site, ISO 8601, or null. */
export async function readTrackingSince(reader: ViewReader, site: string): Promise<string | null> {
	const rows = await reader.read<null>('since', {
		startkey: [site],
		endkey: [site, {}],
		reduce: false,
		limit: 1
	});
	const ts = rows[0]?.key[1];
	return typeof ts === 'number' ? new Date(ts).toISOString() : null;
}

/** Reads a view of one scope over segments in parallel, grouped to `groupLevel`. */
async function readSegments<V>(
	reader: ViewReader,
	view: string,
	scope: Scope,
	segments: Segment[],
	groupLevel: number
): Promise<Row<V>[]> {
	const parts = await Promise.all(
		segments.map((s) =>
			reader.read<V>(view, {
				startkey: [scope, s.g, s.first],
				endkey: [scope, s.g, s.last, {}],
				group_level: groupLevel
			})
		)
	);
	return parts.flat();
}

function otherDimension(rest: DimensionRow[]): DimensionRow {
	return {
		value: OTHER,
		sessions: sum(rest, (r) => r.sessions),
		visitors: sum(rest, (r) => r.visitors)
	};
}
