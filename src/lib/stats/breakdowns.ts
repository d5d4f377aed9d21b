/**
 * Breakdowns (pages, entry and exit pages, sources, technology, countries, events):
 * view rows summed over a range's buckets, sorted, and cut to a top N with an
 * "(other)" row so the totals still add up.
 */

import { rate } from './metrics';

/** Label of the row that sums everything past the top N. */
export const OTHER = '(other)';

/** A row of the pages breakdown. */
export interface PageRow {
	path: string;
	pageviews: number;
	/** Visitors who viewed the path (their first view of it that day), summed over days. */
	visitors: number;
	engagedTimeMs: number;
	/** Sessions that started on the path. */
	entries: number;
	/** Pageviews after which the visitor went no further: pageviews − departures, ≥ 0. */
	exits: number;
}

/** A row of a sources, technology or country breakdown. */
export interface DimensionRow {
	value: string;
	sessions: number;
	visitors: number;
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

/** Sums `pages` view rows (key `[site, g, bucket, path]`) by path, busiest first. */
export function pageRows(rows: ViewRow<number[]>[]): PageRow[] {
	const byPath = new Map<string, number[]>();
	for (const row of rows) {
		const path = String(row.key[3]);
		const sums = byPath.get(path) ?? [0, 0, 0, 0, 0];
		row.value.forEach((n, i) => (sums[i] += n));
		byPath.set(path, sums);
	}
	return [...byPath]
		.map(([path, [pageviews, visitors, engagedTimeMs, entries, departures]]) => ({
			path,
			pageviews,
			visitors,
			engagedTimeMs,
			entries,
			exits: Math.max(0, pageviews - departures)
		}))
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
	/** Exits ÷ pageviews of the path. */
	exitRate: number;
}

/** Exit pages: paths where sessions ended, most first, with exits ÷ pageviews. */
export function exitPageRows(pages: PageRow[]): ExitRow[] {
	return pages
		.filter((row) => row.exits > 0)
		.map(({ path, exits, pageviews }) => exitRow(path, exits, pageviews))
		.sort(
			by(
				(row) => row.exits,
				(row) => row.path
			)
		);
}

/** An exit row with its rate. */
export function exitRow(path: string, exits: number, pageviews: number): ExitRow {
	return { path, exits, pageviews, exitRate: rate(exits, pageviews) };
}

/**
 * Sums the `dimensions` view rows (key `[site, g, bucket, dimension, value]`, value
 * `[sessions, visitors]`) of one dimension by value, most visitors first.
 */
export function dimensionRows(rows: ViewRow<number[]>[], dimension: string): DimensionRow[] {
	const byValue = new Map<string, [number, number]>();
	for (const row of rows) {
		if (String(row.key[3]) !== dimension) continue;
		const value = String(row.key[4]);
		const pair = byValue.get(value) ?? [0, 0];
		pair[0] += row.value[0] ?? 0;
		pair[1] += row.value[1] ?? 0;
		byValue.set(value, pair);
	}
	return [...byValue]
		.map(([value, [sessions, visitors]]) => ({ value, sessions, visitors }))
		.filter((row) => row.sessions > 0 || row.visitors > 0)
		.sort(
			by(
				(row) => row.visitors * 1e9 + row.sessions,
				(row) => row.value
			)
		);
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
 * The first `limit` rows, plus one row made by `other` from the rest when there is
 * a rest, so a breakdown still sums to its total.
 * @param limit How many rows to keep; Infinity keeps all.
 */
export function topN<T>(rows: T[], limit: number, other: (rest: T[]) => T): T[] {
	if (rows.length <= limit) return rows;
	return [...rows.slice(0, limit), other(rows.slice(limit))];
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
