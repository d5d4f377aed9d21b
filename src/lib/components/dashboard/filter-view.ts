/**
 * What a dashboard shows under a filter (src/lib/stats/filters.ts): which headline
 * numbers, under which honest names, and what the filter means in one sentence (which
 * breakdowns have nothing to say under it is in src/lib/stats/catalogue.ts). Pure, so
 * the pages and tests agree on the words.
 */
import { displayPath, PROP_FLAGS_SINCE } from '../../records';
import { shownText, type Phrase } from '../../text';
import { filterLabel, isPattern, type Filter, type FilterKind } from '../../stats/filters';
import { PRESETS, type Preset } from '../../stats/range';
import { choiceTitle, type FunnelChoice } from '../../stats/funnels';
import { DIVISORS, type Totals } from '../../stats/metrics';
import { PAGEVIEW_RULE, VISITORS_RULE } from '../../stats/catalogue';
import { rangeBounds, type DateRange } from '../../stats/periods';
import type { DashboardData, TimeseriesPoint } from '../../stats/response';
import { formatChange, type Change } from './format';

/** A headline number: a field of the totals, or the conversion rate of an event filter. */
export type HeadlineKey = keyof Totals | 'conversionRate';

/** One headline tile. */
export interface HeadlineMetric {
	key: HeadlineKey;
	label: string;
	/**
	 * A few words under the label that say whose number it is, e.g. "sessions that landed
	 * here", or what a rate divides, from the totals ({@link hintOf}).
	 */
	hint?: string | ((totals: Totals) => string);
	kind: 'count' | 'rate' | 'duration';
	/** A fall is the good direction (bounce rate). */
	lowerIsBetter?: boolean;
	/** Decimals of a rate; default 0. */
	digits?: 0 | 1;
}

/** What the engagement rate divides: engaged sessions by actual sessions (over 10 s), not all sessions. */
export const ENGAGED_OF_ACTUAL = (t: Pick<Totals, 'engagedSessions' | 'actualSessions'>) =>
	`${t.engagedSessions} engaged of ${t.actualSessions} actual session${t.actualSessions === 1 ? '' : 's'} (10 s+)`;

const UNFILTERED: HeadlineMetric[] = [
	{ key: 'visitors', label: 'Unique visitors', hint: VISITORS_RULE, kind: 'count' },
	{ key: 'newVisitors', label: 'New visitors', hint: 'on their first day ever', kind: 'count' },
	{ key: 'pageviews', label: 'Pageviews', hint: PAGEVIEW_RULE, kind: 'count' },
	{ key: 'sessions', label: 'Sessions', kind: 'count' },
	{
		key: 'actualSessions',
		label: 'Actual sessions',
		hint: 'over 10 s engaged (page seen and focused)',
		kind: 'count'
	},
	{
		key: 'engagedSessions',
		label: 'Engaged sessions',
		hint: 'actual, with another page or an action',
		kind: 'count'
	},
	{ key: 'engagementRate', label: 'Engagement rate', hint: ENGAGED_OF_ACTUAL, kind: 'rate' },
	{
		key: 'bounceRate',
		label: 'Bounce rate',
		hint: 'one page, no action, under 10 s engaged',
		kind: 'rate',
		lowerIsBetter: true
	},
	{ key: 'engagedTimeMs', label: 'Total engaged time', kind: 'duration' },
	{ key: 'avgEngagedTimeMs', label: 'Avg. engaged time', kind: 'duration' },
	{ key: 'events', label: 'Events', kind: 'count' }
];

/**
 * The headline tiles under each filter. A page's own numbers (views, visitors, time,
 * events) sit beside those of the sessions that landed on it, named as such; an event
 * has no pageviews or time, only conversions. A source keeps every number's meaning.
 */
const HEADLINES: Record<FilterKind | 'none', HeadlineMetric[]> = {
	none: UNFILTERED,
	source: UNFILTERED,
	page: [
		{ key: 'visitors', label: 'Visitors', hint: 'of this page', kind: 'count' },
		{ key: 'pageviews', label: 'Pageviews', kind: 'count' },
		{ key: 'sessions', label: 'Entries', hint: 'sessions that landed here', kind: 'count' },
		{
			key: 'bounceRate',
			label: 'Bounce rate',
			hint: 'of sessions landing here',
			kind: 'rate',
			lowerIsBetter: true
		},
		{
			key: 'engagementRate',
			label: 'Engagement rate',
			hint: 'of sessions landing here',
			kind: 'rate'
		},
		{ key: 'engagedTimeMs', label: 'Engaged time', hint: 'on this page', kind: 'duration' },
		{ key: 'events', label: 'Events', hint: 'on this page', kind: 'count' }
	],
	event: [
		{ key: 'visitors', label: 'Unique conversions', hint: 'visitors who fired it', kind: 'count' },
		{ key: 'sessions', label: 'Converting sessions', kind: 'count' },
		{ key: 'events', label: 'Total conversions', hint: 'times it fired', kind: 'count' },
		{
			key: 'conversionRate',
			label: 'Conversion rate',
			hint: 'of all visitors',
			kind: 'rate',
			digits: 1
		}
	]
};

