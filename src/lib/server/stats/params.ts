/**
 * Query-string parsing for the Stats API: site, date range, time zone, interval,
 * limit. Every refusal is a 400 naming the parameter and what was wrong with it.
 */
import {
	LIMITS,
	PATH_PATTERN,
	canonicalPath,
	cutEncoded,
	displayPath,
	sourceFilter
} from '../../records';
import { FILTER_KINDS, propFilterProblem, type Filter } from '../../stats/filters';
import { journeyFilter, type JourneyDirection } from '../../stats/journeys';
import { TRAIL_STEPS } from '../../classify/rules';
import { CouchstatsError, FieldError } from '../errors';
import { hasNoControl } from '../../text';
import { rangeZoneName, SITE_ID_PATTERN } from '../accounts/sites';
import { SITE_ID_HINT } from '../../site-patterns';
import type { DateRange, Interval } from '../../stats/periods';
import {
	COMPARISONS,
	defaultInterval,
	periods,
	previousRange,
	rangeBounds,
	type Comparison
} from '../../stats/periods';
import { addDays, daysBetween, isDate, localDate } from '../../stats/time-zone';
import {
	ALL_TIME_DAYS,
	CUSTOM_DAYS,
	PRESETS,
	RANGE_PARAMS,
	comparisonOf,
	isPreset,
	presetDates,
	type Preset
} from '../../stats/range';

/** Default number of rows per breakdown. */
export const DEFAULT_LIMIT = 10;

/** What a request's `limit` is when it gives none, and the most it may say. */
export interface LimitBounds {
	default: number;
	max: number;
}

/** Rows per breakdown of the Stats API: {@link DEFAULT_LIMIT} unless `limit` says otherwise. */
export const STATS_LIMIT: LimitBounds = { default: DEFAULT_LIMIT, max: 9999 };
/** Longest range, in days (ten years, read as month buckets): "all time" reaches as far. */
export const MAX_DAYS = ALL_TIME_DAYS;
/** The earliest date a read may reach (a local day in UTC+14 starts the day before). */
const FIRST_DATE = '0001-01-01';
/** Longest range per interval, so a time series stays a chart, not a data dump. */
const MAX_DAYS_FOR: Record<Interval, number> = { hour: 31, day: 732, month: MAX_DAYS };

/**
 * The parameters the reads take once: given twice, which one was meant is unknown (a
 * read would take the first). `step`, a path's pages in order, may repeat.
 */
const SINGLE_PARAMS = [
	'site',
	'share',
	'range',
	'from',
	'to',
	'tz',
	'interval',
	'compare',
	'limit',
	'offset',
	'search',
	'page',
	'source',
	'event',
	'prop',
	'journey',
	'direction',
	'cursor',
	'part',
	'after',
	'since',
	'public',
	'breakdown',
	'format'
] as const;

/**
 * Names a reader may take for filters that do not exist (breakdowns, not filters): a
 * request with one is refused rather than answered unfiltered as if filtered (an outside
 * review: `country=IN` answered the whole site's numbers).
 */
export const NOT_FILTERS = [
	'country',
	'device',
	'browser',
	'os',
	'screen',
	'referrer',
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'goal',
	'path',
	// No host filter (README "One site on several hosts": a site per host instead).
	'host',
	'hostname'
];

/** The parameters of every read of a range: who asks, the site, the days, rows per list. */
const RANGE_QUERY = ['site', 'share', ...RANGE_PARAMS, 'limit'] as const;
/** The parameters of a filter (`prop` goes with `event`). */
const FILTER_QUERY = [...FILTER_KINDS, 'prop'] as const;
/** The Stats API's paging of each breakdown's rows ({@link parseRowCut}). */
export const CUT_PARAMS = ['offset', 'search'] as const;
/** The Sessions API's parameters of a funnel step's sessions (funnels/choice.ts). */
export const FUNNEL_LIST_PARAMS = ['funnel', 'step', 'dropped'] as const;

/**
 * The query parameters each API takes (README), by API: a request naming any other is a
 * 400 ({@link parseSiteId}), so that a misspelt filter (`sorce=`, `Source=`) is not
 * answered with the whole site's numbers (an outside probe). The Journeys and Paths APIs
 * read the filters to refuse those they cannot take, the Funnels API to refuse them all
 * (`refuseFilters`), each with its own message.
 */
