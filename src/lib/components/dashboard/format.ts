/**
 * How the dashboards write numbers: counts, rates, durations and the change of a
 * number against the previous period. Pure, so pages and tests agree on the text.
 */
import type { ComparedRow } from '$lib/stats/catalogue';
import { change } from '$lib/stats/metrics';
import { clockRepeats, localDate, offsetAt, offsetName } from '$lib/stats/time-zone';
import type { Phrase } from '$lib/text';

const counts = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** A count: `1,234`; from 100,000 on, compact: `123.4K`. */
export function formatCount(n: number): string {
	return Math.abs(n) >= 100_000 ? compact.format(n) : counts.format(n);
}

/**
 * A number that may not be known (null: visitors across a page pattern's paths, what an
 * event's firings cannot tell), written by `write` (default {@link formatCount}), or "—".
 */
export function formatKnown(n: number | null, write: (n: number) => string = formatCount): string {
	return n === null ? '—' : write(n);
}

/** A count with its noun, singular for one: "1 session", "2 sessions". */
export function formatCountOf(n: number, noun: string): string {
	return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

const percents = [0, 1].map(
	(digits) => new Intl.NumberFormat('en', { maximumFractionDigits: digits })
);

/**
 * A ratio (0–1) as a percentage: `0.4567` → `46%`; with `digits: 1` (for small shares
 * such as conversion rates) `0.0456` → `4.6%`, `0.5` → `50%`.
 */
export function formatRate(ratio: number, digits: 0 | 1 = 0): string {
	return `${percents[digits].format(ratio * 100)}%`;
}

/**
 * A duration in milliseconds, to the second: `0s`, `45s`, `3m 05s`, `2h 04m`,
 * `3d 4h`; one above 0 that rounds to 0 is `<1s` (a heartbeat's 300 ms is time
 * engaged, not none).
 */
export function formatDuration(ms: number): string {
	const seconds = Math.round(Math.max(0, ms) / 1000);
	if (!seconds && ms > 0) return '<1s';
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m ${pad(seconds % 60)}s`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
	return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A country's English name from its ISO 3166-1 code (`DE` → `Germany`); the code if unknown. */
export function countryName(code: string): string {
	try {
		return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
	} catch {
		return code;
	}
}

/**
 * A live visitor in one line: `Germany · Chrome · on /pricing · 3 pages · 2m 05s`, the
 * page quoted; what the records do not carry (country, browser) is left out.
 * @param page How the current path is shown (its title on the public page).
 */
export function liveVisitorLine(
	visitor: { country: string | null; browser: string | null; pages: number; durationMs: number },
	page: string
): Phrase {
	const before = [visitor.country && countryName(visitor.country), visitor.browser, 'on ']
		.filter(Boolean)
		.join(' · ');
	const after = [
		'',
		`${formatCount(visitor.pages)} ${visitor.pages === 1 ? 'page' : 'pages'}`,
		formatDuration(visitor.durationMs)
	].join(' · ');
	return [before, { quoted: page }, after];
}

/** The change of a number against the previous period, for a badge and its label. */
export interface Change {
	/** `+25%`, `−3 pts`, `new` or `—` (nothing to compare). */
	text: string;
	/** Which way it went; `flat` when equal or not comparable. */
	direction: 'up' | 'down' | 'flat';
	/** Spoken form: `up 25% from 4 in the previous period`. */
	label: string;
}

/**
 * The change from `previous` to `current`. Counts and durations change by a
 * percentage, by the Stats API's rule (`change`, src/lib/stats/metrics.ts); rates (`kind: 'rate'`) by percentage points, since a percentage of a
 * percentage reads badly. From 0 to something is `new`.
 */
export function formatChange(
	current: number,
	previous: number,
	kind: 'count' | 'rate' | 'duration' = 'count'
): Change {
	const was =
		kind === 'rate'
			? formatRate(previous)
			: kind === 'duration'
				? formatDuration(previous)
				: formatCount(previous);
	const direction = current > previous ? 'up' : current < previous ? 'down' : 'flat';
	if (kind === 'rate') {
		const points = Math.round((current - previous) * 100);
		if (points === 0)
			return {
				text: '±0 pts',
				direction: 'flat',
				label: `unchanged from ${was} in the previous period`
			};
		return {
			text: `${points > 0 ? '+' : '−'}${Math.abs(points)} pts`,
			direction,
			label: `${direction} ${Math.abs(points)} points from ${was} in the previous period`
		};
	}
	const relative = change(current, previous);
	if (relative === null)
		return { text: '—', direction: 'flat', label: 'none in the previous period either' };
	if (relative === 'new')
		return { text: 'new', direction: 'up', label: 'none in the previous period' };
	const percent = Math.round(relative * 100);
	if (percent === 0)
		return {
			text: '±0%',
			direction: 'flat',
			label: `about the same as ${was} in the previous period`
		};
	return {
		text: `${percent > 0 ? '+' : '−'}${formatCount(Math.abs(percent))}%`,
		direction,
		label: `${direction} ${formatCount(Math.abs(percent))}% from ${was} in the previous period`
	};
}

/**
 * A breakdown row's change against the previous period, written as the headline writes
 * one ({@link formatChange}), from its main metric's value now and before (`previous`,
 * src/lib/stats/catalogue.ts `compareRows`): none for a row not compared ("(other)", or
 * a read without the previous period) or whose number is not known.
 * @param metric The field of the breakdown's main metric (its `compared.metric`).
 */
export function rowChange(row: object, metric: string): Change | undefined {
	const before = (row as ComparedRow).previous?.[metric];
	const now = (row as Record<string, unknown>)[metric];
	if (typeof before !== 'number' || typeof now !== 'number') return undefined;
	return formatChange(now, before);
}

/** A UTC instant as a short local time in a time zone: `14:05:09`. */
export function formatClock(ms: number, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).format(ms);
}

/**
 * A record's time in a list of a session's records, after the record at `previous` (the
 * session's start for the first): `14:05:09`; with its date where the local date changes
 * (`11 Nov, 00:10:00` after `23:50:00`), with its offset where only the offset does (the
 * hour a clock going back repeats: `01:10:00 (UTC−5)` after `01:50:00`).
 */
export function formatClockAfter(ms: number, previous: number, timeZone: string): string {
	if (localDate(ms, timeZone) !== localDate(previous, timeZone)) {
		return formatDateTime(ms, timeZone);
	}
	const offset = offsetAt(ms, timeZone);
	const clock = formatClock(ms, timeZone);
	return offset === offsetAt(previous, timeZone) ? clock : `${clock} (${offsetName(offset)})`;
}

/**
 * A UTC instant as a local date and time in a time zone: `10 Nov, 14:05:09`; with its
 * offset where the clock shows that time twice (`1 Nov, 01:30:00 (UTC−4)`, then
 * `(UTC−5)` an hour later), as periods.ts `periodText` labels such an hour, so that two
 * sessions of the session list an hour apart do not read as the same time.
 */
export function formatDateTime(ms: number, timeZone: string): string {
	const text = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		day: 'numeric',
		month: 'short',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).format(ms);
	return clockRepeats(ms, timeZone) ? `${text} (${offsetName(offsetAt(ms, timeZone))})` : text;
}

function pad(n: number): string {
	return String(n).padStart(2, '0');
}

/**
 * What an empty range of a site's dashboard suggests: where the site's records begin,
 * once it has any (an outside review read "Add the snippet from Settings" on a site
 * whose imported records were all in another range); else `otherwise`, the page's
 * next step.
 * @param trackingSince The site's earliest counted record (ISO 8601), or null.
 */
export function emptyRangeHint(
	trackingSince: string | null | undefined,
	timeZone: string,
	otherwise: string
): string {
	if (!trackingSince) return otherwise;
	return `This site’s records begin on ${localDate(Date.parse(trackingSince), timeZone)}.`;
}
