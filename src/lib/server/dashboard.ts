/**
 * The data of a dashboard (owner or shared): the range the query string asks for,
 * then each part of the page read on its own — headline numbers with the time
 * series, the previous period, breakdowns, active now — so that one failing read
 * leaves the other widgets standing. The reads are the Stats API's own
 * (src/lib/server/stats/read-stats.ts); only their composition is per widget here.
 */
import type { Couch } from '$lib/server/couch';
import { CouchstatsError } from '$lib/server/errors';
import { logError } from '$lib/server/log';
import type { SiteRecord } from '$lib/server/sites';
import { isTimeZone } from '$lib/server/sites';
import { parseFilter, parseRangeParams } from '$lib/server/stats/params';
import {
	readActiveNow,
	readBreakdowns,
	readSums,
	readTimeseries,
	readTrackingSince,
	scopeOf,
	type Breakdowns,
	type TimeseriesPoint
} from '$lib/server/stats/read-stats';
import { createViewReader } from '$lib/server/stats/view-reader';
import type { ActiveNow } from '$lib/stats/active';
import type { Filter } from '$lib/stats/filters';
import { addSums, emptySums, totalsFrom, type Totals } from '$lib/stats/metrics';
import { previousRange, type DateRange, type Interval } from '$lib/stats/periods';
import { resolveRange, type Preset } from '$lib/stats/range';

import type { Part } from '$lib/components/dashboard/part';

export type { Part };

/** Everything a dashboard page shows. */
export interface DashboardData {
	site: { id: string; name: string; timeZone: string };
	/** The range as asked (preset) and as read. */
	range: DateRange & { preset: Preset; interval: Interval };
	/** Why the query string could not be read (the widgets are then left out). */
	problem?: string;
	/** The filter the numbers are under (`page=`, `source=` or `event=`), or null. */
	filter: Filter | null;
	/** Under a filter: the whole site's totals for the range (for conversion rates). */
	unfiltered?: Part<Totals>;
	totals?: Part<Totals>;
	previous?: Part<{ from: string; to: string; totals: Totals }>;
	timeseries?: Part<TimeseriesPoint[]>;
	breakdowns?: Part<Breakdowns>;
	activeNow?: Part<ActiveNow>;
	trackingSince?: Part<string | null>;
	/** Some view was still being built: numbers may be incomplete. */
	indexing: boolean;
	/** When the numbers were read (ms), for "updated at". */
	readAt: number;
}

/** Options of {@link readDashboard}. */
export interface DashboardOptions {
	now?: () => number;
	/** Rows per breakdown before "(other)"; default 10. */
	limit?: number;
}

/**
 * Reads a dashboard for a site the caller has already authorized.
 * @param params The page's query string (`range`, `from`, `to`, `tz`, and a filter:
 *   `page`, `source` or `event`).
 */
export async function readDashboard(
	couch: Couch,
	site: Pick<SiteRecord, 'id' | 'name' | 'timeZone'>,
	params: URLSearchParams,
	options: DashboardOptions = {}
): Promise<DashboardData> {
	const now = (options.now ?? Date.now)();
	const choice = resolveRange(params, site.timeZone, now, isTimeZone);
	const base = {
		site: { id: site.id, name: site.name, timeZone: site.timeZone },
		readAt: now
	};
	let parsed;
	let filter: Filter | null = null;
	try {
		const query = new URLSearchParams({ from: choice.from, to: choice.to, tz: choice.tz });
		parsed = parseRangeParams(query, site.timeZone, now);
		filter = parseFilter(params);
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		// The page still renders times in the range's zone: never in one Intl refuses.
		const tz = isTimeZone(choice.tz) ? choice.tz : site.timeZone;
		return {
			...base,
			range: { ...choice, tz, interval: 'day' },
			problem: e.message,
			filter,
			indexing: false
		};
	}
	const { range, interval } = parsed;
	const limit = options.limit ?? parsed.limit;
	const reader = createViewReader(couch);
	const previous = previousRange(range);
	const query = { site: site.id, range, interval, limit, filter };

	const [series, previousSums, breakdowns, activeNow, trackingSince, unfiltered] =
		await Promise.all([
			part(() => readTimeseries(reader, query)),
			part(() => readSums(reader, scopeOf(query), previous)),
			part(() => readBreakdowns(reader, query)),
			part(() => readActiveNow(reader, site.id, now)),
			part(() => readTrackingSince(reader, site.id)),
			filter ? part(() => readSums(reader, site.id, range)) : undefined
		]);
	return {
		...base,
		range: { ...range, preset: choice.preset, interval },
		filter,
		unfiltered: unfiltered && map(unfiltered, totalsFrom),
		totals: map(series, (s) =>
			totalsFrom(s.reduce((sum, point) => addSums(sum, point.sums), emptySums()))
		),
		timeseries: map(series, (s) => s.map((point) => point.point)),
		previous: map(previousSums, (sums) => ({ ...previous, totals: totalsFrom(sums) })),
		breakdowns,
		activeNow,
		trackingSince,
		indexing: reader.indexing
	};
}

async function part<T>(read: () => Promise<T>): Promise<Part<T>> {
	try {
		return { ok: true, value: await read() };
	} catch (e) {
		logError('dashboard read failed', e);
		return {
			ok: false,
			message: 'This could not be read just now; it will retry on the next update.'
		};
	}
}

function map<T, U>(value: Part<T>, f: (value: T) => U): Part<U> {
	return value.ok ? { ok: true, value: f(value.value) } : value;
}
