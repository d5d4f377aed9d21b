import { describe, expect, test } from 'vitest';
import { LIMITS, revisionFor } from '$lib/records';
import { NOW, oneOfEach, pageview, uuidv7 } from '../../../../tests/support/ingest-records';
import { checkRecord } from './schema';

function reasonFor(doc: unknown): string {
	const checked = checkRecord(doc, NOW);
	if (checked.ok) throw new Error('expected the document to be refused');
	return checked.reason;
}

describe('checkRecord', () => {
	test.each(oneOfEach().map((doc) => [doc.type, doc]))('accepts a valid %s record', (_, doc) => {
		expect(checkRecord(doc, NOW)).toEqual({ ok: true, record: doc });
	});

	test('trims strings and accepts the revision history PouchDB sends, without storing it', () => {
		const doc = pageview(NOW, { title: '  Pricing  ' });
		const checked = checkRecord(
			{ ...doc, _revisions: { start: 1, ids: [String(doc._rev).slice(2)] } },
			NOW
		);
		expect(checked).toEqual({ ok: true, record: { ...doc, title: 'Pricing' } });
	});

	test("accepts the trail of a session's first four pageviews, an empty one on the entry", () => {
		for (const trail of [[], ['/'], ['/', '/a', '/app/#/b']]) {
			const doc = pageview(NOW, { trail });
			expect(checkRecord(doc, NOW)).toEqual({ ok: true, record: doc });
		}
	});

	test('accepts a hash route in a path, as the tracker records it in hash-routing mode', () => {
		const doc = pageview(NOW, { path: '/app/#/users/1', from: '/app/#/', land: '/app/#/' });
		expect(checkRecord(doc, NOW)).toEqual({ ok: true, record: doc });
	});

	test('stores a path sent with raw characters as a browser sends it, so it is one page with it', () => {
		// An outside re-check: `/café` sent raw (by no browser) and `/caf%C3%A9` read alike.
		const doc = pageview(NOW, { path: '/café', from: '/a b', land: '/café', trail: ['/a b'] });
		const checked = checkRecord(doc, NOW);
		expect(checked.ok && checked.record).toMatchObject({
			path: '/caf%C3%A9',
			from: '/a%20b',
			land: '/caf%C3%A9',
			trail: ['/a%20b']
		});
		const long = checkRecord(pageview(NOW, { path: '/' + 'é'.repeat(200) }), NOW);
		expect(long).toMatchObject({
			ok: false,
			reason: expect.stringContaining('must be at most 512 characters once percent-encoded')
		});
	});

	test("keeps a browser's language tag without its extensions, which made valid tags refused", () => {
		// An outside probe: Chromium with such a locale had every pageview refused.
		for (const [lang, kept] of [
			['sr-Latn-RS-u-nu-latn', 'sr-Latn-RS'],
			['ja-JP-u-ca-japanese-hc-h12', 'ja-JP'],
			['en-US-x-twain', 'en-US'],
			['de-DE-1996', 'de-DE-1996']
		]) {
			const doc = pageview(NOW, { lang });
			expect(checkRecord(doc, NOW)).toEqual({ ok: true, record: { ...doc, lang: kept } });
		}
	});

	test('replaces a lone surrogate, as left by cutting an emoji in half, with U+FFFD', () => {
		const checked = checkRecord(pageview(NOW, { title: 'Café \ud83d' }), NOW);
		expect(checked.ok && checked.record.type === 'pageview' && checked.record.title).toBe(
			'Café \ufffd'
		);
	});

	test('stores the text a page collected with control characters as the tracker now cleans it, the source as one name on every record of the session', () => {
		// An outside probe: trackers already deployed send a mangled link's `utm_source=x%01y`
		// in the source of every record of the visit, which the ingest refused, all of them.
		const dirty = { src: 'x\u0001y' };
		const records = oneOfEach().map((doc) => {
			if (doc.type === 'pageview') {
				return {
					...doc,
					...dirty,
					title: 'Sign\u0007up\u0000',
					utm: { source: 'x\u0001y', campaign: '\u0001spring\u007f', term: '\u0000' }
				};
			}
			if (doc.type === 'event') {
				return {
					...doc,
					...dirty,
					name: 'e\u0007vt',
					props: { k: 'v\u0000w', 'a\u001fb': 1, text: 'Sign\u000bup' },
					propFirstOfSession: ['a\u001fb'],
					propFirstOfDay: ['k', 'a\u001fb']
				};
			}
			return { ...doc, ...dirty };
		});
		const stored = records.map((doc) => {
			const checked = checkRecord(doc, NOW);
			if (!checked.ok) throw new Error(checked.reason);
			return checked.record;
		});
		expect(new Set(stored.map((r) => r.src))).toEqual(new Set(['x-y']));
		expect(stored.find((r) => r.type === 'pageview')).toMatchObject({
			title: 'Sign up',
			utm: { source: 'x y', campaign: 'spring', term: '' }
		});
		expect(stored.find((r) => r.type === 'event')).toMatchObject({
			name: 'e vt',
			props: { k: 'v w', 'a b': 1, text: 'Sign up' },
			propFirstOfSession: ['a b'],
			propFirstOfDay: ['k', 'a b']
		});
		const nothingLeft = checkRecord(pageview(NOW, { src: '\u0000' }), NOW);
		expect(nothingLeft.ok && nothingLeft.record.src).toBe('(direct)');
	});

	test.each([
		['a string', 'hello', 'a document must be a JSON object'],
		['an array', [], 'a document must be a JSON object'],
		['null', null, 'a document must be a JSON object'],
		['a design document', { _id: '_design/x', views: {} }, 'design documents are refused'],
		['a local document', { _id: '_local/x' }, 'local documents are refused'],
		['a deletion', { ...pageview(), _deleted: true }, 'deletions are refused'],
		[
			'an attachment',
			{ ...pageview(), _attachments: { a: { data: 'eA==', content_type: 'text/plain' } } },
			'attachments are refused'
		],
		[
			'a made-up id',
			pageview(NOW, { _id: 'abc', _rev: '1-abc' }),
			'_id: must be a lowercase UUIDv7'
		],
		[
			'an uppercase id',
			pageview(NOW, { _id: '01890A5D-AC96-7AB2-80E2-4536629C90DE' }),
			'_id: must be a lowercase UUIDv7'
		],
		[
			'a UUIDv4 id',
			pageview(NOW, { _id: 'c1d6a0e2-5b7e-4c39-9f55-3e3a4c1b2a90' }),
			'_id: must be a lowercase UUIDv7'
		],
		[
			'a foreign revision',
			pageview(NOW, { _rev: '1-' + 'a'.repeat(32) }),
			'_rev must be the revision derived from _id'
		],
		[
			'a second revision',
			pageview(NOW, { _rev: '2-' + 'a'.repeat(32) }),
			'_rev: must be the revision derived from _id'
		],
		[
			'a missing field',
			pageview(NOW, { entry: undefined }),
			'entry: Invalid type: Expected boolean but received undefined'
		],
		['an extra field', pageview(NOW, { ip: '1.2.3.4' }), 'ip: is not a known field'],
		['a client-side enrichment field', pageview(NOW, { bot: false }), 'bot: is not a known field'],
		[
			"an event's flag on a pageview",
			pageview(NOW, { firstOfSession: true }),
			'firstOfSession: is not a known field'
		],
		[
			'an unknown type',
			pageview(NOW, { type: 'purchase' }),
			'type: must be one of pageview, event, heartbeat, milestone, dropped'
		],
		['a wrong version', pageview(NOW, { v: 2 }), 'v: must be 1'],
		[
			'a string timestamp',
			pageview(NOW, { ts: String(NOW) }),
			'ts: Invalid type: Expected number but received "1772366400000"'
		],
		[
			'a fractional timestamp',
			pageview(NOW, { ts: NOW + 0.5 }),
			'ts: must be whole milliseconds since the epoch'
		],
		[
			'a huge timestamp',
			pageview(NOW, { ts: 1e300 }),
			'ts: must be whole milliseconds since the epoch'
		],
		[
			'an old timestamp',
			pageview(NOW - LIMITS.pastMs - 1),
			'ts must be within the last 30 days and at most 5 minutes ahead'
		],
		[
			'a future timestamp',
			pageview(NOW + LIMITS.futureMs + 1),
			'ts must be within the last 30 days and at most 5 minutes ahead'
		],
		[
			'a trail of four paths',
			pageview(NOW, { entry: false, trail: ['/', '/a', '/b', '/c'] }),
			'trail: must hold at most 3 paths'
		],
		[
			'a trail with a path that has a query',
			pageview(NOW, { entry: false, trail: ['/', '/a?b=c'] }),
			'trail.1: must be a path starting with / without query or fragment (but a #/ route)'
		],
		[
			'a path with a query',
			pageview(NOW, { path: '/a?b=c' }),
			'path: must be a path starting with / without query or fragment (but a #/ route)'
		],
		[
			'a path with a fragment that is no route',
			pageview(NOW, { path: '/a#top' }),
			'path: must be a path starting with / without query or fragment (but a #/ route)'
		],
		[
			'a relative path',
			pageview(NOW, { path: 'a/b' }),
			'path: must be a path starting with / without query or fragment (but a #/ route)'
		],
		[
			'a path with a newline',
			pageview(NOW, { path: '/a\nb' }),
			'path: must not contain control characters'
		],
		[
			'a path with a NUL',
			pageview(NOW, { path: '/a\u0000' }),
			'path: must not contain control characters'
		],
		[
			'an overlong title',
			pageview(NOW, { title: 'x'.repeat(LIMITS.title + 1) }),
			'title: must be at most 256 characters'
		],
		[
			'a javascript: referrer',
			pageview(NOW, { ref: 'javascript:alert(1)' }),
			'ref: must be an http(s) URL'
		],
		[
			'an unknown time zone',
			pageview(NOW, { tz: 'Mars/Olympus' }),
			'tz: must be an IANA time zone like Europe/Paris'
		],
		[
			'a bad language tag',
			pageview(NOW, { lang: 'english please' }),
			'lang: must be a language tag like en-GB'
		],
		[
			'an unknown screen class',
			pageview(NOW, { screen: 'watch' }),
			'screen: Invalid type: Expected ("mobile" | "tablet" | "laptop" | "desktop") but received "watch"'
		],
		[
			'an unknown utm key',
			pageview(NOW, { utm: { source: 'x', evil: 'y' } }),
			'utm.evil: is not a known field'
		],
		['a bad site id', pageview(NOW, { site: '../sites' }), 'site: must be a site id'],
		['a bad session id', pageview(NOW, { sid: 'session' }), 'sid: must be a lowercase UUIDv7'],
		['a short visitor id', pageview(NOW, { vid: 'abc' }), 'vid: must be 16–64 URL-safe characters']
	])('refuses %s', (_, doc, reason) => {
		expect(reasonFor(doc)).toBe(reason);
	});

	test('refuses a revision history other than the id-derived one', () => {
		const doc = pageview();
		expect(reasonFor({ ...doc, _revisions: { start: 2, ids: ['a', 'b'] } })).toBe(
			'_revisions must hold only the revision derived from _id'
		);
	});

	test('refuses a document nested thousands deep with a reason instead of throwing', () => {
		const deep = JSON.parse('{"x":'.repeat(4200) + '1' + '}'.repeat(4200));
		expect(reasonFor(pageview(NOW, { title: deep }))).toBe(
			'the document is nested more than 8 levels deep'
		);
	});

	test.each(['__proto__', 'constructor', 'prototype'])(
		'refuses the prop name %s with a reason instead of dropping it',
		(name) => {
			const event = oneOfEach().find((doc) => doc.type === 'event')!;
			const doc = JSON.parse(
				JSON.stringify({ ...event, props: { plan: 'pro' } }).replace(
					'"props":{',
					`"props":{"${name}":"x",`
				)
			);
			expect(reasonFor(doc)).toBe(`props.${name}: is a reserved name; use another prop name`);
		}
	);

	test('refuses a document over 4 KB even when every field is within its limit', () => {
		const [, event] = oneOfEach();
		const props = Object.fromEntries(
			Array.from({ length: 16 }, (_, i) => [`key${i}`, 'v'.repeat(LIMITS.propValue)])
		);
		expect(reasonFor({ ...event, props })).toMatch(/^document is \d+ bytes; the limit is 4096$/);
	});

	test.each([
		['an empty name', { name: ' ' }, 'name: must not be empty'],
		[
			'17 props',
			{ props: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) },
			'props: must have at most 16 props'
		],
		[
			'an object prop value',
			{ props: { a: { b: 1 } } },
			'props.a: Invalid type: Expected (string | number | boolean) but received Object'
		],
		['an infinite prop value', { props: { a: Infinity } }, 'props.a: must be a finite number'],
		[
			'an overlong prop value',
			{ props: { a: 'v'.repeat(LIMITS.propValue + 1) } },
			'props.a: must be at most 256 characters'
		],
		[
			'a prop value that is text only once cleaned, too long',
			{ props: { a: 'v\u0000'.repeat(LIMITS.propValue) } },
			'props.a: must be at most 256 characters'
		],
		[
			'a string firstOfSession',
			{ firstOfSession: 'yes' },
			'firstOfSession: Invalid type: Expected boolean but received "yes"'
		],
		[
			'a numeric firstOfDay',
			{ firstOfDay: 1 },
			'firstOfDay: Invalid type: Expected boolean but received 1'
		],
		[
			'a string opensDay',
			{ opensDay: 'yes' },
			'opensDay: Invalid type: Expected boolean but received "yes"'
		],
		[
			'17 prop names first of the session',
			{ propFirstOfSession: Array.from({ length: 17 }, (_, i) => `k${i}`) },
			'propFirstOfSession: must hold at most 16 prop names'
		],
		[
			'a prop name first of the day that is no string',
			{ propFirstOfDay: [1] },
			'propFirstOfDay.0: Invalid type: Expected string but received 1'
		]
	])('refuses an event with %s', (_, extra, reason) => {
		const [, event] = oneOfEach();
		expect(reasonFor({ ...event, ...extra })).toBe(reason);
	});

	test.each([
		[
			'negative engaged time',
			{ engagedMs: -1 },
			'engagedMs: Invalid value: Expected >=0 but received -1'
		],
		[
			'too much engaged time',
			{ engagedMs: LIMITS.heartbeatMs + 1 },
			'engagedMs: must be at most 120000'
		],
		[
			'a scroll depth over 100',
			{ scroll: 101 },
			'scroll: Invalid value: Expected <=100 but received 101'
		],
		[
			'a scroll start that is not a whole percentage',
			{ scrollFrom: 12.5 },
			'scrollFrom: Invalid safe integer: Received 12.5'
		]
	])('refuses a heartbeat with %s', (_, extra, reason) => {
		const [, , heartbeat] = oneOfEach();
		expect(reasonFor({ ...heartbeat, ...extra })).toBe(reason);
	});

	test.each([
		['a negative since', { since: -1 }, 'since: Invalid value: Expected >=0 but received -1'],
		['a fractional since', { since: 0.5 }, 'since: Invalid safe integer: Received 0.5'],
		[
			'a since over 30 days',
			{ since: LIMITS.pastMs + 1 },
			'since: must be at most 2592000000 (30 days)'
		]
	])('refuses a milestone with %s', (_, extra, reason) => {
		const milestone = oneOfEach().find((doc) => doc.type === 'milestone')!;
		expect(reasonFor({ ...milestone, ...extra })).toBe(reason);
	});

	test('takes since on heartbeats and milestones only', () => {
		for (const doc of oneOfEach()) {
			if (doc.type === 'milestone' || doc.type === 'heartbeat') {
				expect(checkRecord({ ...doc, since: 10 }, NOW)).toMatchObject({ ok: true });
			} else expect(reasonFor({ ...doc, since: 10 })).toBe('since: is not a known field');
		}
	});

	test.each([
		['(direct)', '/', '/'],
		['news.ycombinator.com', '/pricing', '/pricing'],
		['xn--bcher-kva.example', '/blog/2026/été', '/blog/2026/%C3%A9t%C3%A9'],
		['192.168.0.1', '/a b', '/a%20b']
	])(
		'accepts the source %j and landing page %j on every record type (stored as %j)',
		(src, land, stored) => {
			for (const doc of oneOfEach()) {
				const checked = checkRecord({ ...doc, src, land }, NOW);
				expect(checked).toEqual({ ok: true, record: { ...doc, src, land: stored } });
			}
		}
	);

	test('accepts records without a source or landing page, as made before they existed', () => {
		for (const doc of oneOfEach()) {
			const { src, land, ...older } = doc;
			expect([src, land]).toEqual(['news.example', '/']);
			expect(checkRecord(older, NOW).ok).toBe(true);
		}
	});

	const source =
		'must be (direct) or a lowercase source name: a host without port, or the utm_source of a tagged link';
	test.each([
		['a number', 42, 'src: Invalid type: Expected string but received 42'],
		['an empty string', '', `src: ${source}`],
		['an uppercase host', 'News.example', `src: ${source}`],
		['a host with a port', 'news.example:8080', `src: ${source}`],
		['a URL', 'https://news.example/', `src: ${source}`],
		['a host with a space', 'news example', `src: ${source}`],
		['markup', '<b>x</b>', `src: ${source}`],
		['an overlong host', 'a'.repeat(LIMITS.source + 1), 'src: must be at most 253 characters']
	])('refuses a source that is %s', (_, src, reason) => {
		expect(reasonFor(pageview(NOW, { src }))).toBe(reason);
	});

	test.each([
		['a number', 1, 'land: Invalid type: Expected string but received 1'],
		[
			'a full URL',
			'https://blog.example/',
			'land: must be a path starting with / without query or fragment (but a #/ route)'
		],
		[
			'a path with a query',
			'/a?b=1',
			'land: must be a path starting with / without query or fragment (but a #/ route)'
		],
		['an overlong path', '/' + 'x'.repeat(LIMITS.path), 'land: must be at most 512 characters']
	])('refuses a landing page that is %s', (_, land, reason) => {
		expect(reasonFor(pageview(NOW, { land }))).toBe(reason);
	});

	test('checks the revision against the id after the schema passes', () => {
		const id = uuidv7(NOW);
		const other = uuidv7(NOW);
		expect(reasonFor(pageview(NOW, { _id: id, _rev: revisionFor(other) }))).toBe(
			'_rev must be the revision derived from _id'
		);
	});
});