export const API_PARAMS = {
	stats: [...RANGE_QUERY, 'interval', 'compare', ...FILTER_QUERY, ...CUT_PARAMS],
	journeys: [...RANGE_QUERY, 'interval', 'direction', ...FILTER_QUERY],
	paths: [...RANGE_QUERY, 'interval', 'step', ...FILTER_QUERY],
	sessions: [...RANGE_QUERY, ...FILTER_QUERY, ...FUNNEL_LIST_PARAMS, 'cursor', 'format'],
	session: ['site', 'share', 'limit', 'after'],
	funnels: [
		...['site', 'share', ...RANGE_PARAMS, 'funnel', 'cursor', 'format'],
		...[...FILTER_QUERY, ...NOT_FILTERS]
	],
	// A share link is refused with its own message (handler.ts).
	records: ['site', 'share'],
	live: ['site', 'share', 'since', 'public']
} as const satisfies Record<string, readonly string[]>;

/** What an export (`/api/v1/stats/export`) takes besides the parameters of its API. */
export const EXPORT_PARAMS = ['breakdown', 'format'] as const;

/** An API of {@link API_PARAMS}. */
export type ApiName = keyof typeof API_PARAMS;

/**
 * The site id of a request. Every read parses it first, so it also refuses repeated
 * parameters ({@link refuseRepeated}) for all of them, and, given the parameters the
 * request's API takes, any other.
 * @param known The parameters the API takes ({@link API_PARAMS}); default any.
 * @throws {CouchstatsError} 400 when missing or malformed, when a parameter taken once
 *   is given more than once, or a parameter is not one of `known`.
 */
export function parseSiteId(params: URLSearchParams, known?: readonly string[]): string {
	refuseRepeated(params);
	if (known) refuseUnknown(params, known);
	const site = params.get('site');
	if (!site) throw new CouchstatsError(400, 'site is required, e.g. ?site=demo');
	if (!SITE_ID_PATTERN.test(site)) {
		throw new CouchstatsError(400, `site "${clip(site)}" is not a site id (${SITE_ID_HINT})`);
	}
	return site;
}

/**
 * Refuses a parameter the API does not take: a misspelt or unknown filter would
 * otherwise be answered unfiltered, as if filtered.
 * @throws {CouchstatsError} 400 naming the parameter, and for a breakdown's name
 *   ({@link NOT_FILTERS}) saying which filters there are.
 */
function refuseUnknown(params: URLSearchParams, known: readonly string[]): void {
	const unknown = [...params.keys()].find((name) => !known.includes(name));
	if (unknown === undefined) return;
	if (NOT_FILTERS.includes(unknown)) throw notAFilter(unknown);
	throw new CouchstatsError(
		400,
		`"${clip(unknown)}" is not a parameter of this API: it takes ${known.join(', ')}`
	);
}

/**
 * A page's own query as the API would read it (the dashboard, session list and funnel
 * pages): a range that is no preset, a preset with dates, or a range or filter parameter
 * given twice is said, not replaced (outside reviews: `range=bogus` showed 7 days,
 * `page=/a&page=/b` the first, without a word). Only those: a page's load re-runs when a
 * parameter it read changes, and the dashboard's live part must not for `journey` or
 * `step`.
 * @throws {CouchstatsError} 400 saying what was wrong.
 */
export function checkPageQuery(params: URLSearchParams): void {
	refuseRepeated(params, [...RANGE_PARAMS, ...FILTER_QUERY]);
	parsePreset(params);
}

/**
 * Refuses a parameter taken once that is given more than once: which of the values was
 * meant cannot be told, and reading one of them would answer a question not asked.
 * @throws {CouchstatsError} 400 naming the parameter.
 */
export function refuseRepeated(
	params: URLSearchParams,
	names: readonly string[] = SINGLE_PARAMS
): void {
	for (const name of names) {
		const count = params.getAll(name).length;
		if (count > 1) {
			throw new CouchstatsError(400, `${name} is given ${count} times; give it once`);
		}
	}
}

