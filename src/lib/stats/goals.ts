/**
 * Goals: what an owner counts as a conversion (an event, optionally with one prop value,
 * or a page path with `*` wildcards), how each is read from the views, and how its
 * numbers fold. Pure, so the read model (src/lib/server/stats/read-stats.ts), the
 * settings page and the dashboard share one definition. docs/DESIGN.md, "Goals", gives
 * the cost of each kind.
 */
import type { ViewRow } from './breakdowns';
import { propFilterProblem, type Filter } from './filters';
import { rate } from './metrics';
import { displayPath } from '../records';
import { phraseText, type Phrase } from '../text';

/** A goal as stored with its site (src/lib/server/accounts/goals.ts validates it). */
export type Goal =
	| { id: string; kind: 'event'; name: string; prop?: { key: string; value: string } }
	| { id: string; kind: 'page'; path: string };

/** A goal's numbers over one period. */
export interface GoalPeriod {
	/** Events fired, or pageviews of the matching pages. */
	conversions: number;
	/**
	 * Converting visitors (first of the day for the event name, the prop value or the
	 * page, summed over days, as `visitors` is everywhere), or null where the views cannot
	 * count them exactly: a wildcard matching more than one path, or a prop goal whose
	 * name or key no prop filter can take ({@link propFilterProblem}).
	 */
	visitors: number | null;
	/** Converting visitors ÷ the site's visitors; null when `visitors` is. */
	conversionRate: number | null;
}

/** A goal's line in the Stats API's `goals` and on the dashboard. */
export interface GoalReport extends GoalPeriod {
	goal: Goal;
	/** How the goal reads: `signup`, `signup (plan = pro)`, `/docs/*`. */
	label: string;
	/** The same numbers for the previous period. */
	previous: GoalPeriod;
	/**
	 * The dashboard filter that shows the goal's conversions (a wildcard goal's is a page
	 * pattern, a prop goal's an event with a prop, src/lib/stats/filters.ts), or null when
	 * none can (a prop goal whose name holds `|` or key `|` or `=`).
	 */
	filter: Filter | null;
}

/** How a goal is read from the views. */
export type GoalPlan =
	/** A filter scope of the `metrics` view (event, prop and exact page goals). */
	| { view: 'metrics'; filter: Filter }
	/** The site's `pages` rows, paths matched by the wildcard. */
	| { view: 'pages'; match: (path: string) => boolean }
	/** The site's `event-props` rows of one event name, prop and value (no prop filter). */
	| { view: 'event-props'; name: string; key: string; value: string };

/**
 * How a goal reads, its event's name, prop and value or its path quoted apart (they are
 * visitors' text): `signup`, `signup (plan = pro)`, `/docs/*`, `/café` (displayPath).
 */
export function goalPhrase(goal: Goal): Phrase {
	if (goal.kind === 'page') return [{ quoted: displayPath(goal.path) }];
	const name = { quoted: goal.name };
	if (!goal.prop) return [name];
	return [name, ' (', { quoted: goal.prop.key }, ' = ', { quoted: goal.prop.value }, ')'];
}

/** {@link goalPhrase} as one string: the Stats API's label, a button's accessible name. */
export function goalLabel(goal: Goal): string {
	return phraseText(goalPhrase(goal));
}

/**
 * The filter that counts exactly a goal's conversions: the event, the event with its
 * prop value, the page, a page pattern for a wildcard (the union of its paths' page
 * filters), or null for a prop goal no prop filter can take ({@link propFilterProblem}).
 */
export function goalFilter(goal: Goal): Filter | null {
	if (goal.kind === 'page') return { kind: 'page', value: goal.path };
	if (!goal.prop) return { kind: 'event', value: goal.name };
	if (propFilterProblem(goal.name, goal.prop.key)) return null;
	return { kind: 'event', value: goal.name, prop: { ...goal.prop } };
}

/** Where a goal's numbers come from. */
export function goalPlan(goal: Goal): GoalPlan {
	// A wildcard goal's numbers are its matching rows of the site's pages, read once for
	// all wildcard goals, not its filter's scopes (one per path).
	const filter = goal.kind === 'page' && goal.path.includes('*') ? null : goalFilter(goal);
	if (filter) return { view: 'metrics', filter };
	if (goal.kind === 'event') {
		const prop = goal.prop!;
		return { view: 'event-props', name: goal.name, key: prop.key, value: prop.value };
	}
	return { view: 'pages', match: wildcardMatcher(goal.path) };
}

/**
 * A test for paths matching `pattern`, where `*` stands for any characters, `/` included.
 *
 * Matched in one left-to-right walk, not by a regular expression: in one, a pattern of
 * several stars backtracks against a long path, its time growing as the path's length to
 * the power of the stars (`/*a*a*a*a*b` against 500 `a`s held the event loop for
 * minutes), and anyone with a share link may send one.
 * The part before the first star must start the path and the part after the last star
 * end it; each part between must occur in order, and its leftmost occurrence leaves the
 * most room for the rest, so no choice is ever taken back: O(path × pattern) at most.
 */
export function wildcardMatcher(pattern: string): (path: string) => boolean {
	const parts = pattern.split('*');
	if (parts.length === 1) return (path) => path === pattern;
	const head = parts[0];
	const tail = parts[parts.length - 1];
	const middle = parts.slice(1, -1).filter(Boolean);
	return (path) => {
		if (path.length < head.length + tail.length) return false;
		if (!path.startsWith(head) || !path.endsWith(tail)) return false;
		const end = path.length - tail.length;
		let at = head.length;
		for (const part of middle) {
			const found = path.indexOf(part, at);
			if (found < 0 || found + part.length > end) return false;
			at = found + part.length;
		}
		return true;
	};
}

/**
 * A wildcard goal's period from `pages` rows (key `[scope, g, bucket, path]`, value
 * `[pageviews, visitors, …]`): conversions are the matching pageviews; visitors only
 * when a single path matched, since a visitor may view two matching paths in a day.
 */
export function wildcardPeriod(
	rows: ViewRow<number[]>[],
	match: (path: string) => boolean,
	siteVisitors: number
): GoalPeriod {
	const paths = new Set<string>();
	let conversions = 0;
	let visitors = 0;
	for (const row of rows) {
		const path = String(row.key[3]);
		if (!match(path)) continue;
		paths.add(path);
		conversions += row.value[0] ?? 0;
		visitors += row.value[1] ?? 0;
	}
	return goalPeriod(conversions, paths.size > 1 ? null : visitors, siteVisitors);
}

/**
 * The period of a prop goal no prop filter can take, from `event-props` rows (key
 * `[scope, g, bucket, name, key, value]`, counted): the matching events; its visitors
 * are not known (the views keep no converting visitors of such a prop value).
 */
export function propPeriod(
	rows: ViewRow<number>[],
	plan: Extract<GoalPlan, { view: 'event-props' }>,
	siteVisitors: number
): GoalPeriod {
	let conversions = 0;
	for (const { key, value } of rows) {
		if (key[3] === plan.name && key[4] === plan.key && key[5] === plan.value) conversions += value;
	}
	return goalPeriod(conversions, null, siteVisitors);
}

/** A goal's period from its counts and the site's visitors in the same period. */
export function goalPeriod(
	conversions: number,
	visitors: number | null,
	siteVisitors: number
): GoalPeriod {
	return {
		conversions,
		visitors,
		conversionRate: visitors === null ? null : rate(visitors, siteVisitors)
	};
}
