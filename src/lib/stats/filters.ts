/**
 * Dashboard and Stats API filters: one at a time, by page, source or event. The views
 * emit a record's rows a second time under each filter that keeps it (key
 * `[[site, filterKey], …]` instead of `[site, …]`), so a filtered number is the same `_sum` over a key range as
 * an unfiltered one. What each filter keeps:
 *
 * - `page` (a path): records on that page — its pageviews, its visitors (first view of
 *   the page that day), engaged time on it, events fired on it — and the sessions that
 *   landed on it (sessions, bounce and engagement are those of its entry sessions).
 *   A path with `*` (any characters, as in goals) is a pattern: the union of the page
 *   filters of the site's paths it matches (at most {@link MAX_PATTERN_PATHS}), so a
 *   wildcard page goal is a filter too. Each record is on one page and each session
 *   lands on one, so every number adds up across the paths but visitors: one visitor may
 *   view two matching paths on the same day, so they are known only when one path matches.
 * - `source` (a session's source, records.ts `sourceOf`: its landing page's
 *   `utm_source`, else its referrer's host such as `news.ycombinator.com`, or
 *   `(direct)`): every record of the sessions that came from it.
 * - `event` (an event name): the event's records — total events, the sessions and
 *   visitors that fired it (its first time in the session, and in the visitor's day).
 *   With a `prop` (`event=signup&prop=plan=pro`, a prop goal's filter) it keeps the
 *   event's records with that prop value, and the sessions and visitors that fired it
 *   with that value (scope `prop:<name>|<key>=<value>`). Events recorded before the
 *   tracker flagged prop values (`propFirstOfSession`, `propFirstOfDay`) count as events
 *   under it, never as converting sessions or visitors.
 */
import { displayPath } from '../records';
import { wildcardMatcher } from './goals';
import type { SumsScope } from './metrics';

/** The kinds of filter, also their query-string parameter names. */
export const FILTER_KINDS = ['page', 'source', 'event'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

/** A filter: its kind and the value it keeps. */
export interface Filter {
	kind: FilterKind;
	value: string;
	/** With `event` only: the one prop value the event must carry (the prop filter). */
	prop?: { key: string; value: string };
}

/** A filter's key in the views: the second element of their `[site, filterKey]` key scope. */
export function filterKey(filter: Filter): string {
	if (filter.prop) return `prop:${filter.value}|${filter.prop.key}=${filter.prop.value}`;
	return `${filter.kind}:${filter.value}`;
}

/**
 * Why an event name and prop key can have no prop filter, or undefined when they can.
 * The views emit `prop:<name>|<key>=<value>` only for names without `|` and keys without
 * `|` or `=`, so that no two props share a scope.
 */
export function propFilterProblem(name: string, key: string): string | undefined {
	if (name.includes('|')) return `the event name ${name} holds |, so it has no prop filter`;
	if (/[|=]/.test(key)) return `the prop name ${key} holds | or =, so it has no prop filter`;
	return undefined;
}

/** Whether two filters (or none) are the same. */
export function sameFilter(a: Filter | null | undefined, b: Filter | null | undefined): boolean {
	return (a ? filterKey(a) : '') === (b ? filterKey(b) : '');
}

/**
 * A filter's query-string parameters: `[kind, value]`, and `['prop', 'key=value']` for a
 * prop filter (`event=signup&prop=plan=pro`).
 */
export function filterParams(filter: Filter): [string, string][] {
	const params: [string, string][] = [[filter.kind, filter.value]];
	if (filter.prop) params.push(['prop', `${filter.prop.key}=${filter.prop.value}`]);
	return params;
}

/**
 * How a filter reads in a sentence: `event signup with plan = pro`, `page /docs`, a page
 * as it reads (`page /café` for `/caf%C3%A9`, {@link displayPath}), as its rows show it:
 * an outside test read link titles and captions naming `/%E4%BE%A1%E6%A0%BC%E8%A1%A8`
 * beside rows reading `/価格表`.
 */
export function filterLabel(filter: Filter): string {
	const prop = filter.prop ? ` with ${filter.prop.key} = ${filter.prop.value}` : '';
	const value = filter.kind === 'page' ? displayPath(filter.value) : filter.value;
	return `${filter.kind} ${value}${prop}`;
}

/**
 * Most paths a page pattern may match: each is a scope every filtered view is read in,
 * so a pattern's dashboard costs up to this many times a page filter's (docs/DESIGN.md,
 * "Goals").
 */
export const MAX_PATTERN_PATHS = 20;

/** Whether `filter` is a page pattern (a path with `*`), read over the paths it matches. */
export function isPattern(filter: Filter | null | undefined): boolean {
	return filter?.kind === 'page' && filter.value.includes('*');
}

/** How a filter is read: the filter keys whose rows add up to its numbers. */
export interface FilterScopes extends SumsScope {
	/** The filter keys (`page:/docs/a`, …) whose rows are summed; none when nothing matches. */
	keys: string[];
}

/** Thrown when a page pattern matches more than {@link MAX_PATTERN_PATHS} paths. */
export class TooManyPathsError extends RangeError {
	constructor(
		readonly pattern: string,
		readonly matched: number
	) {
		super(
			`page ${displayPath(pattern)} matches ${matched} paths, more than ${MAX_PATTERN_PATHS}: narrow the pattern`
		);
		this.name = 'TooManyPathsError';
	}
}

/**
 * The scopes of a filter: its own key, or for a page pattern the page keys of the
 * `paths` it matches (the site's paths listed under the pattern's prefix).
 * @throws {TooManyPathsError} when a pattern matches more than {@link MAX_PATTERN_PATHS}.
 */
export function filterScopes(filter: Filter, paths: readonly string[] = []): FilterScopes {
	const firingsOnly = filter.kind === 'event';
	if (!isPattern(filter)) return { keys: [filterKey(filter)], visitorsExact: true, firingsOnly };
	const match = wildcardMatcher(filter.value);
	const matched = [...new Set(paths.filter(match))].sort();
	if (matched.length > MAX_PATTERN_PATHS) throw new TooManyPathsError(filter.value, matched.length);
	return {
		keys: matched.map((path) => filterKey({ kind: 'page', value: path })),
		visitorsExact: matched.length <= 1,
		firingsOnly
	};
}

/** The literal start of a page pattern: every path it matches begins with it. */
export function patternPrefix(pattern: string): string {
	const star = pattern.indexOf('*');
	return star < 0 ? pattern : pattern.slice(0, star);
}
