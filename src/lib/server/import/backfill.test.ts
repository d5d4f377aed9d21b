import { describe, expect, test } from 'vitest';
import { validateRecord } from '../../../../couchdb/events/validate.js';
import { ID_PATTERN, REV_PATTERN, revisionFor, type StoredRecord } from '../../records';
import {
	Classifier,
	EARLIEST_TS,
	LineParser,
	canonicalJson,
	cutsText,
	latestImportTime,
	parseCsvLine,
	readTimestamp,
	uuidv7From,
	type ClassifiedLine
} from './backfill';
import { hasNoControl } from '../../text';

interface Options {
	milestones?: boolean;
	tz?: string;
	latest?: number;
	/** The site's host names (`ClassifierOptions.hostsOf`); default none given. */
	hosts?: string[];
}

function classifyLines(lines: string[], options: Options = {}): ClassifiedLine[] {
	const parser = new LineParser();
	const classifier = new Classifier({
		defaultSite: 'demo',
		timeZoneOf: () => options.tz ?? 'UTC',
		milestones: options.milestones,
		receivedAt: 1,
		latest: options.latest,
		...(options.hosts && { hostsOf: () => options.hosts! })
	});
	return lines.flatMap((line, i) => {
		const row = parser.parse(line, i + 1);
		return row ? [classifier.classifyLine(row, i + 1)] : [];
	});
}

function classifyAll(lines: string[], options: Options = {}) {
	return classifyLines(lines, options).flatMap((l) => l.records);
}

/** Records as plain field maps, to read fields of any record type. */
const fields = (records: StoredRecord[]) => records as unknown as Record<string, unknown>[];

const pick = (r: Record<string, unknown>) =>
	[r.type, r.path, r.entry, r.firstOfDay, r.firstEver, r.from, r.milestone].filter(
		(x) => x !== undefined
	);

