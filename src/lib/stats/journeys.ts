/**
 * Journeys: the pages visitors went to after a page and came from before it, folded
 * from the `journeys` view's rows (key `[site, g, bucket, from, path]`, counted; `from`
 * null for a session's entry). Every pageview is one row, so a page's views are the sum
 * of its rows as `path` and its previous pages add up to them with "(entrance)". Its
 * next pages with "(exit)", the sessions it was the last page of (the `pages` view's
 * exits), add up to them too but where links were opened in new tabs: each is a step.
 *
 * And paths from entry: the pages sessions viewed after their first few, folded from the
 * `paths` view's rows (key `[site, g, trail, bucket, path]`, counted).
 */
import { OTHER, sum, topN, type ViewRow } from './breakdowns';
import type { Filter } from './filters';
import { rate } from './metrics';

/**
 * The filter journeys and paths are read under: a source filter (every pageview of a
 * session has its source, so its transitions and paths stay whole); none for a page or
 * an event filter, which would keep part of a session's pageviews.
 */
export function journeyFilter(filter: Filter | null | undefined): Filter | null {
	return filter?.kind === 'source' ? filter : null;
}

/** Which side of a page the Journeys API answers (`direction=`): both when none. */
export type JourneyDirection = 'next' | 'previous';

/** The previous "page" of a session's first pageview. */
export const ENTRANCE = '(entrance)';
/** The next "page" of a session's last pageview of a page. */
export const EXIT = '(exit)';

/** A page before or after the chosen one. */
export interface JourneyStep {
	/** A path, {@link ENTRANCE}, {@link EXIT} or "(other)". */
	path: string;
	/** Pageviews and revisits (returns to a page, records.ts) that made this step. */
	count: number;
	/** `count` ÷ the chosen page's views. */
	share: number;
}

/** The journeys through one page over a range (the Journeys API's answer, README). */
export interface Journey {
	/** The chosen page, or null when the range has no pageviews. */
	page: string | null;
	/** Its pageviews and revisits in the range. */
	views: number;
	/** Where its viewers went next, busiest first: pages and "(exit)". */
	next: JourneyStep[];
	/** Where its viewers came from, busiest first: pages and "(entrance)". */
	previous: JourneyStep[];
	/** The busiest pages of the range, to choose from: path and views. */
	pages: { path: string; views: number }[];
}

/** Transitions summed over buckets: `from → path → count` (`from` null for entries). */
function transitions(rows: ViewRow<number>[]): Map<string | null, Map<string, number>> {
	const byFrom = new Map<string | null, Map<string, number>>();
	for (const { key, value } of rows) {
		const from = key[3] === null ? null : String(key[3]);
		const path = String(key[4]);
		const to = byFrom.get(from) ?? new Map<string, number>();
		to.set(path, (to.get(path) ?? 0) + value);
		byFrom.set(from, to);
	}
	return byFrom;
}

/** Busiest first, then by path, so ties read the same every time. */
function busiest<T extends { path: string }>(weight: (row: T) => number) {
	return (a: T, b: T) => weight(b) - weight(a) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Steps busiest first, cut to `limit` plus "(other)", each with its share of `views`. */
function ranked(counts: Map<string, number>, views: number, limit: number): JourneyStep[] {
	const rows = [...counts]
		.filter(([, count]) => count > 0)
		.map(([path, count]) => ({ path, count, share: rate(count, views) }))
		.sort(busiest((row) => row.count));
	return topN(rows, limit, (rest) => {
		const count = sum(rest, (row) => row.count);
		return { path: OTHER, count, share: rate(count, views) };
	});
}

/**
 * The journeys through `page` (default: the busiest page of the rows) from the rows of
 * a range, each list cut to `limit` rows plus "(other)". Its "(exit)" is its exits as the
 * pages breakdown counts them (`exits`, by path: `exitsByPath`), the sessions whose last
 * page it was: not its views less its next pages, since a page left to two tabs has two
 * next pages and one view (an outside probe: that cancelled another session's exit).
 */
export function journeyOf(
	rows: ViewRow<number>[],
	exits: ReadonlyMap<string, number>,
	page: string | null,
	limit: number
): Journey {
	const byFrom = transitions(rows);
	const views = new Map<string, number>();
	const previous = new Map<string, number>();
	for (const to of byFrom.values()) {
		for (const [path, count] of to) views.set(path, (views.get(path) ?? 0) + count);
	}
	const pages = [...views]
		.map(([path, n]) => ({ path, views: n }))
		.sort(busiest((row) => row.views));
	const chosen = page ?? pages[0]?.path ?? null;
	if (chosen === null) return { page: null, views: 0, next: [], previous: [], pages };
	for (const [from, to] of byFrom) {
		const count = to.get(chosen);
		if (count) previous.set(from ?? ENTRANCE, count);
	}
	const total = views.get(chosen) ?? 0;
	const next = new Map(byFrom.get(chosen) ?? []);
	next.set(EXIT, exits.get(chosen) ?? 0);
	return {
		page: chosen,
		views: total,
		next: ranked(next, total, limit),
		previous: ranked(previous, total, limit),
		pages: pages.slice(0, limit)
	};
}

/** The pages after a path from entry over a range (the Paths API's answer, README). */
export interface PathReport {
	/** The path from entry; none for the entry pages. */
	steps: string[];
	/**
	 * The sessions whose first pages were `steps` (each viewed in the range); with no
	 * steps, the sessions that began in the range.
	 */
	sessions: number;
	/**
	 * The pages viewed next, busiest first, each with its share of `sessions`, and
	 * "(exit)" for the sessions that viewed none (with steps); "(other)" past the limit.
	 */
	next: JourneyStep[];
	/**
	 * True when the pages in `next` are the last step counted (`TRAIL_STEPS` in
	 * src/lib/classify/rules.ts, which this module leaves out of the dashboard's bundle):
	 * no path leads on from them.
	 */
	final: boolean;
}

/** Counts by path, summed over buckets, of `paths` rows (the path is the last key element). */
function byPath(rows: ViewRow<number>[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const { key, value } of rows) {
		const path = String(key.at(-1));
		counts.set(path, (counts.get(path) ?? 0) + value);
	}
	return counts;
}

/**
 * The report of the path `steps` from the `paths` rows after it (`rows`) and after all
 * its steps but the last (`before`, which count the sessions that reached it; null when
 * `steps` is empty), cut to `limit` rows plus "(other)". `final` as {@link PathReport}.
 */
export function pathReport(
	steps: readonly string[],
	rows: ViewRow<number>[],
	before: ViewRow<number>[] | null,
	limit: number,
	final: boolean
): PathReport {
	const next = byPath(rows);
	const onward = sum([...next.values()], (n) => n);
	if (!before || !steps.length) {
		return { steps: [...steps], sessions: onward, next: ranked(next, onward, limit), final };
	}
	const sessions = byPath(before).get(steps[steps.length - 1]) ?? 0;
	// As for journeys: a later step may fall in the range while the earlier did not.
	next.set(EXIT, Math.max(0, sessions - onward));
	return { steps: [...steps], sessions, next: ranked(next, sessions, limit), final };
}
