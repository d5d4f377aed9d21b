/**
 * Dashboard and Stats API filters: one at a time, by page, source or event. The views
 * emit a record's rows a second time under each filter that keeps it (key
 * `[[site, filterKey], …]` instead of `[site, …]`), so a filtered number is the same `_sum` over a key range as
 * an unfiltered one. What each filter keeps:
 *
 * - `page` (a path): records on that page — its pageviews, its visitors (first view of
 *   the page that day), engaged time on it, events fired on it — and the sessions that
 *   landed on it (sessions, bounce and engagement are those of its entry sessions).
 * - `source` (a referrer host such as `news.ycombinator.com`, or `(direct)`): every
 *   record of the sessions that came from it.
 * - `event` (an event name): the event's records — total events, the sessions and
 *   visitors that fired it (its first time in the session, and in the visitor's day).
 */

/** The kinds of filter, also their query-string parameter names. */
export const FILTER_KINDS = ['page', 'source', 'event'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

/** A filter: its kind and the value it keeps. */
export interface Filter {
	kind: FilterKind;
	value: string;
}

/** A filter's key in the views: the second element of their `[site, filterKey]` key scope. */
export function filterKey(filter: Filter): string {
	return `${filter.kind}:${filter.value}`;
}