/**
 * The range preset a request names (`range=7d`), or null for none. The API and the pages
 * read it alike (an outside re-check: the pages took a preset with dates as the preset).
 * @throws {CouchstatsError} 400 for a name that is no preset, or a preset with dates.
 */
export function parsePreset(params: URLSearchParams): Preset | null {
	const preset = params.get('range');
	if (preset !== null && !isPreset(preset)) {
		throw new CouchstatsError(
			400,
			`range "${clip(preset)}" must be one of ${PRESETS.map((p) => p.id).join(', ')}`
		);
	}
	if (preset && preset !== 'custom' && (params.has('from') || params.has('to'))) {
		throw new CouchstatsError(
			400,
			`range=${preset} sets the dates itself; give from and to with range=custom or without range`
		);
	}
	return preset;
}

/**
 * Refuses an interval that would slice `range` into too many points.
 * @throws {CouchstatsError} 400 naming the interval's longest range.
 */
export function checkInterval(range: DateRange, interval: Interval): void {
	const days = daysBetween(range.from, range.to);
	if (days > MAX_DAYS_FOR[interval]) {
		throw new CouchstatsError(
			400,
			`interval ${interval} allows ranges of up to ${MAX_DAYS_FOR[interval]} days; the range from ${range.from} to ${range.to} is ${days} days`
		);
	}
}

/** The range and slicing of a request. */
export interface RangeParams {
	range: DateRange;
	/**
	 * The time-series step; undefined for `range=all` without `interval`: the default
	 * of the range as narrowed to the first record, known only once read.
	 */
	interval: Interval | undefined;
	limit: number;
	/** How the range is compared with its previous period (`previousRange`, periods.ts). */
	compare: Comparison;
	/** Present for `range=all`: start on the site's first record (see read-stats.ts). */
	fromFirstRecord?: true;
}

/**
 * How a request's range is compared with its previous period: `compare` when given,
 * otherwise as its preset or dates call for (`comparisonOf`, src/lib/stats/range.ts).
 * @throws {CouchstatsError} 400 for a `compare` that is none of {@link COMPARISONS}.
 */
function parseComparison(
	params: URLSearchParams,
	preset: Preset | null,
	from: string,
	to: string
): Comparison {
	const asked = params.get('compare');
	if (asked === null) return comparisonOf(preset ?? 'custom', from, to);
	if (!(COMPARISONS as readonly string[]).includes(asked)) {
		throw new CouchstatsError(
			400,
			`compare "${clip(asked)}" must be days (the same number of days just before), month (the same days of the month before) or year (the same dates a year earlier)`
		);
	}
	return asked as Comparison;
}

/**
 * The date range, time zone, interval and limit of a request. Defaults: the last 30
 * days up to today, in the site's time zone, by day. `range` names a preset
 * (src/lib/stats/range.ts) whose dates replace `from` and `to`.
 * @param siteTimeZone The site's time zone, the default for `tz`.
 * @param now Clock, for "today".
 * @param limits The bounds of `limit` ({@link parseLimit}); default {@link STATS_LIMIT}.
 * @throws {CouchstatsError} 400 naming the bad parameter.
 */
