/**
 * The contract between the read model (src/lib/server/stats/read-stats.ts) and what
 * shows its numbers: the Stats API response, and the data of a dashboard page, whose
 * every part carries its value or why it could not be read. Types only, so the pages
 * and components import them without reaching into the server.
 */
import type { ActiveNow } from './active';
import type { BreakdownCounts, Breakdowns } from './catalogue';
import type { Filter } from './filters';
import type { GoalReport } from './goals';
import type { Journey, PathReport } from './journeys';
import type { Totals } from './metrics';
import type { Comparison, DateRange, Interval } from './periods';
import type { Preset } from './range';

export type { BreakdownCounts, Breakdowns };

/** One point of the time series: the period's totals. */
export interface TimeseriesPoint extends Totals {
	/** Local label: `2026-11-21T14:00`, `2026-11-21` or `2026-11`. */
	period: string;
	/** First instant of the period, ISO 8601 UTC. */
	start: string;
}

/** The totals of the period a range is compared with (`previousRange`, periods.ts) and its dates. */
export interface PreviousPeriod {
	from: string;
	to: string;
	/** How it was found from the range (`previousRange`, periods.ts). */
	compare: Comparison;
	totals: Totals;
}

/**
 * What each section of a read holds (src/lib/server/stats/read-stats.ts reads them, each
 * settled on its own).
 */
export interface Sections {
	/** Under a filter: the whole site's totals for the range; otherwise `totals` again. */
	unfiltered: Totals;
	totals: Totals;
	/** The period the range is compared with (`previousRange`, periods.ts). */
	previous: PreviousPeriod;
	timeseries: TimeseriesPoint[];
	breakdowns: Breakdowns;
	/** How many rows each breakdown has (those matching `search`), before `offset` and `limit`. */
	totalRows: BreakdownCounts;
	activeNow: ActiveNow;
	/** Earliest counted record of the site (ISO 8601), or null when there is none. */
	trackingSince: string | null;
	/** Each of the site's goals: conversions, converting visitors and rate, with the previous period. */
	goals: GoalReport[];
	/** The pages before and after one page (the Journeys API; not in the Stats API's answer). */
	journeys: Journey;
	/** The pages after a path from entry (the Paths API; not in the Stats API's answer). */
	paths: PathReport;
}

/** The name of a section. */
export type SectionName = keyof Sections;

/**
 * What a read answers besides its sections (the read model's, the Stats, Journeys and
 * Paths APIs'): the site, the range read, its filter, whether an index was still being
 * built, and what the read cost.
 */
export interface ReadEnvelope {
	site: string;
	/** The range read (`range=all`: as narrowed to the first record) and its interval. */
	range: DateRange & { interval: Interval };
	/** The filter the numbers are under, or null. */
	filter: Filter | null;
	/** True when some view was still being built: the numbers may be incomplete. */
	indexing: boolean;
	/** What the read cost: view rows read and queries made. */
	meta: { rowsRead: number; queries: number };
}

/** The Stats API response (README, "Stats API"): every section but `unfiltered`, `journeys` and `paths`, and this. */
export interface StatsResponse
	extends Omit<Sections, 'unfiltered' | 'journeys' | 'paths'>, ReadEnvelope {
	/** Under a filter: the whole site's totals for the range (for shares and conversion rates). */
	unfiltered: { totals: Totals } | null;
}

/** A widget's data, or why it could not be read (a message fit for the page). */
export type Part<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Everything a dashboard page shows (owner dashboard and share links): each section as
 * a widget's part, none when the query string could not be read (`problem`), and
 * `unfiltered` only under a filter.
 */
export interface DashboardData extends Partial<{ [K in SectionName]: Part<Sections[K]> }> {
	site: { id: string; name: string; timeZone: string };
	/** The range as asked (preset) and as read. */
	range: DateRange & { preset: Preset; interval: Interval };
	/** Why the query string could not be read (the widgets are then left out). */
	problem?: string;
	/** The query parameter the problem is about, when it is one (`from`, `to`: the range's dates). */
	problemField?: string;
	/** The filter the numbers are under (`page=`, `source=` or `event=`), or null. */
	filter: Filter | null;
	/** Some view was still being built: numbers may be incomplete. */
	indexing: boolean;
	/** When the numbers were read (ms), for "updated at". */
	readAt: number;
	/**
	 * The events database's sequence before the numbers were read: the page's live stream
	 * starts from it (`since`), so records that arrive before the stream does are not lost.
	 * A page's load has it, a live re-read not.
	 */
	seq?: string;
}
