/**
 * The date ranges a dashboard offers (today, yesterday, the last 7, 28, 30 and 90 days,
 * this and last month, the last 12 months, this year, all time, custom), written in
 * the page's query string so that a view can be shared: `?range=7d&tz=Europe/Paris` or
 * `?range=custom&from=2026-11-01&to=2026-11-14`. The Stats API takes the same `range`.
 */
import type { Comparison } from './periods';
import { addDays, addMonths, isDate, isMonthEnd, localDate } from './time-zone';

/**
 * The range presets, in the order the picker lists them, each with its keyboard
 * shortcut on the dashboard (a letter, pressed outside any field) and the period it is
 * compared with (`previousRange`, periods.ts): a calendar month's days with the same days of
 * the month before, this year and the last 12 months with the same dates a year earlier,
 * "last N days" with the N days before; a custom range by its dates ({@link comparisonOf}).
 */
export const PRESETS = [
	{ id: 'today', label: 'Today', key: 't', compare: 'days' },
	{ id: 'yesterday', label: 'Yesterday', key: 'e', compare: 'days' },
	{ id: '7d', label: 'Last 7 days', key: 'w', compare: 'days' },
	{ id: '28d', label: 'Last 28 days', key: 'f', compare: 'days' },
	{ id: '30d', label: 'Last 30 days', key: 'l', compare: 'days' },
	{ id: '90d', label: 'Last 90 days', key: 'q', compare: 'days' },
	{ id: 'month', label: 'This month', key: 'm', compare: 'month' },
	{ id: 'lastmonth', label: 'Last month', key: 'p', compare: 'month' },
	{ id: '12mo', label: 'Last 12 months', key: 'r', compare: 'year' },
	{ id: 'year', label: 'This year', key: 'y', compare: 'year' },
	{ id: 'all', label: 'All time', key: 'a', compare: 'days' },
	{ id: 'custom', label: 'Custom range', key: 'c', compare: null }
] as const;

/** A preset id. */
export type Preset = (typeof PRESETS)[number]['id'];

/** Whether a string names a preset. */
export function isPreset(id: string | null): id is Preset {
	return PRESETS.some((p) => p.id === id);
}

/**
 * Days an "all time" range reaches back before the site's first record narrows it:
 * the longest range the Stats API reads (params.ts `MAX_DAYS`).
 */
export const ALL_TIME_DAYS = 3660;

/** Days a custom range without `from` spans up to its `to`, in the API and the pages alike. */
export const CUSTOM_DAYS = 30;

/**
 * The dates of a preset other than `custom`, for a local date `today`. "Last N days"
 * end today (included); "last 12 months" is this month and the 11 before it, whole;
 * "all time" is the longest range there is, narrowed to the site's first record when
 * read (src/lib/server/stats/all-time.ts).
 */
export function presetDates(
	preset: Exclude<Preset, 'custom'>,
	today: string
): { from: string; to: string } {
	const month = (date: string, back: number) => addMonths(date.slice(0, 8) + '01', -back);
	switch (preset) {
		case 'today':
			return { from: today, to: today };
		case 'yesterday':
			return { from: addDays(today, -1), to: addDays(today, -1) };
		case '7d':
			return { from: addDays(today, -6), to: today };
		case '28d':
			return { from: addDays(today, -27), to: today };
		case '30d':
			return { from: addDays(today, -29), to: today };
		case '90d':
			return { from: addDays(today, -89), to: today };
		case 'month':
			return { from: month(today, 0), to: today };
		case 'lastmonth':
			return { from: month(today, 1), to: addDays(month(today, 0), -1) };
		case '12mo':
			return { from: month(today, 11), to: today };
		case 'year':
			return { from: today.slice(0, 5) + '01-01', to: today };
		case 'all':
			return { from: addDays(today, -(ALL_TIME_DAYS - 1)), to: today };
	}
}

/**
 * The comparison of a range (`previousRange`, periods.ts) a preset and its dates call for: the
 * preset's, or for a custom range, `month` when it is whole calendar months (November 1
 * to 30: compared with all of October) and `days` otherwise.
 */
export function comparisonOf(preset: Preset, from: string, to: string): Comparison {
	const named = PRESETS.find((p) => p.id === preset)!.compare;
	if (named) return named;
	return from.endsWith('-01') && isMonthEnd(to) ? 'month' : 'days';
}

/** What the query string asks for, resolved to dates. */
export interface RangeChoice {
	preset: Preset;
	/** First day, `YYYY-MM-DD`. */
	from: string;
	/** Last day, included. */
	to: string;
	tz: string;
}

/**
 * Resolves `range`, `from`, `to` and `tz` of a query string. The default is the last
 * 7 days in `defaultTz`; an unknown preset is the default too. A custom range with a
 * missing `to` ends today, one without `from` spans {@link CUSTOM_DAYS} days (as in the
 * Stats API), and dates are left for the Stats API's parser to judge (it says what is
 * wrong with them, and with a preset given with dates).
 * @param now Clock, for "today" in the chosen time zone.
 * @param zoneName The name of the zone a range asked for in `tz` is read in, `defaultTz`
 *   (the site's) when it is that zone, or null when it is no zone (`rangeZoneName`,
 *   src/lib/server/accounts/sites.ts): such a one is kept as given, so the page can say
 *   so; "today" is then taken in `defaultTz`.
 */
export function resolveRange(
	params: URLSearchParams,
	defaultTz: string,
	now: number,
	zoneName: (tz: string, defaultTz: string) => string | null
): RangeChoice {
	const askedTz = params.get('tz');
	const named = askedTz ? zoneName(askedTz, defaultTz) : defaultTz;
	const tz = named ?? askedTz!;
	const today = localDate(now, named ?? defaultTz);
	const asked = params.get('range');
	// Dates without a range are a custom range, as the Stats API reads them (an outside
	// review: such a link showed the last 7 days without a word).
	const dated = asked === null && (params.has('from') || params.has('to'));
	const preset: Preset = isPreset(asked) ? asked : dated ? 'custom' : '7d';
	if (preset === 'custom') {
		const to = params.get('to') || today;
		const from = params.get('from') || (isDate(to) ? addDays(to, 1 - CUSTOM_DAYS) : to);
		return { preset, from, to, tz };
	}
	return { preset, ...presetDates(preset, today), tz };
}

/** The query parameters of a range choice ({@link resolveRange}), as the picker writes them. */
export const RANGE_PARAMS = ['range', 'from', 'to', 'tz'] as const;

/**
 * The range a page read, as the APIs are asked for it again (its next page, its CSV, a
 * funnel's later batches): the dates it read, which a cursor fits, except all time, asked
 * by name. Its dates may span more than the {@link ALL_TIME_DAYS} the APIs take as dates
 * (imported history from 1975: a review found the session list's next page and a funnel's
 * later batches refused), and the APIs narrow it to the same days.
 */
export function readAgainParams(range: {
	preset: Preset;
	from: string;
	to: string;
	tz: string;
}): Record<string, string> {
	const { preset, from, to, tz } = range;
	return preset === 'all' ? { range: 'all', tz } : { from, to, tz };
}

/** The query string of a range choice, as the picker writes it. */
export function rangeQuery(choice: RangeChoice): string {
	const params = new URLSearchParams({ range: choice.preset });
	if (choice.preset === 'custom') {
		params.set('from', choice.from);
		params.set('to', choice.to);
	}
	params.set('tz', choice.tz);
	return params.toString();
}
