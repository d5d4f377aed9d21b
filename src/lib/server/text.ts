/**
 * The one rule for text that browsers and people send (records, filters, site names,
 * goals, funnel names): no control characters, tabs and newlines included. None of it
 * is multi-line, and a control character in a name or path is at best invisible, at
 * worst a forged log line or a broken CSV row.
 */

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether a string is free of control characters (U+0000–U+001F and U+007F). */
export function hasNoControl(s: string): boolean {
	return !CONTROL.test(s);
}
