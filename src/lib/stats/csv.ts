/**
 * CSV (RFC 4180) for breakdown exports: a header row, then one line per row, CRLF line
 * ends, fields quoted when they hold a comma, quote or line break. Fields that a
 * spreadsheet would run as a formula are prefixed with `'`.
 */

import { displayPath } from '../records';
import { shownText, withoutHidden } from '../text';
import { filterParams, type Filter } from './filters';

/**
 * An export's file name, without its extension: `SITE-WHAT-FROM-TO`, and the filter
 * after it under one (`blog-pages-2026-11-01-2026-11-30-source-google.com`), so that a
 * filtered export is not named as the whole site's (an outside new-user review).
 */
export function exportName(
	site: string,
	what: string,
	range: { from: string; to: string },
	filter?: Filter | null
): string {
	const filtered = filter ? `-${filterSlug(filter)}` : '';
	return `${site}-${what}-${range.from}-${range.to}${filtered}`;
}

/**
 * A filter in a file name: its parameters, `-` between, each value as {@link fileSafe}
 * makes it and a page as it reads (as {@link fileNamePart} names the pages of journeys
 * and paths: an outside probe found `/café` as `_caf_C3_A9` in one export's name and
 * `_café` in another's), at most 80 characters: `source-google.com`,
 * `event-signup-prop-plan=pro`.
 */
function filterSlug(filter: Filter): string {
	const parts = filterParams(filter).flatMap(([key, value]) => [
		key,
		key === 'page' ? displayPath(value) : value
	]);
	return [...fileSafe(parts.join('-'))].slice(0, 80).join('');
}

/**
 * A part of an export's file name from text a visitor may have sent (a page, a path's
 * steps): as it reads (`/caf%C3%A9` as `/café`, {@link displayPath}), {@link fileSafe},
 * at most 60 characters: `/pricing` is `_pricing`.
 */
export function fileNamePart(text: string): string {
	return [...fileSafe(displayPath(text))].slice(0, 60).join('');
}

/**
 * Text with what no file name may hold (`/`, `\\`, `:`, `*`, `?`, `"`, `<`, `>`, `|`,
 * `%`, control characters and white space) as `_`, and each character that shows as
 * nothing or turns text round by its code ({@link shownText}: `U+202E`, which would
 * otherwise make a saved `x\u202Eexe.evil….csv` read as ending in `.exe`); a name that is
 * not ASCII is sent in `filename*` too ({@link contentDisposition}).
 */
function fileSafe(text: string): string {
	// eslint-disable-next-line no-control-regex
	return shownText(text).replace(/[\u0000-\u001f\u007f/\\:*?"<>|%\s]/gu, '_');
}

/**
 * A `Content-Disposition` header that saves the answer as `filename` (RFC 6266): an
 * ASCII `filename` (other characters as `_`), and the name itself in `filename*`
 * (RFC 8187, UTF-8, percent-encoded) when it is not ASCII, which browsers prefer.
 */
export function contentDisposition(filename: string): string {
	const ascii = filename.replace(/[^\x20-\x7e]|["\\]/gu, '_');
	if (ascii === filename) return `attachment; filename="${filename}"`;
	const encoded = encodeURIComponent(filename).replace(
		/['()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
	);
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Renders rows as CSV with the given columns (object keys), in that order. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
	const lines = [columns.map(field).join(',')];
	for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(','));
	return lines.join('\r\n') + '\r\n';
}

/**
 * A text a spreadsheet may run as a formula: one starting with `=`, `+`, `-` or `@`, after
 * any white space or hidden characters ({@link withoutHidden}: an outside probe's
 * `\u200B=HYPERLINK(…)` went out unguarded), or with a tab or a carriage return.
 */
function isFormula(text: string): boolean {
	return /^[\t\r]/.test(text) || /^[=+\-@]/.test(withoutHidden(text).trimStart());
}

function field(value: unknown): string {
	let text = value === undefined || value === null ? '' : String(value);
	if (typeof value === 'string' && isFormula(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
