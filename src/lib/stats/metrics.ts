/**
 * The headline numbers: the order of the `metrics` view's value vector, and the rates
 * derived from it (docs/DESIGN.md §4).
 */

/**
 * Positions in the value vector the `metrics` view emits and `_sum` adds up
 * (couchdb/events/views/metrics.js). A unit test holds the two in step.
 */
export const METRIC_FIELDS = [
	'pageviews',
	'visitors',
	'newVisitors',
	'sessions',
	'actualSessions',
	'engagedSessions',
	'nonbounceSessions',
	'engagedTimeMs',
	'events'
] as const;

/** One summed count of the `metrics` view. */
export type MetricField = (typeof METRIC_FIELDS)[number];

/** Summed counts, by field. */
export type MetricSums = Record<MetricField, number>;

/**
 * The `totals` of a Stats API response. Under an event filter the sums count the event's
 * firings alone ({@link SumsScope}): the fields they cannot tell (pageviews, new
 * visitors, actual and engaged sessions, the rates, engaged time) are null, not the 0 or
 * 1 the firings would make them (an outside probe read `bounceRate 1` for sessions none
 * of which bounced).
 */
export interface Totals {
	pageviews: number | null;
	/**
	 * Unique visitors: each visitor's first activity of the day (a pageview, an event or a
	 * return: `opensDay`), summed over the range (as Plausible counts);
	 * null under a page pattern matching several paths, where they do not add up
	 * (src/lib/stats/filters.ts).
	 */
	visitors: number | null;
	/** Visitors on their first day ever, likewise; null where `visitors` is, and under an event filter. */
	newVisitors: number | null;
	sessions: number;
	actualSessions: number | null;
	engagedSessions: number | null;
	/** Engaged sessions ÷ actual sessions; 0 when there are no actual sessions. */
	engagementRate: number | null;
	/** 1 − non-bounce sessions ÷ sessions; 0 when there are no sessions. */
	bounceRate: number | null;
	engagedTimeMs: number | null;
	/** Engaged time per session, in whole milliseconds; 0 when there are no sessions. */
	avgEngagedTimeMs: number | null;
	events: number;
}

/** All-zero sums. */
export function emptySums(): MetricSums {
	return Object.fromEntries(METRIC_FIELDS.map((field) => [field, 0])) as MetricSums;
}

/**
 * Adds one `metrics` row value (a vector in {@link METRIC_FIELDS} order) into `sums`.
 * Missing positions count as 0, so an older, shorter vector still adds up.
 */
export function addVector(sums: MetricSums, vector: readonly number[]): MetricSums {
	METRIC_FIELDS.forEach((field, i) => {
		sums[field] += vector[i] ?? 0;
	});
	return sums;
}

/** Adds `b` into `a`. */
export function addSums(a: MetricSums, b: MetricSums): MetricSums {
	for (const field of METRIC_FIELDS) a[field] += b[field];
	return a;
}

/**
 * The count each rate and average of the totals divides: without any, it reads 0 but is
 * not known (a change from it means nothing).
 */
export const DIVISORS = {
	engagementRate: 'actualSessions',
	bounceRate: 'sessions',
	avgEngagedTimeMs: 'sessions'
} as const satisfies Partial<Record<keyof Totals, keyof Totals>>;

/** A ratio rounded to 4 decimals, 0 when the denominator is 0. */
export function rate(numerator: number, denominator: number): number {
	if (denominator <= 0) return 0;
	return Math.round((numerator / denominator) * 10_000) / 10_000;
}

/** What the summed counts of a read's scopes can tell (src/lib/stats/filters.ts). */
export interface SumsScope {
	/**
	 * Whether visitors add up across the scopes: always for one; for a page pattern
	 * matching several paths they do not (a visitor may view two of them the same day).
	 */
	visitorsExact: boolean;
	/**
	 * Whether the sums count an event's firings alone (an event filter): its sessions,
	 * visitors and firings, and none of their sessions' pageviews, time or bounces.
	 */
	firingsOnly: boolean;
}

/** The scope of a read without a filter: every count tells. */
export const WHOLE_SITE: SumsScope = { visitorsExact: true, firingsOnly: false };

/**
 * The totals (counts and rates) for summed counts.
 * @param scope What the sums can tell: visitors that do not add up are null (an outside
 *   review read 2 new visitors for one under `page=/docs/*`), and so is every count an
 *   event's firings cannot tell ({@link Totals}).
 */
export function totalsFrom(sums: MetricSums, scope: SumsScope = WHOLE_SITE): Totals {
	const totals = wholeTotals(sums);
	const unknown = [
		...(scope.visitorsExact ? [] : (['visitors', 'newVisitors'] as const)),
		...(scope.firingsOnly ? NOT_OF_FIRINGS : [])
	];
	for (const field of unknown) totals[field] = null;
	return totals;
}

/** The totals an event's firings alone cannot tell ({@link Totals}). */
const NOT_OF_FIRINGS = [
	'pageviews',
	'newVisitors',
	'actualSessions',
	'engagedSessions',
	'engagementRate',
	'bounceRate',
	'engagedTimeMs',
	'avgEngagedTimeMs'
] as const satisfies readonly (keyof Totals)[];

function wholeTotals(sums: MetricSums): Totals {
	return {
		pageviews: sums.pageviews,
		visitors: sums.visitors,
		newVisitors: sums.newVisitors,
		sessions: sums.sessions,
		actualSessions: sums.actualSessions,
		engagedSessions: sums.engagedSessions,
		engagementRate: rate(sums.engagedSessions, sums.actualSessions),
		bounceRate:
			sums.sessions > 0
				? rate(Math.max(0, sums.sessions - sums.nonbounceSessions), sums.sessions)
				: 0,
		engagedTimeMs: sums.engagedTimeMs,
		avgEngagedTimeMs: sums.sessions > 0 ? Math.round(sums.engagedTimeMs / sums.sessions) : 0,
		events: sums.events
	};
}

/**
 * A count's change against the previous period: relative (0.25 = +25 %, to four
 * decimals), `new` from none to some, null from none to none.
 */
export type Change = number | 'new' | null;

/**
 * The one rule of a count's change against the previous period ({@link Change}): the
 * headline tiles and the Goals table write it (dashboard `formatChange`), and each
 * breakdown row of the Stats API, its export and the dashboard's tables carry it.
 */
export function change(current: number, previous: number): Change {
	if (previous === 0) return current === 0 ? null : 'new';
	return Math.round(((current - previous) / previous) * 10_000) / 10_000;
}
