/**
 * Breakdowns (pages, entry and exit pages, sources, technology, countries, events):
 * view rows summed over a range's buckets, sorted, and cut to a top N with an
 * "(other)" row so the totals still add up.
 */

import { rate } from './metrics';

/**
 * Label of the row that sums everything past the top N; the row is told apart by its
 * mark ({@link isOtherRow}), never by this label, which a visitor may send too.
 */
export const OTHER = '(other)';

/** The row of an event's prop for its firings without that prop, as Plausible shows it. */
export const NONE = '(none)';

/** A row of the pages breakdown. */
export interface PageRow {
	path: string;
	pageviews: number;
	/**
	 * Visitors who viewed the path (their first view of it that day), summed over days;
	 * null in the "(other)" row, as one visitor may view several of its paths.
	 */
	visitors: number | null;
	engagedTimeMs: number;
	/** Sessions that started on the path. */
	entries: number;
	/**
	 * Times the visitor went no further from the path: pageviews + returns (back to it,
	 * records.ts `revisit`) − departures, ≥ 0.
	 */
	exits: number;
}

/** A row of a sources, technology or country breakdown. */
export interface DimensionRow {
	value: string;
	sessions: number;
	/** Null where visitors do not add up (a page pattern matching several paths). */
	visitors: number | null;
}

/** A row of the events breakdown, with counts per prop value. */
export interface EventRow {
	name: string;
	count: number;
	props: Record<string, { value: string; count: number }[]>;
}

/** A grouped view row: key array and reduced value. */
export interface ViewRow<V> {
	key: unknown[];
	value: V;
}

/**
 * Sums `pages` view rows (key `[site, g, bucket, path]`) by path: `[pageviews, visitors,
 * engagedTimeMs, entries, departures, returns]`.
 */
function sumsByPath(rows: ViewRow<number[]>[]): Map<string, number[]> {
	const byPath = new Map<string, number[]>();
	for (const row of rows) {
		const path = String(row.key[3]);
		// Rows written before returns existed have five elements.
		const sums = byPath.get(path) ?? [0, 0, 0, 0, 0, 0];
		row.value.forEach((n, i) => (sums[i] += n));
		byPath.set(path, sums);
	}
	return byPath;
}

/**
 * A page's exits from its sums: its views and returns less the pageviews and returns
 * that left it (the `pages` view's departures), at least 0 (a departure in the range may
 * leave a view before it).
 */
function exitsOf([pageviews, , , , departures, returns]: number[]): number {
	return Math.max(0, pageviews + returns - departures);
}

/** Exits by path, from `pages` view rows (journeys' "(exit)"). */
export function exitsByPath(rows: ViewRow<number[]>[]): Map<string, number> {
	return new Map([...sumsByPath(rows)].map(([path, sums]) => [path, exitsOf(sums)]));
}

/** Sums `pages` view rows (key `[site, g, bucket, path]`) by path, busiest first. */
export function pageRows(rows: ViewRow<number[]>[]): PageRow[] {
	return [...sumsByPath(rows)]
		.map(([path, sums]) => {
			const [pageviews, visitors, engagedTimeMs, entries] = sums;
			return { path, pageviews, visitors, engagedTimeMs, entries, exits: exitsOf(sums) };
		})
		.filter((row) => row.pageviews > 0 || row.engagedTimeMs > 0)
		.sort(
			by(
				(row) => row.pageviews,
				(row) => row.path
			)
		);
}

/** Entry pages: paths where sessions started, most first. */
export function entryPageRows(pages: PageRow[]): { path: string; entries: number }[] {
	return pages
		.filter((row) => row.entries > 0)
		.map(({ path, entries }) => ({ path, entries }))
		.sort(
			by(
				(row) => row.entries,
				(row) => row.path
			)
		);
}

/** A row of the exit pages breakdown. */
export interface ExitRow {
	path: string;
	exits: number;
	pageviews: number;
	/**
	 * The path's pageviews and the returns to it (records.ts `revisit`): the times a
	 * session was on it, each of which may be where it ended.
	 */
	views: number;
	/** Exits ÷ views of the path: at most 1. */
	exitRate: number;
}