describe('backfill', () => {
	test('counts the values its records keep cut, by field, only where a record keeps them (probe46a F9)', () => {
		const long = 'x'.repeat(600);
		const lines = classifyLines(
			[
				'timestamp,path,visitor_id,title,referrer',
				// An entry: its path (the query's utm_source too), title and referrer cut.
				`2026-11-01T10:00:00Z,/${long}?utm_source=${'s'.repeat(130)},v1,${long},https://r.example/${long}`,
				// No entry: its referrer is kept by no record, its title is.
				`2026-11-01T10:01:00Z,/b,v1,${long},https://r.example/${long}`,
				// The same page again within 30 minutes: no pageview, nothing kept but heartbeats' path.
				`2026-11-01T10:02:00Z,/b,v1,${long},`
			],
			{ milestones: false }
		);
		expect(lines.map((l) => l.cut)).toEqual([
			{ path: 1, utm: 1, title: 1, referrer: 1 },
			{ title: 1 },
			undefined
		]);
		expect(cutsText(lines[0].cut!)).toBe(
			'paths cut to 512 characters: 1; titles cut to 256 characters: 1; referrers cut to 512 characters: 1; UTM values cut to 128 characters: 1'
		);
		expect(cutsText({})).toBe('');
	});

	test('keeps a language tag as the ingest does: extensions cut, one it would refuse left out', () => {
		const records = classifyAll(
			[
				'timestamp,path,visitor_id,lang',
				'2026-11-01T10:00:00Z,/a,alice,sr-Latn-RS-u-nu-latn',
				'2026-11-01T10:01:00Z,/b,alice,english please',
				'2026-11-01T10:02:00Z,/c,alice,en-GB'
			],
			{ milestones: false }
		);
		expect(fields(records).map((r) => r.lang)).toEqual(['sr-Latn-RS', undefined, 'en-GB']);
	});

	test('classifies a visit like the tracker would: entry, first of day, first ever, from', () => {
		const records = classifyAll(
			[
				'timestamp,path,visitor_id,referrer',
				'2026-11-01T10:00:00Z,/,alice,https://google.com/',
				'2026-11-01T10:05:00Z,/docs,alice,',
				// 40 minutes later: a new session, same day
				'2026-11-01T10:45:00Z,/,alice,',
				// the next day
				'2026-11-02T09:00:00Z,/,alice,'
			],
			{ milestones: false }
		);
		expect(records.map((r) => pick(r as never))).toEqual([
			// Every pageview of Alice's first day is a new visitor's; the next day's is not.
			['pageview', '/', true, true, true],
			['pageview', '/docs', false, false, true, '/'],
			['pageview', '/', true, false, true],
			['pageview', '/', true, true, false]
		]);
		expect(records[0]).toMatchObject({
			ref: 'https://google.com/',
			site: 'demo',
			v: 1,
			receivedAt: 1
		});
		expect(new Set(records.map((r) => r.sid)).size).toBe(3);
		expect(new Set(records.map((r) => r.vid)).size).toBe(1);
	});

	test('marks the first pageview of each path in the visitor’s day, for page visitors', () => {
		const records = classifyAll(
			[
				'timestamp,path,visitor_id',
				'2026-11-01T10:00:00Z,/,alice',
				'2026-11-01T10:05:00Z,/docs,alice',
				// 31 minutes after its first view, same session: recorded again, not a first.
				'2026-11-01T10:31:00Z,/,alice',
				'2026-11-01T18:00:00Z,/docs,alice',
				'2026-11-02T09:00:00Z,/docs,alice'
			],
			{ milestones: false }
		);
		expect(
			records.map((r) => [r.path, (r as { pathFirstOfDay?: boolean }).pathFirstOfDay])
		).toEqual([
			['/', true],
			['/docs', true],
			['/', false],
			['/docs', false],
			['/docs', true]
		]);
	});

	test('counts no pageview of a path its session recorded within the last 30 minutes (a return from another page is a revisit, a reload nothing), as the tracker does', () => {
		const records = classifyAll([
			'timestamp,path,visitor_id',
			'2026-11-01T10:00:00Z,/,alice',
			'2026-11-01T10:10:00Z,/,alice',
			'2026-11-01T10:20:00Z,/docs,alice',
			'2026-11-01T10:29:59Z,/,alice',
			// 30 minutes after / was recorded: recorded again.
			'2026-11-01T10:30:00Z,/,alice',
			'2026-11-01T10:45:00Z,/docs,alice',
			// A reload is no second pageview, so this session stays a bounce.
			'2026-11-01T10:00:00Z,/,bob',
			'2026-11-01T10:05:00Z,/,bob',
			// A pageview left out is still activity: the session is still open 25 minutes later.
			'2026-11-01T10:30:00Z,/pricing,bob'
		]);
		const alice = records[0].vid;
		const bob = records.at(-1)!.vid;
		const kind = (r: Record<string, unknown>) =>
			(r.milestone as string) ?? (r.revisit ? 'revisit' : (r.type as string));
		expect(fields(records).map((r) => [r.vid, r.path, kind(r), r.from])).toEqual([
			[alice, '/', 'pageview', undefined],
			[alice, '/docs', 'pageview', '/'],
			[alice, '/docs', 'nonbounce', undefined],
			[alice, '/', 'revisit', '/docs'],
			[alice, '/', 'pageview', '/'],
			[alice, '/docs', 'revisit', '/'],
			[bob, '/', 'pageview', undefined],
			[bob, '/pricing', 'pageview', '/'],
			[bob, '/pricing', 'nonbounce', undefined]
		]);
		expect(new Set(records.map((r) => r.sid)).size).toBe(2);
	});

	test("keeps a line's host, from its hostname column or its url, as the tracker records one, and a visitor of each host that day", () => {
		const records = classifyAll([
			'timestamp,url,hostname,visitor_id',
			'2026-11-01T10:00:00Z,https://WWW.Example.com:8443/,,alice',
			'2026-11-01T10:01:00Z,/cart,Shop.Example.com,alice',
			'2026-11-01T10:02:00Z,/pay,shop.example.com,alice',
			'2026-11-01T10:03:00Z,/about,,alice'
		]);
		const views = records.filter((r) => r.type === 'pageview');
		expect(
			views.map((r) => [r.path, r.host, (r as { hostFirstOfDay?: boolean }).hostFirstOfDay])
		).toEqual([
			['/', 'www.example.com', true],
			['/cart', 'shop.example.com', true],
			['/pay', 'shop.example.com', false],
			// A path alone names no host.
			['/about', undefined, undefined]
		]);
		// Its heartbeats and milestones carry it too.
		expect(
			records.filter((r) => r.path === '/cart').every((r) => r.host === 'shop.example.com')
		).toBe(true);
		for (const r of records) expect(validateRecord(r, null, null)).toBeUndefined();
		expect(() =>
			classifyAll(['timestamp,path,hostname,visitor_id', '2026-11-01T10:00:00Z,/,a b,alice'])
		).toThrow(/^line 2: hostname must be a host name \(got "a b"\)$/);
	});

	test("refuses a line of a host its site does not list, saying why, before it counts in its visitor's day", () => {
		const made = classifyLines(
			[
				'timestamp,path,hostname,visitor_id',
				'2026-11-01T10:00:00Z,/,staging.example.com,alice',
				'2026-11-01T10:01:00Z,/,other.example.org,alice',
				'2026-11-01T10:02:00Z,/,shop.example.com,alice'
			],
			{ hosts: ['www.example.com', '*.example.com', '!staging.example.com'] }
		);
		expect(made.map((m) => m.refused)).toEqual([
			'site "demo" keeps the host staging.example.com out (an entry with ! in its host names)',
			'site "demo" does not list the host other.example.org: add it to its host names in the site\'s settings',
			undefined
		]);
		expect(made.map((m) => m.records.length > 0)).toEqual([false, false, true]);
		// The refused lines counted nowhere: the listed host's page is the visitor's first.
		expect(made[2].records[0]).toMatchObject({ entry: true, firstOfDay: true, firstEver: true });
	});

	test("names a session from one of the site's own hosts (direct), as the tracker and the ingest do", () => {
		const sources = classifyAll(
			[
				'timestamp,path,visitor_id,referrer',
				'2026-11-01T10:00:00Z,/,alice,https://www.example.com/',
				'2026-11-01T10:00:00Z,/,bob,https://example.com/blog',
				'2026-11-01T10:00:00Z,/,carol,https://news.example.org/'
			],
			{ hosts: ['www.example.com', 'shop.example.com'] }
		).map((r) => r.src);
		expect([...new Set(sources)]).toEqual(['(direct)', 'news.example.org']);
	});

	test('decides first of day in the site time zone', () => {
		const records = classifyAll(
			[
				'{"timestamp":"2026-11-01T22:30:00Z","path":"/","visitor_id":"bob"}',
				'{"timestamp":"2026-11-01T23:30:00Z","path":"/","visitor_id":"bob"}'
			],
			{ tz: 'Europe/Paris', milestones: false }
		);
		// 23:30 and 00:30 in Paris: two local days, so both pageviews are first of their day.
		expect(records.map((r) => (r as { firstOfDay: boolean }).firstOfDay)).toEqual([true, true]);
		const utc = classifyAll(
			[
				'{"timestamp":"2026-11-01T22:30:00Z","path":"/","visitor_id":"bob"}',
				'{"timestamp":"2026-11-01T23:30:00Z","path":"/","visitor_id":"bob"}'
			],
			{ tz: 'UTC', milestones: false }
		);
		expect(utc.map((r) => (r as { firstOfDay: boolean }).firstOfDay)).toEqual([true, false]);
	});

	test('uses given session ids, and events and heartbeats join their session', () => {
		const records = classifyAll([
			'{"timestamp":1762000000000,"path":"/a","session_id":"s1","visitor_id":"v1"}',
			'{"timestamp":1762000005000,"type":"heartbeat","path":"/a","session_id":"s1","visitor_id":"v1","engaged_ms":12000}',
			'{"timestamp":1762000006000,"path":"/a","session_id":"s1","visitor_id":"v1","event":"signup","props":{"plan":"pro","n":2}}'
		]);
		expect(records.map((r) => pick(r as never))).toEqual([
			['pageview', '/a', true, true, true],
			['heartbeat', '/a'],
			['milestone', '/a', 'actual'],
			['milestone', '/a', 'nonbounce'],
			// The event's firstOfDay (its firstOfSession is checked below).
			['event', '/a', true],
			['milestone', '/a', 'engaged']
		]);
		expect(records[4]).toMatchObject({
			name: 'signup',
			props: { plan: 'pro', n: 2 },
			firstOfSession: true
		});
		expect(new Set(records.map((r) => r.sid)).size).toBe(1);
	});

	test('imports a session whose first line is no pageview (an export cut mid-session), its milestones without source or landing page', () => {
		const records = classifyAll([
			'{"timestamp":1762000000000,"type":"heartbeat","path":"/c","visitor_id":"v2","engaged_ms":12000}',
			'{"timestamp":1762000001000,"path":"/c","visitor_id":"v2","event":"x"}'
		]);
		expect(fields(records).map((r) => r.milestone ?? r.type)).toEqual([
			...['heartbeat', 'actual', 'nonbounce', 'event', 'engaged']
		]);
		for (const r of fields(records)) expect(['src' in r, 'land' in r]).toEqual([false, false]);
	});

	test("gives each milestone and heartbeat the time since its session's entry pageview, none to a session without one", () => {
		const records = classifyAll([
			'{"timestamp":1762000000000,"path":"/a","session_id":"s1","visitor_id":"v1"}',
			'{"timestamp":1762000015000,"type":"heartbeat","path":"/a","session_id":"s1","visitor_id":"v1","engaged_ms":12000}',
			'{"timestamp":1762000030000,"path":"/b","session_id":"s1","visitor_id":"v1"}',
			// A session whose first line is no pageview has no entry to count from.
			'{"timestamp":1762000000000,"type":"heartbeat","path":"/c","session_id":"s2","visitor_id":"v2","engaged_ms":12000}',
			'{"timestamp":1762000001000,"path":"/c","session_id":"s2","visitor_id":"v2","event":"x"}'
		]);
		expect(
			fields(records)
				.filter((r) => r.type == 'milestone')
				.map((r) => [r.sid == records[0].sid ? 's1' : 's2', r.milestone, r.since])
		).toEqual([
			['s1', 'actual', 15_000],
			['s1', 'nonbounce', 15_000],
			['s1', 'engaged', 30_000],
			['s2', 'actual', undefined],
			['s2', 'nonbounce', undefined],
			['s2', 'engaged', undefined]
		]);
		// Heartbeats too: their engaged time counts where the session began.
		expect(
			fields(records)
				.filter((r) => r.type == 'heartbeat')
				.map((r) => [r.sid == records[0].sid ? 's1' : 's2', r.since])
		).toEqual([
			['s1', 15_000],
			['s2', undefined]
		]);
		for (const r of records) expect(validateRecord(r, null, null)).toBeUndefined();
	});

	test("stamps every record, milestones included, with its session's source and landing page", () => {
		const records = classifyAll([
			'timestamp,path,visitor_id,referrer,event,engaged_ms',
			'2026-11-01T10:00:00Z,/landing,alice,https://www.News.example.com:443/item,,',
			'2026-11-01T10:00:20Z,/landing,alice,,,15000',
			'2026-11-01T10:01:00Z,/pricing,alice,https://other.example/,,',
			'2026-11-01T10:02:00Z,/pricing,alice,,signup,',
			// 40 minutes later: a new session, direct
			'2026-11-01T10:42:00Z,/docs,alice,,,',
			'2026-11-01T10:43:00Z,/docs,alice,,,20000'
		]);
		expect(fields(records).map((r) => r.milestone ?? r.type)).toEqual([
			...['pageview', 'heartbeat', 'actual', 'nonbounce', 'pageview', 'engaged', 'event'],
			...['pageview', 'heartbeat', 'actual', 'nonbounce']
		]);
		expect(fields(records).map((r) => `${r.src} ${r.land}`)).toEqual([
			...Array(7).fill('news.example.com /landing'),
			...Array(4).fill('(direct) /docs')
		]);
	});

	test('takes a line with neither type nor event for a pageview, its engaged_ms as the heartbeats the tracker sends for the page view', () => {
		// An outside probe's GA-derived export: pageviews with engaged_ms and no type
		// column were taken for heartbeats, and 7,770 lines made 0 pageviews, 0 sessions.
		const lines = classifyLines([
			'timestamp,type,path,visitor_id,engaged_ms',
			'2026-11-01T10:00:00Z,,/,ga1,4000',
			// Five minutes engaged: heartbeats of at most 120 s, as the tracker's.
			'2026-11-01T10:01:00Z,,/pricing,ga1,300000',
			'2026-11-01T10:08:00Z,pageview,/docs,ga1,2000',
			'2026-11-01T10:09:00Z,,/docs,ga1,0',
			// A page seen again: no pageview, its engaged time still counts.
			'2026-11-01T10:10:00Z,,/docs,ga1,1500'
		]);
		const records = fields(lines.flatMap((l) => l.records));
		expect(records.map((r) => [r.milestone ?? r.type, r.path, r.engagedMs, r.since])).toEqual([
			['pageview', '/', undefined, undefined],
			['heartbeat', '/', 4000, 0],
			['pageview', '/pricing', undefined, undefined],
			...[120_000, 120_000, 60_000].map((ms) => ['heartbeat', '/pricing', ms, 60_000]),
			['actual', '/pricing', undefined, 60_000],
			['engaged', '/pricing', undefined, 60_000],
			['nonbounce', '/pricing', undefined, 60_000],
			['pageview', '/docs', undefined, undefined],
			['heartbeat', '/docs', 2000, 480_000],
			['heartbeat', '/docs', 1500, 600_000]
		]);
		expect(records.filter((r) => r.entry).length).toBe(1);
		// Each heartbeat its own id; the line's own record is its pageview.
		expect(new Set(records.map((r) => r._id)).size).toBe(records.length);
		expect(lines.map((l) => l.ownId)).toEqual([
			records[0]._id,
			records[2]._id,
			records[9]._id,
			undefined,
			undefined
		]);
		expect(lines.map((l) => l.repeat)).toEqual([undefined, undefined, undefined, true, true]);
		for (const r of records) expect(validateRecord(r, null, null)).toBeUndefined();
	});

	test("gives an event and a heartbeat without browser, OS or device its session's, from its pageview lines, never overriding its own", () => {
		// The ingest gives every record of a visit its request's families; an outside probe's
		// imported events all read "(unknown)" under an event filter.
		const records = fields(
			classifyAll(
				[
					'timestamp,type,path,visitor_id,event,engaged_ms,browser,os,device',
					'2026-11-01T10:00:00Z,,/,t1,,,Firefox,Linux,desktop',
					'2026-11-01T10:00:30Z,event,/,t1,signup,,,,',
					'2026-11-01T10:00:40Z,heartbeat,/,t1,,12000,,,',
					'2026-11-01T10:00:50Z,event,/,t1,play,,Chrome,,phone',
					// An event before its session's first pageview has none to take.
					'2026-11-01T10:00:00Z,event,/,t2,signup,,,,',
					'2026-11-01T10:00:10Z,,/,t2,,,Safari,iOS,mobile',
					// The visitor's next session takes its own pageviews'.
					'2026-11-01T10:45:00Z,,/x,t1,,,Edge,Windows,desktop',
					'2026-11-01T10:45:10Z,event,/x,t1,signup,,,,'
				],
				{ milestones: false }
			)
		);
		expect(records.map((r) => [r.type, r.browser, r.os, r.device])).toEqual([
			['pageview', 'Firefox', 'Linux', 'desktop'],
			['event', 'Firefox', 'Linux', 'desktop'],
			['heartbeat', 'Firefox', 'Linux', 'desktop'],
			// Its own browser kept; "phone" is no device the records know: the session's.
			['event', 'Chrome', 'Linux', 'desktop'],
			['event', undefined, undefined, undefined],
			['pageview', 'Safari', 'iOS', 'mobile'],
			['pageview', 'Edge', 'Windows', 'desktop'],
			['event', 'Edge', 'Windows', 'desktop']
		]);
	});

	test('marks the first event of each name in the session and in the visitor’s day', () => {
		const event = (time: string, name: string) =>
			`{"timestamp":"2026-11-${time}Z","path":"/","visitor_id":"alice","event":"${name}"}`;
		const records = classifyAll(
			[
				event('01T10:00:00', 'signup'),
				event('01T10:01:00', 'signup'),
				event('01T10:02:00', 'play'),
				// A new session the same day.
				event('01T11:00:00', 'signup'),
				// The next day, same session.
				event('02T00:10:00', 'play'),
				event('02T00:11:00', 'signup')
			],
			{ milestones: false }
		);
		expect(fields(records).map((r) => [r.name, r.firstOfSession, r.firstOfDay])).toEqual([
			['signup', true, true],
			['signup', false, false],
			['play', true, true],
			['signup', true, false],
			['play', true, true],
			['signup', true, true]
		]);
	});

	test('counts a pageview as first of day after events of that day in a session crossing midnight', () => {
		const records = classifyAll(
			[
				'{"timestamp":"2026-11-01T23:50:00Z","path":"/","visitor_id":"bob"}',
				'{"timestamp":"2026-11-02T00:05:00Z","path":"/","visitor_id":"bob","event":"signup"}',
				'{"timestamp":"2026-11-02T00:10:00Z","path":"/next","visitor_id":"bob"}',
				'{"timestamp":"2026-11-02T00:15:00Z","path":"/last","visitor_id":"bob"}'
			],
			{ milestones: false }
		);
		expect(fields(records).map((r) => [r.type, r.firstOfDay])).toEqual([
			['pageview', true],
			['event', true],
			['pageview', true],
			['pageview', false]
		]);
	});

	test.each([
		['https://www.Example.com/x', 'example.com', 'https://www.Example.com/x'],
		['http://news.example:8080/a', 'news.example', 'http://news.example:8080/a'],
		['google.com', '(direct)', 'google.com'],
		// Kept as the tracker keeps a referrer: no query, fragment or userinfo.
		[
			'https://u:p@mail.example.net/inbox?u=dave%40example.com#m',
			'mail.example.net',
			'https://mail.example.net/inbox'
		],
		['https://bad host/', '(direct)', undefined],
		[undefined, '(direct)', undefined]
	])('takes the source of the referrer %j as %j, keeping the referrer %j', (referrer, src, ref) => {
		const [record] = fields(
			classifyAll(
				[
					JSON.stringify({
						timestamp: '2026-11-01T10:00:00Z',
						path: '/',
						visitor_id: 'a',
						referrer
					})
				],
				{ milestones: false }
			)
		);
		expect([record.src, record.ref]).toEqual([src, ref]);
	});

	test.each([
		[{ utm_source: 'Newsletter' }, 'newsletter'],
		[{ path: '/?utm_source=Newsletter', referrer: 'https://l.facebook.com/l.php' }, 'newsletter'],
		[{ referrer: 'https://l.facebook.com/l.php' }, 'facebook.com']
	])('takes the source of a line %j as %j: its utm_source, else its referrer', (line, src) => {
		// As the tracker does (records.ts sourceOf): an outside review found a newsletter's
		// visitors, tagged and without a referrer, counted as (direct).
		const [record] = fields(
			classifyAll(
				[
					JSON.stringify({ timestamp: '2026-11-01T10:00:00Z', path: '/', visitor_id: 'a', ...line })
				],
				{ milestones: false }
			)
		);
		expect(record.src).toBe(src);
	});

	test('makes valid, deterministic UUIDv7 ids whose time bits are the event time', () => {
		const lines = ['{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"alice"}'];
		const [a] = classifyAll(lines);
		const [b] = classifyAll(lines);
		expect(a._id).toBe(b._id);
		expect(a._id).toMatch(ID_PATTERN);
		expect(a.sid).toMatch(ID_PATTERN);
		expect(a._rev).toBe(revisionFor(a._id));
		expect(a._rev).toMatch(REV_PATTERN);
		expect(parseInt(a._id.replaceAll('-', '').slice(0, 12), 16)).toBe(
			Date.parse('2026-11-01T10:00:00Z')
		);
		expect(a.vid).toMatch(/^[0-9A-Za-z_-]{16,64}$/);
	});

	test('derives the ids of this scheme, and names the ids earlier versions derived, so a re-run of a file imported then stores nothing twice', () => {
		const lines = classifyLines([
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"alice","referrer":"https://news.example/"}',
			'{"timestamp":"2026-11-01T10:00:20Z","path":"/","visitor_id":"alice","engaged_ms":15000}'
		]);
		const records = lines.flatMap((l) => l.records);
		expect(fields(records).map((r) => [r.milestone ?? r.type, r._id])).toEqual([
			['pageview', '01a1968d-3900-77db-8490-7f443684f0d3'],
			['heartbeat', '01a1968d-8720-7d4f-8d7a-a8c784245bd4'],
			['actual', '01a1968d-8720-7a12-8c79-37c7e6645434'],
			['nonbounce', '01a1968d-8720-70ea-8647-f36110191e37']
		]);
		// The second line is a reload of / (no pageview) with 15 s engaged: its heartbeat has
		// the id the importer gave it when it took the line for a heartbeat.
		expect(lines.map((l) => [l.ownId, l.repeat])).toEqual([
			[records[0]._id, undefined],
			[undefined, true]
		]);
		// Ids the importer gave these lines before they came from the lines' meaning, and
		// the records they stand for now.
		expect(lines.map((l) => l.legacy)).toEqual([
			{ id: '01a1968d-3900-7e40-8859-60c3d6a9178e', of: records[0]._id },
			{ id: '01a1968d-8720-7272-a58f-889029aac6c8', of: records[1]._id }
		]);
		expect([records[0].sid, records[0].vid]).toEqual([
			'01a1968d-3900-747c-a7c8-6c85094b3efd',
			'imp5430c5565f441b866ebb9'
		]);
		expect([uuidv7From(0, 'a'), uuidv7From(2 ** 48 + 5, 'b')]).toEqual([
			'00000000-0000-7ca9-b811-2ca1bbdcafac',
			'00000000-0005-73e2-be81-60039594a338'
		]);
	});

	test('gives the same history the same ids in any form: key order, CSV or NDJSON, props as text or object, ISO or epoch, url or path', () => {
		const ndjson = [
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/a","visitor_id":"o1"}',
			'{"timestamp":"2026-11-01T10:01:00Z","path":"/b","visitor_id":"o1","event":"signup","props":{"plan":"pro","n":2}}',
			'{"timestamp":"2026-11-01T10:01:30Z","path":"/b","visitor_id":"o1","engaged_ms":15000}'
		];
		const reordered = [
			'{"visitor_id":"o1","path":"/a","timestamp":1793527200000}',
			'{"props":"{\\"n\\":2,\\"plan\\":\\"pro\\"}","event":"signup","visitor_id":"o1","url":"https://x.org/b?q=1","timestamp":"2026-11-01T11:01:00+01:00"}',
			'{"engaged_ms":"15000","visitor_id":" o1 ","timestamp":1793527290,"path":"/b"}'
		];
		const csv = [
			'visitor_id,timestamp,url,event,props,engaged_ms,title',
			'o1,2026-11-01T10:00:00.000Z,/a,,,,Home',
			'o1,2026-11-01T10:01:00Z,/b,signup,"{""plan"":""pro"",""n"":2}",,',
			'o1,2026-11-01T10:01:30Z,/b,,,15000,'
		];
		const ids = (lines: string[]) => classifyAll(lines).map((r) => r._id);
		// A pageview, the event, /b's pageview and its heartbeat, three milestones.
		expect(ids(ndjson)).toHaveLength(7);
		expect(ids(reordered)).toEqual(ids(ndjson));
		expect(ids(csv)).toEqual(ids(ndjson));
		// What the line means does change it.
		const other = ndjson.map((l) => l.replace('"pro"', '"free"'));
		expect(ids(other)[1]).not.toBe(ids(ndjson)[1]);
		expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: undefined } })).toBe(
			'{"a":{"d":[1,{"e":2,"f":1}]},"b":1}'
		);
	});

	test('gives identical lines different ids, so true repeats are all kept', () => {
		const line =
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"alice","event":"click"}';
		const records = classifyAll([line, line], { milestones: false });
		expect(records[0]._id).not.toBe(records[1]._id);
	});

	test('takes a path as a browser URL holds it, as the tracker records it', () => {
		const records = classifyAll([
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/café?x=1","visitor_id":"a"}',
			'{"timestamp":"2026-11-01T10:01:00Z","path":"/caf%C3%A9","visitor_id":"b"}',
			'{"timestamp":"2026-11-01T10:02:00Z","url":"https://x.org/café","visitor_id":"c"}'
		]);
		expect(records.filter((r) => r.type === 'pageview').map((r) => r.path)).toEqual([
			'/caf%C3%A9',
			'/caf%C3%A9',
			'/caf%C3%A9'
		]);
	});

	test('takes the UTM parameters of a path column’s query too, as of a url', () => {
		// An outside re-check: a path column's query was dropped without a note.
		const [record] = classifyAll([
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/p?utm_source=nl&utm_campaign=launch#x","visitor_id":"a"}'
		]);
		expect(record).toMatchObject({ path: '/p', utm: { source: 'nl', campaign: 'launch' } });
	});

	test('cleans the text of a line as the tracker and the ingest do: a control character is a space, in campaigns, the source, titles, event names, props, browser and OS', () => {
		// The ingest refused such text, the importer stored it (an outside probe).
		const lines = [
			{
				timestamp: '2026-11-01T10:00:00Z',
				url: 'https://x.org/p?utm_source=x%01y&utm_campaign=%01spring',
				title: 'Sign\u0007up',
				utm_medium: 'e\u0000mail',
				browser: 'Fire\u0007fox',
				os: '\u0001Linux',
				visitor_id: 'a'
			},
			{
				timestamp: '2026-11-01T10:00:05Z',
				path: '/p',
				event: 'e\u0007vt',
				props: { k: 'v\u0000w', 'a\u001fb': 1, nul: '\u0000' },
				visitor_id: 'a'
			},
			{
				timestamp: '2026-11-01T11:00:00Z',
				path: '/q',
				referrer: 'https://news\u0001.example/',
				visitor_id: 'a'
			}
		].map((line) => JSON.stringify(line));
		const records = fields(classifyAll(lines, { milestones: false }));
		expect(records.map((r) => [r.type, r.src, r.title, r.utm, r.name, r.props, r.ref])).toEqual(
			[
				['pageview', 'x-y', 'Sign up', { source: 'x y', medium: 'e mail', campaign: 'spring' }],
				['event', 'x-y', undefined, undefined, 'e vt', { k: 'v w', 'a b': 1 }],
				['pageview', '(direct)', undefined, undefined, undefined, undefined, undefined]
			].map((row) => [...row, ...Array(7 - row.length).fill(undefined)])
		);
		expect([records[0].browser, records[0].os]).toEqual(['Fire fox', 'Linux']);
		const texts: string[] = [];
		JSON.stringify(
			records,
			(key, value) => (texts.push(key), typeof value == 'string' && texts.push(value), value)
		);
		expect(texts.filter((text) => !hasNoControl(text))).toEqual([]);
	});

	test('gives a line whose text it now cleans the id an earlier version gave it, so a re-run of a file imported then stores nothing twice', () => {
		const [line] = classifyLines([
			JSON.stringify({
				timestamp: '2026-11-01T10:00:00Z',
				path: '/',
				visitor_id: 'alice',
				event: ' Sign  up\u0007',
				props: { plan: ' pro ', 'k\u0001': 'a\u0001b', n: 1 }
			})
		]);
		// The id the version before stored this line under (with its text as given).
		expect(line.ownId).toBe('01a1968d-3900-7712-97f5-43fd6fc0bcb8');
		expect(line.records[0]).toMatchObject({
			name: 'Sign up',
			props: { plan: 'pro', k: 'a b', n: 1 }
		});
	});

	test('takes the path and UTM parameters from a full url', () => {
		const [record] = classifyAll([
			'{"timestamp":"2026-11-01T10:00:00Z","url":"https://x.org/p?utm_source=nl&utm_medium=email#top","visitor_id":"a"}'
		]);
		expect(record).toMatchObject({ path: '/p', utm: { source: 'nl', medium: 'email' } });
	});

	test('takes the path and UTM parameters from a url column holding a path, as other exports give it', () => {
		const records = classifyAll(
			[
				'timestamp,url,visitor_id',
				'2026-11-01T10:00:00Z,/?utm_source=nl&utm_campaign=nov,a',
				'2026-11-01T10:02:00Z,/about.html#team,a'
			],
			{ milestones: false }
		);
		expect(records.map((r) => [r.path, (r as { utm?: object }).utm])).toEqual([
			['/', { source: 'nl', campaign: 'nov' }],
			['/about.html', undefined]
		]);
	});

	test('reads a timestamp in epoch seconds as the README says', () => {
		const [record] = classifyAll(['{"timestamp":1762000000,"path":"/","visitor_id":"a"}']);
		expect(record.ts).toBe(1762000000000);
	});

	test.each([
		[
			'{"path":"/","visitor_id":"a"}',
			'line 1: needs a timestamp: ISO 8601 with an offset (2026-11-21T14:05:00Z) or epoch seconds or milliseconds'
		],
		[
			'{"timestamp":"yesterday","path":"/","visitor_id":"a"}',
			'line 1: timestamp must be ISO 8601 with an offset (2026-11-21T14:05:00Z) or epoch seconds or milliseconds (got "yesterday")'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"x","visitor_id":"a"}',
			'line 1: path must start with / (got "x")'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","url":"about.html","visitor_id":"a"}',
			'line 1: url must be a full URL (https://example.com/page) or a path starting with / (got "about.html")'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","url":"mailto:a@example.com","visitor_id":"a"}',
			'line 1: url must be a full URL (https://example.com/page) or a path starting with / (got "mailto:a@example.com")'
		],
		[
			`{"timestamp":"2026-11-01T10:00:00Z","path":"${'x'.repeat(100)}","visitor_id":"a"}`,
			`line 1: path must start with / (got "${'x'.repeat(59)}…)`
		],
		['{"timestamp":"2026-11-01T10:00:00Z","visitor_id":"a"}', 'line 1: needs a path or a url'],
		['timestamp,visitor_id', 'line 1: the CSV header must name a path or a url column'],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/"}',
			'line 1: needs a visitor_id or a session_id'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","type":"heartbeat","path":"/","visitor_id":"a","engaged_ms":500000}',
			'line 1: engaged_ms must be a whole number from 0 to 120000 (got 500000)'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","engaged_ms":3600001}',
			'line 1: engaged_ms on a pageview line must be a whole number from 0 to 3600000 (got 3600001)'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","type":"pageview","path":"/","visitor_id":"a","engaged_ms":"1.5s"}',
			'line 1: engaged_ms on a pageview line must be a whole number from 0 to 3600000 (got "1.5s")'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","type":"dropped"}',
			'line 1: type must be pageview, event or heartbeat (got "dropped")'
		],
		['[1,2]', 'line 1: is not a JSON object (NDJSON: one object per line)'],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","event":"x","props":{"__proto__":"y"}}',
			'line 1: props.__proto__ is a reserved prop name'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","event":"x","props":"{\\"constructor\\":1}"}',
			'line 1: props.constructor is a reserved prop name'
		]
	])('refuses %s: %s', (line, message) => {
		expect(() => classifyAll([line])).toThrow(expect.objectContaining({ message }));
	});

	test.each([
		[
			'1969-12-31T00:00:00Z',
			'before 1970-01-01T00:00:00.000Z, the earliest time couchstats stores (got "1969-12-31T00:00:00Z")'
		],
		[
			'0001-01-01T00:00:00Z',
			'before 1970-01-01T00:00:00.000Z, the earliest time couchstats stores (got "0001-01-01T00:00:00Z")'
		],
		[
			'2026-11-01T10:05:01Z',
			'in the future: after 2026-11-01T10:05:00.000Z, 5 minutes after the import started (got "2026-11-01T10:05:01Z")'
		],
		[
			'9999-12-31T23:00:00Z',
			'in the future: after 2026-11-01T10:05:00.000Z, 5 minutes after the import started (got "9999-12-31T23:00:00Z")'
		]
	])('refuses the time %s, naming the line: timestamp is %s', (time, problem) => {
		const latest = latestImportTime(Date.parse('2026-11-01T10:00:00Z'));
		const lines = ['timestamp,path,visitor_id', '2026-11-01T09:00:00Z,/ok,a', `${time},/bad,b`];
		expect(() => classifyAll(lines, { latest })).toThrow(
			expect.objectContaining({ message: `line 3: timestamp is ${problem}` })
		);
		// An exported record's time is held to the same bounds.
		const exported = classifyAll([
			'{"timestamp":"2026-11-01T09:00:00Z","path":"/","visitor_id":"a"}'
		])[0];
		const ts = Date.parse(time);
		const line = JSON.stringify({ ...exported, ts, _id: uuidv7From(Math.max(0, ts), 'x') });
		expect(() => classifyAll([line], { latest })).toThrow(/^line 1: timestamp is /);
	});

	test('accepts the bounds themselves: 1970-01-01T00:00:00Z and 5 minutes after the start', () => {
		const latest = latestImportTime(Date.parse('2026-11-01T10:00:00Z'));
		const records = classifyAll(
			[
				'{"timestamp":"1970-01-01T00:00:00Z","path":"/","visitor_id":"a"}',
				'{"timestamp":"2026-11-01T10:05:00Z","path":"/","visitor_id":"b"}'
			],
			{ latest, milestones: false }
		);
		expect(records.map((r) => r.ts)).toEqual([0, latest]);
	});

	test('holds the earliest time to the store’s own rule', () => {
		const [record] = classifyAll([
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a"}'
		]);
		const asStored = (ts: number) => () => validateRecord({ ...record, ts }, null, { roles: [] });
		expect(asStored(EARLIEST_TS)).not.toThrow();
		expect(asStored(EARLIEST_TS - 1)).toThrow();
	});

	test('refuses lines out of time order for one visitor', () => {
		expect(() =>
			classifyAll([
				'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a"}',
				'{"timestamp":"2026-11-01T09:00:00Z","path":"/","visitor_id":"a"}'
			])
		).toThrow(
			'line 2: is earlier than the previous line of the same visitor; sort the file by timestamp'
		);
	});

	test('splits CSV lines with quotes', () => {
		expect(parseCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
	});

	test.each([
		['2026-11-01T10:00:00Z', '2026-11-01T10:00:00.000Z'],
		['2026-11-01t10:00z', '2026-11-01T10:00:00.000Z'],
		['2026-11-01T11:00:00+01:00', '2026-11-01T10:00:00.000Z'],
		['2026-11-01 04:30:00.25-0530', '2026-11-01T10:00:00.250Z'],
		['2026-11-01T12:00:00.123456+02', '2026-11-01T10:00:00.123Z'],
		['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
		[1762000000000, '2025-11-01T12:26:40.000Z'],
		['1762000000', '2025-11-01T12:26:40.000Z']
	])('reads the timestamp %s', (value, expected) => {
		const read = readTimestamp(value);
		expect('ts' in read && new Date(read.ts).toISOString()).toBe(expected);
	});

	// An outside probe imported one file on machines in three zones and got three times;
	// a date alone landed the evening before in New York, and February 29th of a year
	// without one landed on March 1st.
	test.each([
		['2026-11-20T10:00:00', 'has no offset (got "2026-11-20T10:00:00"): add Z for UTC'],
		['2026-11-20 10:00', 'has no offset'],
		['2026-11-20', 'has no time of day (got "2026-11-20"): write 2026-11-20T00:00:00Z'],
		['2026-02-29T10:00:00Z', 'names a day the calendar does not have'],
		['2026-04-31T10:00:00Z', 'names a day the calendar does not have'],
		['2026-11-20T24:00:00Z', 'names a time of day that does not exist'],
		['2026-11-20T10:00:00+25:00', 'names an offset that does not exist'],
		['yesterday', 'must be ISO 8601 with an offset'],
		['2026-11-20T10:00:00 UTC', 'must be ISO 8601 with an offset'],
		[-5, 'must be ISO 8601 with an offset']
	])('refuses the timestamp %s, saying why', (value, fault) => {
		const read = readTimestamp(value);
		expect('fault' in read && read.fault).toContain(fault);
	});

	test('derives UUIDv7 variants and versions from any seed', () => {
		for (const seed of ['a', 'b', 'c', 'd', 'e']) expect(uuidv7From(0, seed)).toMatch(ID_PATTERN);
	});
});
