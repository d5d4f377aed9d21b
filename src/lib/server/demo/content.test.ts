import { expect, test } from 'vitest';
import { entryForPath, getEntry, listEntries, parseEntry } from './content';

test('front matter and body are split, with the path derived from kind and slug', () => {
	const entry = parseEntry(
		'---\ntitle: A: B\nslug: a-b\ndate: 2026-01-02\npublished: false\n---\nHello',
		'post',
		'x.md'
	);
	expect(entry).toEqual({
		kind: 'post',
		title: 'A: B',
		slug: 'a-b',
		date: '2026-01-02',
		published: false,
		path: '/blog/a-b',
		body: 'Hello'
	});
});

test.each([
	['no front matter', 'Hello', 'x.md: missing front matter'],
	['no title', '---\nslug: a\ndate: 2026-01-01\n---\n', 'x.md: front matter needs title'],
	['a bad date', '---\ntitle: T\nslug: a\ndate: 1/2/2026\n---\n', 'x.md: date must be YYYY-MM-DD']
])('a file with %s is refused by name', (_name, text, message) => {
	expect(() => parseEntry(text, 'page', 'x.md')).toThrow(message);
});

test('the demo content lists published posts newest first, and pages apart', () => {
	expect(listEntries('post').map((e) => e.slug)).toEqual([
		'counting-at-the-edge',
		'offline-first-analytics',
		'hello-couchstats'
	]);
	expect(listEntries('page').map((e) => e.path)).toEqual(['/colophon', '/privacy']);
	expect(getEntry('post', 'draft-notes')).toBeUndefined();
	expect(getEntry('post', 'hello-couchstats')?.html).toContain('<strong>couchstats</strong>');
	expect(entryForPath('/blog/offline-first-analytics')?.title).toBe(
		'Analytics that survive a tunnel'
	);
});

test('the privacy page promises no retention period of its own, says how long the visitor id lasts, and links Your data', () => {
	const html = getEntry('page', 'privacy')?.html ?? '';
	// How long records are kept is said as the page is served, from the period the app
	// applies (privacy.ts), where the page holds its mark.
	expect(html).not.toMatch(/kept for at most|deleted once/);
	expect(html).toContain('<a href="/your-data">Your data</a>. <!-- retention -->');
	expect(html).toContain('for at most 13 months');
});
