import { describe, expect, test } from 'vitest';
import { contentDisposition, exportName, fileNamePart, toCsv } from './csv';

describe('CSV', () => {
	test('an export is named by site, what, range and filter', () => {
		const range = { from: '2026-11-01', to: '2026-11-30' };
		expect(exportName('blog', 'sessions', range)).toBe('blog-sessions-2026-11-01-2026-11-30');
		expect(exportName('blog', 'sessions', range, { kind: 'page', value: '/pricing' })).toBe(
			'blog-sessions-2026-11-01-2026-11-30-page-_pricing'
		);
	});

	test.each([
		[{ kind: 'source', value: 'google.com' }, 'source-google.com'],
		[{ kind: 'page', value: '/blog/*' }, 'page-_blog__'],
		// A page as the tables show it, as journeys and paths name theirs (fileNamePart).
		[{ kind: 'page', value: '/caf%C3%A9' }, 'page-_café'],
		[{ kind: 'source', value: 'a b/c' }, 'source-a_b_c'],
		[
			{ kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } },
			'event-signup-prop-plan=pro'
		],
		[{ kind: 'page', value: '/' + 'x'.repeat(200) }, 'page-_' + 'x'.repeat(74)]
	] as const)('a filter in its name: %j as %s', (filter, slug) => {
		const name = exportName('blog', 'pages', { from: '2026-11-01', to: '2026-11-30' }, filter);
		expect(name).toBe(`blog-pages-2026-11-01-2026-11-30-${slug}`);
	});

	test('a filter value’s hidden characters are named in the file name, not sent in it', () => {
		// An overriding direction mark in a download's name can make `….csv` read as `….exe`;
		// a C1 control, a line separator or a zero-width space would be kept by filename*.
		const range = { from: '2026-11-01', to: '2026-11-30' };
		const name = (value: string) => exportName('blog', 'pages', range, { kind: 'source', value });
		expect(name('x\u202Eexe.evil')).toBe('blog-pages-2026-11-01-2026-11-30-source-xU+202Eexe.evil');
		expect(name('a\u0085b\u2028c\u200Bd')).toBe(
			'blog-pages-2026-11-01-2026-11-30-source-aU+0085bU+2028cU+200Bd'
		);
		expect(fileNamePart('/a\u202Eb')).toBe('_aU+202Eb');
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
		// After white space or a character shown as nothing, as a spreadsheet may skip them.
		expect(
			toCsv(['value'], [{ value: '\u200b=1+1' }, { value: ' @SUM(A1)' }, { value: 'a=b' }])
		).toBe("value\r\n'\u200b=1+1\r\n' @SUM(A1)\r\na=b\r\n");
	});
});

describe('a file name', () => {
	test.each([
		['/pricing', '_pricing'],
		['/', '_'],
		['/caf%C3%A9', '_café'],
		['/a b\t"c"<d>|e:f*g?h\\i%25', '_a_b__c__d__e_f_g_h_i_25'],
		['/' + 'x'.repeat(80), '_' + 'x'.repeat(59)]
	])('part from %j is %j', (text, part) => {
		expect(fileNamePart(text)).toBe(part);
	});

	test.each([
		['blog-pages.csv', 'attachment; filename="blog-pages.csv"'],
		[
			'blog-journeys-_café.csv',
			`attachment; filename="blog-journeys-_caf_.csv"; filename*=UTF-8''blog-journeys-_caf%C3%A9.csv`
		],
		[
			"a'(b)*-価格.csv",
			`attachment; filename="a'(b)*-__.csv"; filename*=UTF-8''a%27%28b%29%2A-%E4%BE%A1%E6%A0%BC.csv`
		]
	])('%j is saved with %s', (name, header) => {
		expect(contentDisposition(name)).toBe(header);
	});
});
