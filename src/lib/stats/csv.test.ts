import { describe, expect, test } from 'vitest';
import { toCsv } from './csv';

describe('CSV', () => {
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