/** Under a page pattern the page's tiles speak of the pages it matches. */
const PATTERN_HINTS: Partial<Record<HeadlineKey, string>> = {
	visitors: 'of these pages',
	sessions: 'sessions that landed on one',
	bounceRate: 'of sessions landing on one',
	engagementRate: 'of sessions landing on one',
	engagedTimeMs: 'on these pages',
	events: 'on these pages'
};

/** The headline tiles of a dashboard under `filter` (or none). */
export function headlineMetrics(filter: Filter | null): HeadlineMetric[] {
	const metrics = HEADLINES[filter?.kind ?? 'none'];
	if (!isPattern(filter)) return metrics;
	return metrics.map((m) => ({ ...m, hint: PATTERN_HINTS[m.key] ?? m.hint }));
}

/** The hint under a tile's label for `totals`, if it has one. */
export function hintOf(metric: HeadlineMetric, totals: Totals): string | undefined {
	return typeof metric.hint === 'function' ? metric.hint(totals) : metric.hint;
}

/**
 * The number of a headline tile. The conversion rate is the converting visitors' share
 * of all visitors in the range (`unfiltered`); undefined when that is not known or 0, as
 * is a rate or average of none (a bounce rate of no sessions is not 0 %), and any number
 * the totals hold as null (visitors under a page pattern matching several paths).
 */
export function headlineValue(
	key: HeadlineKey,
	totals: Totals,
	unfiltered: Totals | undefined
): number | undefined {
	const divisor = DIVISORS[key as keyof typeof DIVISORS];
	if (divisor && !totals[divisor]) return undefined;
	if (key !== 'conversionRate') return totals[key] ?? undefined;
	if (!unfiltered?.visitors || totals.visitors === null) return undefined;
	return totals.visitors / unfiltered.visitors;
}

/**
 * A headline tile's change against the previous period's `previous` totals, or undefined
 * when there is nothing to compare: no previous totals, a number not known, the
 * conversion rate (no previous whole-site total), or a rate or average of none (a
 * bounce rate of no sessions is not 0 %).
 */
export function headlineChange(
	metric: HeadlineMetric,
	now: number | undefined,
	previous: Totals | undefined
): Change | undefined {
	if (!previous || now === undefined || metric.key === 'conversionRate') return undefined;
	const divisor = DIVISORS[metric.key as keyof typeof DIVISORS];
	const before = previous[metric.key];
	if ((divisor && !previous[divisor]) || before === null) return undefined;
	return formatChange(now, before, metric.kind);
}

const ACTIVE_NOW = '“Active now” still shows all traffic.';

/**
 * What a prop filter cannot know of events recorded before the tracker flagged prop
 * values (docs/DESIGN.md, "Goals"): they count as events, not as sessions or visitors.
 */
export const OLD_PROP_RECORDS =
	'events recorded before couchstats flagged prop values count as conversions only, never as converting sessions or visitors';

/**
 * Whether the range may hold events recorded before prop values were flagged
 * ({@link OLD_PROP_RECORDS}), so that the Goals table's note on them says something: not
 * when it starts after `PROP_FLAGS_SINCE` (src/lib/records.ts), nor when the site's
 * unfiltered time series of it, already read, has no events in a period that began
 * before (a site whose records all came after: an outside test read the note there as
 * noise). Without that series (under a filter it counts only the filter's events) the
 * range's start decides alone.
 */
export function mayHoldOldPropRecords(
	range: DateRange,
	series?: readonly Pick<TimeseriesPoint, 'start' | 'events'>[]
): boolean {
	if (rangeBounds(range).start >= PROP_FLAGS_SINCE) return false;
	return !series || series.some((p) => p.events > 0 && Date.parse(p.start) < PROP_FLAGS_SINCE);
}

