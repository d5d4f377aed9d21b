import { expect, test } from 'vitest';
import { LIMITS } from '../records.ts';
import { externalReferrer, linkKind, MAX, pathOf, screenClass, utmOf } from './page.ts';

test('the core limits agree with the record contract', () => {
	for (const [key, value] of Object.entries(MAX))
		expect(LIMITS[key as keyof typeof MAX]).toBe(value);
});

const origin = 'https://blog.example';

test('pathOf drops the query string and the fragment', () => {
	expect(pathOf(new URL('https://blog.example/posts/1?x=1#top'))).toBe('/posts/1');
});

test.each([
	['https://news.example/item?id=3#c', 'https://news.example/item'],
	['https://blog.example/other', undefined],
	['', undefined],
	['android-app://com.example', undefined]
])('externalReferrer(%j) is %j', (referrer, expected) => {
	expect(externalReferrer(referrer, origin)).toBe(expected);
});

test('utmOf keeps the five UTM parameters, trimmed, and nothing else', () => {
	const search = new URLSearchParams('utm_source=news&utm_medium=%20email%20&utm_campaign=&x=1');
	expect(utmOf(search)).toEqual({ source: 'news', medium: 'email' });
	expect(utmOf(new URLSearchParams('a=1'))).toBeUndefined();
});

test.each([
	[375, 'mobile'],
	[639, 'mobile'],
	[640, 'tablet'],
	[1280, 'laptop'],
	[1440, 'desktop']
])('screenClass(%i) is %s', (width, expected) => {
	expect(screenClass(width)).toBe(expected);
});

test.each([
	['https://blog.example/files/report.pdf', false, 'download'],
	['https://cdn.example/app.DMG', false, 'download'],
	['https://blog.example/export', true, 'download'],
	['https://github.com/couchstats', false, 'outbound'],
	['https://blog.example/pricing', false, undefined],
	['mailto:hi@blog.example', false, undefined]
])('linkKind(%s, download attribute %s) is %s', (href, attr, expected) => {
	expect(linkKind(new URL(href), origin, attr)).toBe(expected);
});
