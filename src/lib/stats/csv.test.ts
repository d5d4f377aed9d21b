import { describe, expect, test } from 'vitest';
import { exportName, toCsv } from './csv';

describe('CSV', () => {
	test('an export is named by site, what, range and filter', () => {
		const range = { from: '2026-11-01', to: '2026-11-30' };
		expect(exportName('blog', 'sessions', range)).toBe('blog-sessions-2026-11-01-2026-11-30');
		expect(exportName('blog', 'sessions', range, { kind: 'page', value: '/pricing' })).toBe(
			'blog-sessions-2026-11-01-2026-11-30-page-_pricing'
		);
	});

	test('writes a header and one CRLF line per row, in column order', () => {
		expect(toCsv(['path', 'pageviews'], [{ pageviews: 3, path: '/' }])).toBe(
			'path,pageviews\r\n/,3\r\n'
		);
	});

	test('quotes commas, quotes and line breaks', () => {
		expect(toCsv(['value'], [{ value: 'a,"b"\nc' }])).toBe('value\r\n"a,""b""\nc"\r\n');
	});

	test('defuses values a spreadsheet would run as formulas', () => {
		expect(toCsv(['value'], [{ value: '=HYPERLINK("x")' }, { value: -3 }])).toBe(
			'value\r\n"\'=HYPERLINK(""x"")"\r\n-3\r\n'
		);
	});
});