/** One sentence on what the numbers mean under `filter`, the filter's text quoted. */
export function filterMeaning(filter: Filter): Phrase {
	switch (filter.kind) {
		case 'page':
			return isPattern(filter)
				? [
						`Numbers count the views, engaged time and events of the pages matching `,
						{ quoted: displayPath(filter.value) },
						` (* stands for any characters), and the sessions that landed on one of them (entries, bounce and engagement rate); visitors show only when one page matches, as one visitor may view two of them the same day (“—”); ${ACTIVE_NOW}`
					]
				: [
						`Numbers count this page’s views, visitors, engaged time and events, and the sessions that landed on it (entries, bounce and engagement rate); ${ACTIVE_NOW}`
					];
		case 'source':
			return filter.value === '(direct)'
				? [
						`Numbers count only sessions that arrived without a referrer or a utm_source, with everything they did; ${ACTIVE_NOW}`
					]
				: [
						`Numbers count only sessions that came from `,
						{ quoted: filter.value },
						`, with everything they did; ${ACTIVE_NOW}`
					];
		case 'event':
			return filter.prop
				? [
						`Numbers count only this event with `,
						{ quoted: filter.prop.key },
						` = `,
						{ quoted: filter.prop.value },
						`: how often it fired with it, the sessions and visitors that fired it with it, and their share of all visitors (${OLD_PROP_RECORDS}); ${ACTIVE_NOW}`
					]
				: [
						`Numbers count only this event: how often it fired, the sessions and visitors that fired it, and their share of all visitors; ${ACTIVE_NOW}`
					];
	}
}

/**
 * One sentence on which sessions the session list shows under `filter`: those the
 * dashboard counts as its sessions under it (couchdb/events/views/session-starts.js).
 */
export function sessionFilterMeaning(filter: Filter): Phrase {
	switch (filter.kind) {
		case 'page':
			return isPattern(filter)
				? [
						`Sessions that landed on a page matching `,
						{ quoted: displayPath(filter.value) },
						`, newest first.`
					]
				: ['Sessions that landed on this page, newest first.'];
		case 'source':
			return filter.value === '(direct)'
				? ['Sessions that arrived without a referrer or a utm_source, newest first.']
				: [`Sessions that came from `, { quoted: filter.value }, `, newest first.`];
		case 'event':
			return filter.prop
				? [
						`Sessions that fired this event with `,
						{ quoted: filter.prop.key },
						` = `,
						{ quoted: filter.prop.value },
						`, by when they first did (a session may have started before the range; ${OLD_PROP_RECORDS}).`
					]
				: [
						'Sessions that fired this event, by when they first fired it (a session may have started before the range).'
					];
	}
}

/** Which breakdowns have nothing to say under a filter is the catalogue's to say. */
export { unavailableUnder } from '../../stats/catalogue';

/** The walk a view shows: the page the journeys go through, the path from entry so far. */
export interface Walk {
	/** The journeys' page, when the address chose it (`journey=`). */
	journey?: string | null;
	/** The path from entry, page by page (`step=`). */
	steps?: readonly string[];
	/** The funnel step whose sessions a session list shows (`funnel=&step=&dropped=`). */
	funnel?: Pick<FunnelChoice, 'name' | 'step' | 'dropped'> | null;
}

/**
 * The walk a dashboard's address chose (`journey=`, `step=`), as its journeys and paths read
 * it (`walks`); none where the address chose none (the journeys' page then is the busiest).
 */
export function walkOf(walks: Pick<DashboardData, 'journeys' | 'paths'>, url: URL): Walk {
	return {
		journey:
			url.searchParams.has('journey') && walks.journeys?.ok ? walks.journeys.value.page : null,
		steps: walks.paths?.ok ? walks.paths.value.steps : []
	};
}

/** A range's dates as the dashboard shows them: `2026-03-01 to 2026-03-31`, or one day's. */
export function rangeDates(range: { from: string; to: string }): string {
	return range.from === range.to ? range.from : `${range.from} to ${range.to}`;
}

/** What a table covers, for its caption: the range's dates and the filter. */
export function rangeScope(range: { from: string; to: string }, filter: Filter | null): string {
	return rangeDates(range) + (filter ? `, ${filterLabel(filter)}` : '');
}

/**
 * What a view of the site shows, for its page title: `Blog · Last 7 days · page /docs`,
 * then the walk it shows: `· journeys through /pricing`, `· path / → /pricing`, or the
 * funnel step a session list shows: `· funnel “Signup” step 2`.
 * The title changes with the range, the filter and the walk, so a screen reader's route
 * announcer says that the view changed, and tabs and history tell views apart. Hidden
 * characters of the site's name or the filter's text read by their codes ($lib/text shownText).
 */
export function viewTitle(
	site: string,
	range: { preset?: Preset; from: string; to: string },
	filter?: Filter | null,
	walk: Walk = {}
): string {
	const preset = range.preset === 'custom' ? undefined : PRESETS.find((p) => p.id === range.preset);
	const parts = [
		site,
		preset?.label ?? rangeDates(range),
		filter && filterLabel(filter),
		walk.journey && `journeys through ${displayPath(walk.journey)}`,
		walk.steps?.length && `path ${walk.steps.map(displayPath).join(' → ')}`,
		walk.funnel && choiceTitle(walk.funnel)
	];
	return shownText(parts.filter(Boolean).join(' · '));
}