/**
 * Exit pages from `pages` view rows: paths where sessions ended, most first, with exits ÷
 * views. Views count the returns to a page, as exits do: a page left open that a resumed
 * session opens on (a return, no pageview) and leaves again is two exits of one pageview,
 * whose rate by pageviews read 200 % (an outside probe).
 */
export function exitPageRows(rows: ViewRow<number[]>[]): ExitRow[] {
	return [...sumsByPath(rows)]
		.map(([path, sums]) => exitRow(path, exitsOf(sums), sums[0], sums[0] + sums[5]))
		.filter((row) => row.exits > 0)
		.sort(
			by(
				(row) => row.exits,
				(row) => row.path
			)
		);
}

/** An exit row with its rate. */
export function exitRow(path: string, exits: number, pageviews: number, views: number): ExitRow {
	return { path, exits, pageviews, views, exitRate: rate(exits, views) };
}

/**
 * Sums the `dimensions` view rows (key `[site, g, bucket, dimension, value]`, value
 * `[sessions, visitors]`) of one dimension by value, most visitors first.
 * @param visitorsExact Whether the rows' visitors add up (default); if not, each row's
 *   visitors are null and rows go by sessions.
 */
export function dimensionRows(
	rows: ViewRow<number[]>[],
	dimension: string,
	visitorsExact = true
): DimensionRow[] {
	return sessionRows(
		rows.filter((row) => String(row.key[3]) === dimension),
		visitorsExact
	);
}

/**
 * Sums `[sessions, visitors]` view rows by the value their key ends with, most
 * visitors first: `dimensions` rows of one dimension, or `visitors` rows (new, returning).
 * @param visitorsExact As {@link dimensionRows}.
 */
export function sessionRows(rows: ViewRow<number[]>[], visitorsExact = true): DimensionRow[] {
	return [...sumByKey(rows, (key) => [String(key.at(-1))], 2)]
		.filter(([, [sessions, visitors]]) => sessions > 0 || visitors > 0)
		.sort(
			by(
				([, [sessions, visitors]]) => (visitorsExact ? visitors : 0) * 1e9 + sessions,
				([value]) => value
			)
		)
		.map(([value, [sessions, visitors]]) => ({
			value,
			sessions,
			visitors: visitorsExact ? visitors : null
		}));
}

/**
 * The visitors of an "(other)" row: unknown (null) unless it stands for one row, whose
 * count is exact. Visitors do not add up across rows: one visitor may view several pages,
 * come from several sources, be new one day and back the next (outside reviews read 13
 * visitors in the pages' "(other)" for 9 people, and 2 in the sources' for one).
 */
export function otherVisitors(rest: readonly { visitors: number | null }[]): number | null {
	return rest.length === 1 ? rest[0].visitors : null;
}

/**
 * Events by name (`events` rows, key `[site, g, bucket, name]`, counted) with their
 * props (`event-props` rows, key `[site, g, bucket, name, prop, value]`).
 */
export function eventRows(
	events: ViewRow<number>[],
	props: ViewRow<number>[],
	propLimit = Infinity
): EventRow[] {
	const counts = new Map<string, number>();
	for (const row of events)
		counts.set(String(row.key[3]), (counts.get(String(row.key[3])) ?? 0) + row.value);
	const propCounts = new Map<string, Map<string, Map<string, number>>>();
	for (const row of props) {
		const [name, prop, value] = [String(row.key[3]), String(row.key[4]), String(row.key[5])];
		const byProp = propCounts.get(name) ?? new Map<string, Map<string, number>>();
		const byValue = byProp.get(prop) ?? new Map<string, number>();
		byValue.set(value, (byValue.get(value) ?? 0) + row.value);
		byProp.set(prop, byValue);
		propCounts.set(name, byProp);
	}
	return [...counts]
		.map(([name, count]) => {
			const byProp = propCounts.get(name) ?? new Map<string, Map<string, number>>();
			const propsOut: EventRow['props'] = {};
			for (const prop of [...byProp.keys()].sort()) {
				const values = [...byProp.get(prop)!]
					.map(([value, n]) => ({ value, count: n }))
					.sort(
						by(
							(row) => row.count,
							(row) => row.value
						)
					);
				propsOut[prop] = topN(values, propLimit, (rest) => ({
					value: OTHER,
					count: sum(rest, (row) => row.count)
				}));
				// A firing has one value of a prop at most, so the rest had none (an outside
				// probe found them only as the difference, where Plausible lists "(none)").
				const none = count - sum(values, (row) => row.count);
				if (none > 0) propsOut[prop].push({ value: NONE, count: none });
			}
			return { name, count, props: propsOut };
		})
		.sort(
			by(
				(row) => row.count,
				(row) => row.name
			)
		);
}

