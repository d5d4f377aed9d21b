/**
 * The links that put a dashboard under a filter (`?page=/pricing`, `?source=news.ycombinator.com`,
 * `?event=signup`, `?event=signup&prop=plan=pro`) or take it off. A link keeps the page's range parameters
 * (`RANGE_PARAMS`, src/lib/stats/range.ts) and nothing else, so choosing a row replaces any filter already
 * on: one filter at a time (src/lib/stats/filters.ts). Plain `href`s, so they work without
 * JavaScript, open in a new tab, and share like any other dashboard address.
 */
import { displayPath, recordedAs } from '../../records';
import { shownText } from '../../text';
import { isOtherRow } from '../../stats/breakdowns';
import { RANGE_PARAMS } from '../../stats/range';
import {
	filterLabel,
	filterParams,
	sameFilter,
	type Filter,
	type FilterKind
} from '../../stats/filters';

/**
 * The address of the page at `url` under `filter` (or none), with the same range.
 * Slashes stay readable (`?page=/blog/hello`); everything else is percent-encoded.
 */
export function filterHref(url: URL, filter: Filter | null): string {
	const params: [string, string][] = [];
	for (const name of RANGE_PARAMS) {
		const value = url.searchParams.get(name);
		if (value !== null) params.push([name, value]);
	}
	if (filter) params.push(...filterParams(filter));
	const query = params.map(([name, value]) => `${name}=${encode(value)}`).join('&');
	return query ? `${url.pathname}?${query}` : url.pathname;
}

/** A row's link: where it goes and what it does (the link's title). */
export interface RowLink {
	href: string;
	title: string;
	/**
	 * The path it is about as recorded, in words (records.ts `recordedAs`), when it reads
	 * otherwise, else ''. The title says it too, but a title is read on hover only: the
	 * table gives this to screen readers as the link's description.
	 */
	recorded: string;
}

/**
 * The link of a breakdown row whose field `to.key` is a `to.kind` value, or null for rows
 * that are no such value (the "(other)" row, told by its mark, not its label: a visitor's
 * own value may read "(other)"; an empty value) and for the filter already on.
 */
export function rowLink(
	url: URL,
	active: Filter | null,
	to: { kind: FilterKind; key: string },
	row: object
): RowLink | null {
	const value = String((row as Record<string, unknown>)[to.key] ?? '');
	if (value === '' || isOtherRow(row)) return null;
	return filterLink(url, active, { kind: to.kind, value });
}

/**
 * The link that puts the page at `url` under `filter` (a goal's), or null when it is on
 * already. Its title says when it replaces the filter on (an outside review: clicking a
 * page under a source filter silently dropped the source).
 */
export function filterLink(url: URL, active: Filter | null, filter: Filter): RowLink | null {
	if (sameFilter(active, filter)) return null;
	const recorded = filter.kind === 'page' ? recordedAs(filter.value) : '';
	return {
		href: filterHref(url, filter),
		title: shownText(`Filter by ${filterLabel(filter)}${aside(recorded)}${replacing(active)}`),
		recorded
	};
}

/** `text` in brackets after a space, or nothing for no text. */
function aside(text: string): string {
	return text ? ` (${text})` : '';
}

/**
 * What a link to another filter says of the filter `active` (none: nothing): it goes
 * instead, one filter at a time. In a link's title and in the tables' hint for screen
 * readers (an outside re-check: the title alone said it, on hover).
 */
export function replacing(active: Filter | null): string {
	return active ? ` (instead of ${filterLabel(active)}: one filter at a time)` : '';
}

function encode(value: string): string {
	return encodeURIComponent(value).replace(/%2F/g, '/');
}

/**
 * The address of the page at `url` with its range and filter, and the journeys panel
 * about `page` (`journey=`, read by src/lib/server/stats/dashboard.ts), scrolled to the panel.
 */
export function journeyHref(url: URL, filter: Filter | null, page: string): string {
	const base = filterHref(url, filter);
	return `${base}${base.includes('?') ? '&' : '?'}journey=${encode(page)}#journeys`;
}

/** A journeys row's link: the journeys panel about its page, `page` (see {@link journeyHref}). */
export function journeyLink(url: URL, filter: Filter | null, page: string): RowLink {
	const recorded = recordedAs(page);
	return {
		href: journeyHref(url, filter, page),
		title: `Journeys through ${displayPath(page)}${aside(recorded)}`,
		recorded
	};
}

/**
 * The address of the page at `url` with its range and filter, and the paths panel about
 * the path from entry `steps` (`step=` each, read by src/lib/server/stats/dashboard.ts;
 * none for the entry pages), scrolled to the panel.
 */
export function pathHref(url: URL, filter: Filter | null, steps: readonly string[]): string {
	const base = filterHref(url, filter);
	const query = steps.map((step) => `step=${encode(step)}`).join('&');
	return `${query ? `${base}${base.includes('?') ? '&' : '?'}${query}` : base}#paths`;
}

/** A paths row's link: the paths panel about `steps`, the row's page last (see {@link pathHref}). */
export function pathLink(url: URL, filter: Filter | null, steps: readonly string[]): RowLink {
	const recorded = recordedAs(steps.at(-1) ?? '');
	return {
		href: pathHref(url, filter, steps),
		title: `Paths from ${steps.map(displayPath).join(' → ')}${aside(recorded)}`,
		recorded
	};
}
