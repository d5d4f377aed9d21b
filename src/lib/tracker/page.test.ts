import { expect, test } from 'vitest';
import { record, runMap } from '../../../couchdb/events/views/fake-emit.ts';
import { LIMITS, PATH_PATTERN, SOURCE_PATTERN, sourceOf } from '../records.ts';
import { readDesignDocs } from '../server/boot/design-docs.ts';
import { externalReferrer, linkKind, MAX, pathOf, screenClass, sitePath, utmOf } from './page.ts';

test('the core limits agree with the record contract', () => {
	for (const [key, value] of Object.entries(MAX))
		expect(LIMITS[key as keyof typeof MAX]).toBe(value);
});

const origin = 'https://blog.example';

/** The `dimensions` view's map function, from the text CouchDB runs. */
const dimensionsMap = new Function(
	`return (${readDesignDocs().events.find((d) => d._id === '_design/stats')!.views!.dimensions.map});`
)() as (doc: never) => void;

test('pathOf drops the query string and the fragment', () => {
	expect(pathOf(new URL('https://blog.example/posts/1?x=1#top'))).toBe('/posts/1');
	expect(pathOf(new URL('https://blog.example/app/#/users/1'))).toBe('/app/');
});

test.each([
	['https://blog.example/app/#/users/1?tab=2', '/app/#/users/1'],
	['https://blog.example/#/', '/#/'],
	['https://blog.example/app/?x=1#top', '/app/'],
	['https://blog.example/app/', '/app/']
])('with hash routing, pathOf(%j) is %j: a #/ fragment is a route', (url, path) => {
	expect(pathOf(new URL(url), true)).toBe(path);
	expect(PATH_PATTERN.test(path)).toBe(true);
});

test.each([
	['https://blog.example/app/#section', '/app/#/pricing', '/app/#/pricing'],
	['https://blog.example/app/#section', '/app/', '/app/'],
	['https://blog.example/app/#section', '/other/#/pricing', '/app/'],
	['https://blog.example/app/#/docs', '/app/#/pricing', '/app/#/docs'],
	['https://blog.example/app/', '/app/#/pricing', '/app/'],
	['https://blog.example/app/#', '/app/#/pricing', '/app/']
])(
	'with hash routing, pathOf(%j) on %j is %j: an anchor that is no route keeps the route',
	(url, current, path) => {
		expect(pathOf(new URL(url), true, current)).toBe(path);
	}
);

test.each([
	['https://news.example/item?id=3#c', 'https://news.example/item'],
	['https://blog.example/other', undefined],
	['', undefined],
	['android-app://com.example', undefined]
])('externalReferrer(%j) is %j', (referrer, expected) => {
	expect(externalReferrer(referrer, origin)).toBe(expected);
});

test.each([
	['https://blog.example/pricing?plan=pro', '/pricing'],
	['https://blog.example/?page=2', '/'],
	// The bare origin: what strict-origin leaves of any page's address, and a link on the
	// home page sends too. No page: the session's last page is taken.
	['https://blog.example/', undefined],
	['https://news.example/pricing', undefined],
	['', undefined]
])('sitePath(%j) is %j', (referrer, expected) => {
	expect(sitePath(referrer, origin)).toBe(expected);
});

test.each([
	'https://news.ycombinator.com/item?id=1',
	'https://www.Example.com/x',
	'HTTPS://WWW.EXAMPLE.COM:8443/a/b',
	'http://www.example.com.:80/',
	'https://user:secret@www.example.org/',
	'https://bücher.example/über',
	'https://xn--bcher-kva.example/',
	'https://www.xn--80ak6aa92e.com/',
	'http://192.168.0.1:8080/admin',
	'http://[2001:db8::1]:8080/',
	'https://blog.example/same-origin',
	'android-app://com.google.android.gm/',
	''
])('the source of document.referrer %j is the referrer the dimensions view counts', (referrer) => {
	const ref = externalReferrer(referrer, origin);
	const src = sourceOf(ref);
	const rows = runMap(
		dimensionsMap,
		record({ type: 'pageview', entry: true, firstOfDay: true, ref, src })
	);
	const counted = rows.flatMap(([key]) => {
		const [scope, , , dimension, value] = key as unknown[];
		return typeof scope === 'string' && dimension === 'referrer' ? [value] : [];
	});
	expect(new Set(counted)).toEqual(new Set([src]));
	expect(src).toMatch(SOURCE_PATTERN);
	expect(src.length).toBeLessThanOrEqual(LIMITS.source);
});

test('utmOf keeps the five UTM parameters, trimmed, and nothing else', () => {
	const search = new URLSearchParams('utm_source=news&utm_medium=%20email%20&utm_campaign=&x=1');
	expect(utmOf(search)).toEqual({ source: 'news', medium: 'email' });
	expect(utmOf(new URLSearchParams('a=1'))).toBeUndefined();
});

test('utmOf makes the control characters of a mangled campaign link spaces, which the ingest stores', () => {
	const search = new URLSearchParams(
		'utm_source=x%01y&utm_medium=%00&utm_campaign=%01spring%1F%7Fsale&utm_term=a%0A%09b'
	);
	expect(utmOf(search)).toEqual({ source: 'x y', campaign: 'spring sale', term: 'a b' });
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

test.each([
	['https://shop.example/cart', undefined],
	['https://checkout.pay.example:8443/pay', undefined],
	['https://example/', 'outbound'],
	['https://github.com/couchstats', 'outbound']
])(
	"linkKind(%s) on a site of several hosts is %s: a link to one of the site's own is not outbound",
	(href, expected) => {
		const hosts = ['blog.example', 'shop.example', '*.pay.example'];
		expect(linkKind(new URL(href), origin, false, hosts)).toBe(expected);
	}
);

test('a path or referrer past the limit is cut between characters, never inside an escape', () => {
	// An outside review saw a cut `/日本語…` path shown ending `…日本%E8%AA`.
	const long = 'https://blog.example/' + '日本語'.repeat(60);
	for (const cut of [pathOf(new URL(long)), externalReferrer(long, 'https://own.example')!]) {
		expect(cut.length).toBeLessThanOrEqual(MAX.path);
		expect(() => decodeURIComponent(cut)).not.toThrow();
		expect(cut.length).toBeGreaterThan(MAX.path - 9);
	}
});
