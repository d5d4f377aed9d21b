/**
 * The one rule for text: none holds a control character (U+0000–U+001F, U+007F; tabs
 * and newlines too). None of it is multi-line, and a control character in a name, a
 * path or a campaign is at best invisible, at worst a forged log line or a broken CSV row.
 *
 * Two ways to it, by who wrote the text:
 * - what a visitor's browser carries (a landing URL's `utm_*`, a button's text, a title,
 *   an event's name and props, which a site's code often takes from the page) is
 *   cleaned with {@link cleanText}: by the tracker before it sends it, and by the ingest
 *   and the importer again, for trackers already deployed. Refused, it lost the visitor's
 *   whole session, since the session's source is on every record (an outside probe:
 *   `utm_source=x%01y`);
 * - what a person types into couchstats (a site's name, a goal, a funnel, a filter) is
 *   refused with {@link hasNoControl}, and they are told why.
 *
 * Browser-safe and tiny: the tracker's core imports it.
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as CONTROL, with whitespace
const SPACES = /[\s\u0000-\u001f\u007f]+/g;

/** Whether a string is free of control characters (U+0000–U+001F and U+007F). */
export function hasNoControl(s: string): boolean {
	return !CONTROL.test(s);
}

/**
 * `s` as one line: each run of whitespace and control characters made one space, the
 * ends trimmed. A control character becomes a space, not nothing: most that text
 * carries separate words (a tab, a line or page break, the separators U+001C–U+001F),
 * as the tab and newline the tracker always made spaces do.
 */
export function cleanText(s: string): string {
	return s.replace(SPACES, ' ').trim();
}

/**
 * A value a page gave, as a record holds it: {@link cleanText} cut to `max` characters,
 * or `undefined` when it is not a string or nothing is left.
 */
export function clip(value: unknown, max: number): string | undefined {
	return (typeof value == 'string' && cleanText(value).slice(0, max).trimEnd()) || undefined;
}