export function parseRangeParams(
	params: URLSearchParams,
	siteTimeZone: string,
	now: number,
	limits: LimitBounds = STATS_LIMIT
): RangeParams {
	const asked = params.get('tz');
	// The site's zone under another name or case (`tz=europe/berlin`, `tz=US/Pacific` on a
	// site in America/Los_Angeles) is read as the site's, by its name.
	const tz = asked ? rangeZoneName(asked, siteTimeZone) : siteTimeZone;
	if (tz === null) {
		throw new CouchstatsError(
			400,
			`tz "${clip(asked!)}" is not an IANA time zone like Europe/Paris`
		);
	}
	const preset = parsePreset(params);
	const named = preset && preset !== 'custom' ? preset : null;
	const dates = named ? presetDates(named, localDate(now, tz)) : null;
	const to = dates?.to ?? date(params, 'to', () => localDate(now, tz));
	const from = dates?.from ?? date(params, 'from', () => addDays(to, 1 - CUSTOM_DAYS));
	// About the pair of dates, named by `to`: the dashboard's range form marks both fields.
	if (from > to)
		throw new FieldError(400, `the range from ${from} to ${to} ends before it starts`, 'to');
	const days = daysBetween(from, to);
	if (days > MAX_DAYS) {
		throw new FieldError(
			400,
			`the range from ${from} to ${to} is ${days} days; the most is ${MAX_DAYS}`,
			'to'
		);
	}
	const range = { from, to, tz };
	const compare = parseComparison(params, preset, from, to);
	// The reads span the previous period and end where the day after `to` starts; in
	// UTC that must stay within the years 0000–9999 the view keys can name.
	const before = previousRange(range, compare);
	if (before.from < FIRST_DATE || !isDate(addDays(to, 1))) {
		const previous =
			compare === 'days'
				? `the ${days} day${days === 1 ? '' : 's'} before it`
				: `the period it is compared with (${before.from} to ${before.to})`;
		throw new CouchstatsError(
			400,
			`the range from ${from} to ${to} and ${previous} must lie between ${FIRST_DATE} and 9999-12-30`
		);
	}

	const intervalParam = params.get('interval');
	if (intervalParam && !['hour', 'day', 'month'].includes(intervalParam)) {
		throw new CouchstatsError(400, `interval "${clip(intervalParam)}" must be hour, day or month`);
	}
	const interval = (intervalParam as Interval | null) ?? defaultInterval(range);
	const fromFirstRecord = named === 'all';
	// `all` is checked once narrowed to the first record (read-stats.ts): a young site's
	// daily series of all time is short (an outside review got "the range from 2016-11-28…").
	if (!fromFirstRecord) checkInterval(range, interval);

	const limit = parseLimit(params, limits);

	// Quarter-hour check of every period boundary and of the previous period's start (the
	// previous period is read as one sum, so its start and end are all its reads need):
	// only local mean times of the distant past fail it.
	try {
		periods(range, interval);
		rangeBounds(before);
	} catch (e) {
		if (e instanceof RangeError) {
			throw new CouchstatsError(
				400,
				`${e.message}; stats are kept by UTC quarter hour, so such dates cannot be read in this time zone`
			);
		}
		throw e;
	}
	if (!fromFirstRecord) return { range, interval, limit, compare };
	return {
		range,
		interval: intervalParam ? interval : undefined,
		limit,
		compare,
		fromFirstRecord
	};
}

/**
 * The `limit` of a request: `bounds.default` when it is absent or empty, else a whole
 * number from 1 to `bounds.max`.
 * @throws {CouchstatsError} 400 stating that range.
 */
export function parseLimit(params: URLSearchParams, bounds: LimitBounds): number {
	const text = params.get('limit');
	if (!text) return bounds.default;
	const limit = Number(text);
	if (!/^\d+$/.test(text) || limit < 1 || limit > bounds.max) {
		throw new CouchstatsError(
			400,
			`limit "${clip(text)}" must be a whole number from 1 to ${bounds.max}`
		);
	}
	return limit;
}

/** The most rows `offset` may skip, and the longest `search`. */
export const CUT_MAX = { offset: 10_000_000, search: 200 } as const;

/**
 * The Stats API's page of each breakdown's rows besides `limit`: `offset`, the matching
 * rows skipped first (default 0), and `search`, text a row's value must hold in any case
 * (default none; empty is none). Its answer's `totalRows` says how many rows match.
 * @throws {CouchstatsError} 400 for an `offset` that is no whole number from 0 to
 *   {@link CUT_MAX}, or a `search` longer than its most or holding a control character.
 */
export function parseRowCut(params: URLSearchParams): { offset: number; search: string | null } {
	const text = params.get('offset');
	const offset = text ? Number(text) : 0;
	if (text && (!/^\d+$/.test(text) || offset > CUT_MAX.offset)) {
		throw new CouchstatsError(
			400,
			`offset "${clip(text)}" must be a whole number from 0 to ${CUT_MAX.offset}`
		);
	}
	const search = params.get('search') || null;
	if (search !== null && search.length > CUT_MAX.search) {
		throw new CouchstatsError(
			400,
			`search is ${search.length} characters; the most is ${CUT_MAX.search}`
		);
	}
	if (search !== null && !hasNoControl(search)) {
		throw new CouchstatsError(400, 'search must not hold control characters');
	}
	return { offset, search };
}

