/**
 * The date ranges a dashboard offers (today, 7 days, 30 days, this month, custom),
 * written in the page's query string so that a view can be shared:
 * `?range=7d&tz=Europe/Paris` or `?range=custom&from=2026-11-01&to=2026-11-14`.
 */
import { addDays, isDate, localDate } from './time-zone';

/** The range presets, in the order the picker lists them. */
export const PRESETS = [
	{ id: 'today', label: 'Today' },
	{ id: '7d', label: 'Last 7 days' },
	{ id: '30d', label: 'Last 30 days' },
	{ id: 'month', label: 'This month' },
	{ id: 'custom', label: 'Custom range' }
] as const;

/** A preset id. */
export type Preset = (typeof PRESETS)[number]['id'];

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
 * missing or malformed date falls back to the last 7 days for that date, and dates
 * are left for the Stats API's parser to judge (it says what is wrong with them).
 * @param now Clock, for "today" in the chosen time zone.
 * @param validTz Whether a time zone is usable (an invalid one is kept, so the page
 *   can say so; "today" is then taken in `defaultTz`).
 */
export function resolveRange(
	params: URLSearchParams,
	defaultTz: string,
	now: number,
	validTz: (tz: string) => boolean
): RangeChoice {
	const tz = params.get('tz') || defaultTz;
	const today = localDate(now, validTz(tz) ? tz : defaultTz);
	const asked = params.get('range');
	const preset: Preset = PRESETS.some((p) => p.id === asked) ? (asked as Preset) : '7d';
	switch (preset) {
		case 'today':
			return { preset, from: today, to: today, tz };
		case '30d':
			return { preset, from: addDays(today, -29), to: today, tz };
		case 'month':
			return { preset, from: today.slice(0, 8) + '01', to: today, tz };
		case 'custom': {
			const to = params.get('to') || today;
			const from = params.get('from') || (isDate(to) ? addDays(to, -6) : to);
			return { preset, from, to, tz };
		}
		default:
			return { preset, from: addDays(today, -6), to: today, tz };
	}
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
