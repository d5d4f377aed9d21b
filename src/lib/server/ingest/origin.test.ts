import { describe, expect, test } from 'vitest';
import { corsHeaders, requestOrigin } from './origin';
import { SiteList } from './site-cache';

const sites = new SiteList([
	{ id: 'demo', hostnames: ['localhost', '127.0.0.1'], timeZone: 'UTC' },
	{ id: 'blog', hostnames: ['blog.example.com', '*.example.org'], timeZone: 'UTC' }
]);

describe('requestOrigin', () => {
	test.each([
		[
			'an Origin header',
			{ origin: 'https://blog.example.com' },
			{ kind: 'page', origin: 'https://blog.example.com' }
		],
		[
			'a Referer when Origin is absent',
			{ referer: 'http://localhost:4173/pricing?x=1' },
			{ kind: 'page', origin: 'http://localhost:4173' }
		],
		[
			'Origin over Referer',
			{ origin: 'https://a.example.org', referer: 'https://evil.test/' },
			{ kind: 'page', origin: 'https://a.example.org' }
		],
		['Origin: null as opaque', { origin: 'null' }, { kind: 'opaque' }],
		['a file: referrer as opaque', { referer: 'file:///tmp/x.html' }, { kind: 'opaque' }],
		['no header as none', {}, { kind: 'none' }]
	])('reads %s', (_, headers, expected) => {
		expect(requestOrigin(new Headers(headers))).toEqual(expected);
	});
});

describe('corsHeaders', () => {
	test('allows a registered origin by name, without credentials', () => {
		expect(corsHeaders(new Headers({ origin: 'https://www.example.org' }), sites)).toEqual({
			Vary: 'Origin',
			'Access-Control-Allow-Origin': 'https://www.example.org',
			'Access-Control-Expose-Headers':
				'Retry-After, X-Couchstats-Now, X-Couchstats-Zone, X-Couchstats-Hosts'
		});
	});

	test.each([
		['an unregistered origin', { origin: 'https://evil.test' }],
		['a look-alike suffix', { origin: 'https://evilexample.org' }],
		['no origin', {}]
	])('allows nothing for %s', (_, headers) => {
		expect(corsHeaders(new Headers(headers), sites)).toEqual({ Vary: 'Origin' });
	});
});