/** The longest value of each filter: a path, a host name, an event name. */
const FILTER_MAX: Record<Filter['kind'], number> = {
	page: LIMITS.path,
	source: 253,
	event: LIMITS.eventName
};

/** The refusal of a name that is no filter ({@link NOT_FILTERS}). */
function notAFilter(name: string): CouchstatsError {
	return new CouchstatsError(
		400,
		`${name} is not a filter: numbers are filtered by page, source or event (with prop), one at a time`
	);
}

/**
 * The filter of a request (`page=/pricing`, `source=news.ycombinator.com` or
 * `source=(direct)`, `event=signup`, `event=signup&prop=plan=pro`), or null when there is
 * none.
 * @throws {CouchstatsError} 400 when several are given, or a name that is no filter
 *   (`country=`, see NOT_FILTERS), or one is empty, too long,
 *   has control characters, or is a page that does not start with `/`; when `prop` is
 *   given without `event`, is not `key=value`, or names a prop no filter can take
 *   ({@link propFilterProblem}).
 */
export function parseFilter(params: URLSearchParams): Filter | null {
	const unknown = NOT_FILTERS.find((name) => params.has(name));
	if (unknown) throw notAFilter(unknown);
	const given = FILTER_KINDS.filter((kind) => params.has(kind));
	if (given.length > 1) {
		throw new CouchstatsError(
			400,
			`only one filter at a time: the request has ${given.join(' and ')}`
		);
	}
	const kind = given[0];
	const prop = params.get('prop');
	if (prop !== null && kind !== 'event') {
		throw new CouchstatsError(
			400,
			'prop=key=value goes with event=: it keeps the events of that name with that prop value'
		);
	}
	if (!kind) return null;
	const raw = params.get(kind)!;
	// As the tracker records it: `/café` is `/caf%C3%A9`, cut between characters at the
	// path's limit (an outside re-check: a long real path was refused, though recorded
	// cut), `www.Example.com/` is `example.com`.
	const value =
		kind === 'page'
			? cutEncoded(canonicalPath(raw), LIMITS.path)
			: kind === 'source'
				? sourceFilter(raw)
				: raw;
	if (!value || !hasNoControl(value)) {
		throw new CouchstatsError(400, `${kind} must be a non-empty value without control characters`);
	}
	if (value.length > FILTER_MAX[kind]) {
		throw new CouchstatsError(400, `${kind} is longer than ${FILTER_MAX[kind]} characters`);
	}
	// Records hold no query or fragment: such a page matched nothing and read as zeros (an
	// outside review), where goals and funnel steps refuse it. The page is told as it reads
	// (an outside test: `価格` was told as `%E4%BE%A1%E6%A0%BC`), and decoded before it is
	// clipped, so that no escape is cut.
	if (kind === 'page' && !PATH_PATTERN.test(value)) {
		const shown = clip(displayPath(value));
		throw new CouchstatsError(
			400,
			value.startsWith('/')
				? `page "${shown}" must be a path without ? or # (a hash route is #/…): records keep no query string`
				: `page "${shown}" must be a path starting with /`
		);
	}
	return prop === null ? { kind, value } : { kind, value, prop: parseProp(value, prop) };
}

/**
 * The `prop=key=value` of an event filter: the key up to the first `=`, the value after.
 * @throws {CouchstatsError} 400 as {@link parseFilter} says.
 */
function parseProp(name: string, prop: string): NonNullable<Filter['prop']> {
	const eq = prop.indexOf('=');
	if (eq < 1 || !hasNoControl(prop)) {
		throw new CouchstatsError(
			400,
			`prop "${clip(prop)}" must be key=value without control characters, e.g. prop=plan=pro`
		);
	}
	const key = prop.slice(0, eq);
	const value = prop.slice(eq + 1);
	if (key.length > LIMITS.propKey || value.length > LIMITS.propValue) {
		throw new CouchstatsError(
			400,
			`prop's name is at most ${LIMITS.propKey} characters and its value at most ${LIMITS.propValue}`
		);
	}
	const problem = propFilterProblem(name, key);
	if (problem) throw new CouchstatsError(400, problem);
	return { key, value };
}

