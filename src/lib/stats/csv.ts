/**
 * CSV (RFC 4180) for breakdown exports: a header row, then one line per row, CRLF line
 * ends, fields quoted when they hold a comma, quote or line break. Fields that a
 * spreadsheet would run as a formula are prefixed with `'`.
 */

import { filterSlug, type Filter } from './filters';

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

/** Renders rows as CSV with the given columns (object keys), in that order. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
	const lines = [columns.map(field).join(',')];
	for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(','));
	return lines.join('\r\n') + '\r\n';
}

function field(value: unknown): string {
	let text = value === undefined || value === null ? '' : String(value);
	if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