/**
 * Which rows of a breakdown an answer holds: those whose value holds `search` (in any
 * case), from the `offset`-th on, `limit` of them (a page), as the Stats API's `offset`,
 * `search` and `limit` say (src/lib/server/stats/params.ts).
 */
export interface RowCut {
	limit: number;
	/** Matching rows skipped before the page; default 0. */
	offset?: number;
	/** Keep only rows whose value holds this, in any case; default every row. */
	search?: string | null;
}

/**
 * A page of a breakdown's rows (busiest first), and how many rows match the cut's
 * `search` (`totalRows`, what a client pages through). The page ends with one row made
 * by `other` from the matching rows after it, when there are some: the rows before the
 * page (`offset`) and those `search` leaves out are in no row.
 * @param value A row's value, the one `search` is matched against.
 */
export function cutRows<T>(
	rows: T[],
	cut: RowCut,
	value: (row: T) => string,
	other: (rest: T[]) => T
): { rows: T[]; totalRows: number } {
	const needle = cut.search ? cut.search.toLowerCase() : '';
	const matching = needle ? rows.filter((row) => value(row).toLowerCase().includes(needle)) : rows;
	const page = topN(matching.slice(cut.offset ?? 0), cut.limit, other);
	return { rows: page, totalRows: matching.length };
}

/**
 * The first `limit` rows, plus one row made by `other` from the rest when there is
 * a rest, so a breakdown still sums to its total.
 * @param limit How many rows to keep; Infinity keeps all.
 */
export function topN<T>(rows: T[], limit: number, other: (rest: T[]) => T): T[] {
	if (rows.length <= limit) return rows;
	return [...rows.slice(0, limit), { ...other(rows.slice(limit)), other: true }];
}

/**
 * What marks the row {@link topN} makes of the rest, `other: true` (in the Stats API's
 * rows too): its label "(other)" cannot, as a visitor may send that value (a page path
 * `/(other)`, a `utm_source=(other)`), and no row field comes from a visitor's input.
 */
export interface OtherMark {
	other?: true;
}

/** Whether `row` is the row summing the rows past the limit ({@link OtherMark}). */
export function isOtherRow(row: object): boolean {
	return (row as OtherMark).other === true;
}

/** The rows of `rows` that are values, the "(other)" row left out ({@link isOtherRow}). */
export function namedRows<T extends object>(rows: T[]): T[] {
	return rows.filter((row) => !isOtherRow(row));
}

/** The mark of `row` for a row made from it in another shape (a table's display). */
export function otherMark(row: object): OtherMark {
	return isOtherRow(row) ? { other: true } : {};
}

/** Sum of `f` over rows. */
export function sum<T>(rows: T[], f: (row: T) => number): number {
	return rows.reduce((total, row) => total + f(row), 0);
}

/** Sorts by a number descending, then by a label ascending, so ties are stable. */
function by<T>(weight: (row: T) => number, label: (row: T) => string) {
	return (a: T, b: T) =>
		weight(b) - weight(a) || (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0);
}

/**
 * Sums view rows' vectors (`width` long; a count as a vector of one) by the labels `labels`
 * picks from each key, joined by a NUL that no label holds.
 */
function sumByKey<V extends number | number[]>(
	rows: ViewRow<V>[],
	labels: (key: unknown[]) => string[],
	width: number
): Map<string, number[]> {
	const sums = new Map<string, number[]>();
	for (const row of rows) {
		const label = labels(row.key).join('\u0000');
		const vector: readonly number[] = typeof row.value === 'number' ? [row.value] : row.value;
		const total = sums.get(label) ?? new Array<number>(width).fill(0);
		for (let i = 0; i < width; i++) total[i] += vector[i] ?? 0;
		sums.set(label, total);
	}
	return sums;
}