/**
 * The page journeys are read about (`page=/pricing` for the Journeys API, `journey=` on
 * the dashboard), checked as the page filter is, or null for the range's busiest page.
 * @throws {CouchstatsError} 400 as {@link parseFilter} for a page, and for a pattern:
 *   journeys are about one page, and a pattern's journeys would read as none.
 */
export function parseJourneyPage(params: URLSearchParams, name = 'page'): string | null {
	const page = params.get(name);
	if (page === null) return null;
	if (page.includes('*')) {
		throw new CouchstatsError(
			400,
			`${name} takes one path, not a pattern with *: journeys are about one page`
		);
	}
	return parsePath(page, name);
}

/**
 * A page named by a parameter other than the page filter (`journey=`, a `step=`), checked
 * and written as the page filter's is.
 * @param name The parameter, as its refusals name it (`journey`, `step 2`).
 * @throws {CouchstatsError} 400 as {@link parseFilter} for a page, naming `name`.
 */
function parsePath(page: string, name: string): string {
	try {
		return parseFilter(new URLSearchParams({ page }))!.value;
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		throw new CouchstatsError(400, e.message.replace(/^page/, name));
	}
}

/**
 * Whether a Stats API or export request compares its breakdown rows with the previous
 * period (`compare=` given; read-stats.ts `compareBreakdowns`): an integration that does
 * not ask keeps the answer, and the reads, it had.
 */
export function comparesRows(params: URLSearchParams): boolean {
	return params.has('compare');
}

/**
 * Which side of the page the Journeys API answers: `direction=next` (the pages after it)
 * or `direction=previous` (the pages before it); null for both.
 * @throws {CouchstatsError} 400 for any other value.
 */
export function parseDirection(params: URLSearchParams): JourneyDirection | null {
	const direction = params.get('direction');
	if (direction === null) return null;
	if (direction !== 'next' && direction !== 'previous') {
		throw new CouchstatsError(
			400,
			`direction "${clip(direction)}" must be next (the pages after page=) or previous (the pages before it)`
		);
	}
	return direction;
}

/**
 * The path from entry the Paths API and the dashboard's paths panel are about: each
 * `step=` a page in order, checked as the page filter is; none for the entry pages.
 * @throws {CouchstatsError} 400 for a step that is no path, or more steps than have
 *   pages counted after them (`TRAIL_STEPS` − 1, src/lib/classify/rules.ts).
 */
export function parsePathSteps(params: URLSearchParams): string[] {
	const steps = params.getAll('step');
	if (steps.length >= TRAIL_STEPS) {
		throw new CouchstatsError(
			400,
			`step is given ${steps.length} times; paths are counted up to ${TRAIL_STEPS} pages from entry, so at most ${TRAIL_STEPS - 1} steps have pages after them`
		);
	}
	return steps.map((step, i) => parsePath(step, `step ${i + 1}`));
}

/**
 * The filter journeys and paths are read under: `source=` only (see `journeyFilter` in
 * src/lib/stats/journeys.ts).
 * @param kinds The filter parameters this API reads (the Journeys API's `page=` is its page).
 * @throws {CouchstatsError} 400 as {@link parseFilter}, and for a filter journeys cannot take.
 */
export function parseJourneyFilter(
	params: URLSearchParams,
	kinds: readonly Filter['kind'][]
): Filter | null {
	// `prop` is read too, so that one without `event` is refused here as everywhere.
	const given = new URLSearchParams(
		[...params].filter(([name]) => name === 'prop' || kinds.includes(name as never))
	);
	const filter = parseFilter(given);
	if (filter && !journeyFilter(filter)) {
		throw new CouchstatsError(
			400,
			`journeys and paths can be filtered by source only, not by ${filter.kind}: that filter keeps only part of a session's pageviews`
		);
	}
	return filter;
}

function date(params: URLSearchParams, name: string, fallback: () => string): string {
	const value = params.get(name);
	if (!value) return fallback();
	if (!isDate(value)) {
		throw new FieldError(400, `${name} "${clip(value)}" is not a date written YYYY-MM-DD`, name);
	}
	return value;
}

function clip(value: string): string {
	return value.length > 40 ? value.slice(0, 40) + '…' : value;
}