/** A row of the 404 pages breakdown: a missing path and where its visitors came from. */
export interface NotFoundRow {
	path: string;
	/** The previous path of the session, or for an entry the referrer's host, or `(direct)`. */
	from: string;
	pageviews: number;
}

/** Sums `not-found` rows (key `[site, g, bucket, path, from]`, counted) by path and origin, most first. */
export function notFoundRows(rows: ViewRow<number>[]): NotFoundRow[] {
	return [...sumByKey(rows, (key) => [String(key[3]), String(key[4])], 1)]
		.map(([label, [pageviews]]) => {
			const [path, from] = label.split('\u0000');
			return { path, from, pageviews };
		})
		.sort(
			by(
				(row) => row.pageviews,
				(row) => `${row.path} ${row.from}`
			)
		);
}

/** A row of the scroll depth breakdown. */
export interface ScrollRow {
	path: string;
	pageviews: number;
	/** Mean of each page view's deepest scroll, in percent (0–100, one decimal). */
	averageScroll: number;
	/** Page views that reached 25, 50, 75 and 100 % of the page. */
	reached25: number;
	reached50: number;
	reached75: number;
	reached100: number;
}

/** The depths a page view's scroll is counted as reaching, in percent. */
export const SCROLL_MARKS = [25, 50, 75, 100] as const;

/**
 * Sums `scroll` rows (key `[site, g, bucket, path]`, value `[pageviews, depthSum,
 * reached25, reached50, reached75, reached100]`) by path, most pageviews first. A page
 * view whose heartbeats fell outside the range counts as 0 %; the counts are capped at
 * the pageviews, so a page view whose pageview was before the range adds no share over 100 %.
 */
export function scrollRows(rows: ViewRow<number[]>[]): ScrollRow[] {
	return [...sumByKey(rows, (key) => [String(key[3])], 6)]
		.filter(([, [pageviews]]) => pageviews > 0)
		.map(([path, [pageviews, depthSum, ...reached]]) =>
			scrollRow(path, pageviews, depthSum, reached)
		)
		.sort(
			by(
				(row) => row.pageviews,
				(row) => row.path
			)
		);
}

/** A scroll row from its sums. */
export function scrollRow(
	path: string,
	pageviews: number,
	depthSum: number,
	reached: number[]
): ScrollRow {
	const [reached25, reached50, reached75, reached100] = reached.map((n) => Math.min(n, pageviews));
	return {
		path,
		pageviews,
		averageScroll: Math.min(100, Math.round((depthSum / pageviews) * 10) / 10),
		reached25,
		reached50,
		reached75,
		reached100
	};
}

/** A row of the outbound links or file downloads breakdown. */
export interface LinkRow {
	url: string;
	clicks: number;
}

/**
 * The URLs of the events named `name` (the tracker's `outbound` or `download`, whose
 * `url` prop is the link's origin and path) from `event-props` rows, most clicked first.
 */
export function linkRows(props: ViewRow<number>[], name: string): LinkRow[] {
	const mine = props.filter((row) => row.key[3] === name && row.key[4] === 'url');
	return [...sumByKey(mine, (key) => [String(key[5])], 1)]
		.map(([url, [clicks]]) => ({ url, clicks }))
		.sort(
			by(
				(row) => row.clicks,
				(row) => row.url
			)
		);
}

/** A row of the lost records breakdown. */
export interface DroppedRow {
	/** The UTC hour the browsers reported the loss in: `2026-11-21T14`. */
	hour: string;
	/** Records the browsers' outboxes dropped. */
	records: number;
	/** `dropped` records that reported them. */
	reports: number;
}

/** Sums `dropped` rows (key `[site, g, bucket, hour]`) by UTC hour, latest first. */
export function droppedRows(rows: ViewRow<number[]>[]): DroppedRow[] {
	return [...sumByKey(rows, (key) => [String(key[3])], 2)]
		.map(([hour, [records, reports]]) => ({ hour, records, reports }))
		.sort((a, b) => (a.hour < b.hour ? 1 : a.hour > b.hour ? -1 : 0));
}
