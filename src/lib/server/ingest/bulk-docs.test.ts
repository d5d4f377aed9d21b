import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import type { DocumentScope } from 'nano';
import { REQUEST_MS, TRANSIT_MS, type StoredRecord } from '$lib/records';
import { checkBatch, skewOf, storeRecords, type BatchContext } from './bulk-docs';
import { describeAgent } from './enrich';
import { NOW, oneOfEach, pageview } from '../../../../tests/support/ingest-records';
import { SiteList } from './site-cache';

const ctx: BatchContext = {
	sites: new SiteList([
		{ id: 'demo', hostnames: ['localhost'], timeZone: 'UTC' },
		{ id: 'blog', hostnames: ['blog.example.com'], timeZone: 'UTC' },
		{
			id: 'office',
			hostnames: ['localhost'],
			timeZone: 'UTC',
			excludedAddresses: ['198.51.100.0/24', '2001:db8::/48']
		}
	]),
	origin: { kind: 'page', origin: 'http://localhost:5173' },
	agent: describeAgent(
		'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36'
	),
	now: NOW,
	address: '203.0.113.7'
};

function failure(body: unknown): [number, string] {
	try {
		checkBatch(body, ctx);
	} catch (e) {
		if (e instanceof CouchstatsError) return [e.status, e.message];
		throw e;
	}
	throw new Error('expected checkBatch to throw');
}

describe('checkBatch', () => {
	test("drops without an error the records of a site from its excluded addresses, and only that site's", () => {
		const docs = [...oneOfEach(NOW, 'office'), ...oneOfEach(NOW, 'demo')];
		const from = (address: string) => checkBatch({ docs, new_edits: false }, { ...ctx, address });
		const sitesOf = (batch: ReturnType<typeof checkBatch>) => [
			batch.errors.length,
			[...new Set(batch.records.map((r) => r.site))]
		];
		expect(sitesOf(from('198.51.100.23'))).toEqual([0, ['demo']]);
		expect(sitesOf(from('::ffff:198.51.100.23'))).toEqual([0, ['demo']]);
		expect(sitesOf(from('2001:db8::5'))).toEqual([0, ['demo']]);
		expect(sitesOf(from('198.51.101.23'))).toEqual([0, ['office', 'demo']]);
	});

	test('enriches every valid record and counts records per session', () => {
		const docs = oneOfEach();
		const batch = checkBatch({ docs, new_edits: false }, ctx);
		expect(batch.errors).toEqual([]);
		expect(batch.records.map((r) => r._id)).toEqual(docs.map((d) => d._id));
		expect(batch.records.every((r) => r.receivedAt === NOW && r.browser === 'Chrome')).toBe(true);
		expect([...batch.perSession]).toEqual([[docs[0].sid, 5]]);
	});

	test('refuses bad documents one by one and keeps the valid ones of the same request', () => {
		const good = pageview();
		const blog = pageview(NOW, { site: 'blog' });
		const unknown = pageview(NOW, { site: 'nosuchsite' });
		const batch = checkBatch(
			{ docs: [{ _id: '_design/evil' }, good, blog, unknown, 42], new_edits: false },
			ctx
		);
		expect(batch.records.map((r) => r._id)).toEqual([good._id]);
		expect(batch.errors).toEqual([
			{
				id: '_design/evil',
				index: 0,
				error: 'forbidden',
				reason: 'design documents are refused'
			},
			{
				id: blog._id,
				index: 2,
				error: 'forbidden',
				reason:
					'site "blog" does not allow the origin http://localhost:5173: add localhost:5173 to its host names in the site\'s settings'
			},
			{
				id: unknown._id,
				index: 3,
				error: 'forbidden',
				reason: 'site "nosuchsite" is not registered'
			},
			{ id: null, index: 4, error: 'forbidden', reason: 'a document must be a JSON object' }
		]);
		expect([...batch.positions]).toEqual([[good._id, 1]]);
		// What the site's settings show its owner (refused-origins.ts).
		expect([...batch.foreign]).toEqual([
			['blog', new Map([['http://localhost:5173', [blog._id]]])]
		]);
	});

	test("refuses a record whose page host is none of its site's, from a page or a script alike", () => {
		const www = pageview(NOW, { site: 'blog', host: 'blog.example.com' });
		const staging = pageview(NOW, { site: 'blog', host: 'staging.example.com' });
		for (const origin of [
			{ kind: 'page', origin: 'https://blog.example.com' },
			{ kind: 'none' }
		] as const) {
			const batch = checkBatch({ docs: [www, staging], new_edits: false }, { ...ctx, origin });
			expect(batch.records.map((r) => [r._id, r.host])).toEqual([[www._id, 'blog.example.com']]);
			expect(batch.errors).toEqual([
				{
					id: staging._id,
					index: 1,
					error: 'forbidden',
					reason:
						'site "blog" does not list the host staging.example.com: add it to its host names in the site\'s settings'
				}
			]);
			// Shown in the site's settings by its host, as a refused origin is by the origin.
			expect([...batch.foreign]).toEqual([
				['blog', new Map([['staging.example.com', [staging._id]]])]
			]);
		}
	});

	test('refuses the records of a host an entry with ! keeps out of a wildcard, saying so', () => {
		const sites = new SiteList([
			{ id: 'wild', hostnames: ['*.example.com', '!staging.example.com'], timeZone: 'UTC' }
		]);
		const www = pageview(NOW, { site: 'wild', host: 'www.example.com' });
		const staging = pageview(NOW, { site: 'wild', host: 'staging.example.com' });
		const from = (origin: string) =>
			checkBatch(
				{ docs: [www, staging], new_edits: false },
				{ ...ctx, sites, origin: { kind: 'page', origin } }
			);
		expect(from('https://www.example.com').errors).toEqual([
			{
				id: staging._id,
				index: 1,
				error: 'forbidden',
				reason:
					'site "wild" keeps the host staging.example.com out (an entry with ! in its host names)'
			}
		]);
		expect(from('https://staging.example.com').errors.map((e) => e.reason)).toEqual([
			'site "wild" keeps the origin https://staging.example.com out (an entry with ! in its host names)',
			'site "wild" keeps the origin https://staging.example.com out (an entry with ! in its host names)'
		]);
	});

	test("takes the records of a host whose other port alone an entry with ! keeps out (a record's host has no port)", () => {
		const sites = new SiteList([
			{ id: 'wild', hostnames: ['*.example.com', '!*.dev.example.com:8080'], timeZone: 'UTC' }
		]);
		const dev = pageview(NOW, { site: 'wild', host: 'x.dev.example.com' });
		for (const origin of [
			{ kind: 'page', origin: 'https://x.dev.example.com' },
			{ kind: 'none' }
		] as const) {
			const batch = checkBatch({ docs: [dev], new_edits: false }, { ...ctx, sites, origin });
			expect(batch.errors).toEqual([]);
			expect(batch.records.map((r) => r._id)).toEqual([dev._id]);
		}
		const from8080 = checkBatch(
			{ docs: [dev], new_edits: false },
			{ ...ctx, sites, origin: { kind: 'page', origin: 'http://x.dev.example.com:8080' } }
		);
		expect(from8080.errors.map((e) => e.reason)).toEqual([
			'site "wild" keeps the origin http://x.dev.example.com:8080 out (an entry with ! in its host names)'
		]);
		// A default port is the page's port, in the refusal's reason as in the check.
		const https = new SiteList([
			{ id: 'wild', hostnames: ['*.example.com', '!x.dev.example.com:443'], timeZone: 'UTC' }
		]);
		const from443 = checkBatch(
			{ docs: [dev], new_edits: false },
			{ ...ctx, sites: https, origin: { kind: 'page', origin: 'https://x.dev.example.com' } }
		);
		expect(from443.errors.map((e) => e.reason)).toEqual([
			'site "wild" keeps the origin https://x.dev.example.com out (an entry with ! in its host names)'
		]);
	});

	test('names each refused document by its position, those without an id too', () => {
		const first = pageview();
		const last = pageview(NOW, { ts: 1 });
		const batch = checkBatch(
			{ docs: [first, { _id: '_design/y' }, 5, null, { path: '/' }, last], new_edits: false },
			ctx
		);
		expect(batch.records.map((r) => r._id)).toEqual([first._id]);
		expect(batch.errors.map(({ id, index }) => [id, index])).toEqual([
			['_design/y', 1],
			[null, 2],
			[null, 3],
			[null, 4],
			[last._id, 5]
		]);
	});

	test('accepts any registered site from a client that names no origin', () => {
		const blog = pageview(NOW, { site: 'blog' });
		const batch = checkBatch(
			{ docs: [blog], new_edits: false },
			{ ...ctx, origin: { kind: 'none' } }
		);
		expect(batch.records.map((r) => r._id)).toEqual([blog._id]);
	});

	test("a source naming one of the site's own hosts is stored as (direct); others are kept", () => {
		const sites = new SiteList([
			{
				id: 'biz',
				hostnames: ['www.example.test', 'shop.example.test', '*.pay.test'],
				timeZone: 'UTC'
			}
		]);
		const own = { kind: 'page' as const, origin: 'https://shop.example.test' };
		const sources = [
			'example.test',
			'shop.example.test',
			'checkout.pay.test',
			'google.com',
			'test'
		];
		const docs = sources.map((src) => pageview(NOW, { site: 'biz', src }));
		const batch = checkBatch({ docs, new_edits: false }, { ...ctx, sites, origin: own });
		expect(batch.records.map((r) => r.src)).toEqual([
			'(direct)',
			'(direct)',
			'(direct)',
			'google.com',
			'test'
		]);
	});

	test('stores a duplicated id once: the first valid copy wins, without an error', () => {
		const doc = pageview();
		const broken = { ...doc, entry: 'yes' };
		const batch = checkBatch(
			{ docs: [broken, doc, { ...doc, title: 'Second copy' }], new_edits: false },
			ctx
		);
		expect(batch.records).toHaveLength(1);
		expect(batch.records[0]).toMatchObject({ _id: doc._id, title: 'Pricing' });
		expect(batch.errors).toEqual([
			{
				id: doc._id,
				index: 0,
				error: 'forbidden',
				reason: 'entry: Invalid type: Expected boolean but received "yes"'
			}
		]);
		expect([...batch.positions]).toEqual([[doc._id, 1]]);
		expect([...batch.perSession]).toEqual([[doc.sid, 1]]);
	});

	test("moves a local record's time by the request's receive time minus sent, and drops the flag", () => {
		// The browser's clock is 90 s behind the server's, and the request took 0.2 s.
		const sent = NOW - 90_000 - 200;
		const local = pageview(NOW - 90_000 - 5000, { local: true });
		const corrected = pageview(NOW - 3000);
		const batch = checkBatch({ docs: [local, corrected], new_edits: false, sent }, ctx);
		expect(batch.errors).toEqual([]);
		expect(batch.records.map((r) => [r.ts, 'local' in r])).toEqual([
			[NOW - 4800, false],
			[NOW - 3000, false]
		]);
		// A record made so far behind that, uncorrected, it is outside the window.
		const old = pageview(NOW - 31 * 24 * 3600_000, { local: true });
		const skewed = NOW - 31 * 24 * 3600_000;
		expect(checkBatch({ docs: [old], new_edits: false, sent: skewed }, ctx).records).toHaveLength(
			1
		);
		// Without sent, a local record keeps its time.
		expect(checkBatch({ docs: [local], new_edits: false }, ctx).records[0].ts).toBe(local.ts);
		expect(
			checkBatch({ docs: [{ ...local, local: 'yes' }], new_edits: false }, ctx).errors
		).toEqual([
			{ id: local._id, index: 0, error: 'forbidden', reason: 'local: must be true when present' }
		]);
	});

	test("a lag under TRANSIT_MS is the request's time on the way: it moves no local record", () => {
		const local = pageview(NOW - 5000, { local: true });
		for (const lag of [0, 400, TRANSIT_MS - 1, -(TRANSIT_MS - 1)]) {
			const batch = checkBatch({ docs: [local], new_edits: false, sent: NOW - lag }, ctx);
			expect(batch.records.map((r) => [r.ts, 'local' in r])).toEqual([[NOW - 5000, false]]);
		}
		const moved = checkBatch({ docs: [local], new_edits: false, sent: NOW - TRANSIT_MS }, ctx);
		expect(moved.records[0].ts).toBe(NOW - 5000 + TRANSIT_MS);
	});

	test("the clock probe's offset, when the request carries it, moves local records instead of the lag", () => {
		const local = pageview(NOW - 5000, { local: true });
		const at = (body: object, doc = local) =>
			checkBatch({ docs: [doc], new_edits: false, ...body }, ctx).records.map((r) => r.ts);
		// A slow request (3 s on the way) from a browser whose clock is right: not moved.
		expect(at({ sent: NOW - 3000, offset: 40 })).toEqual([NOW - 5000]);
		// A clock a minute behind (the record, 5 s old, reads 65 s ago): moved by the
		// probe's measure, not by this request's 3 s trip.
		const behind = pageview(NOW - 65_000, { local: true });
		expect(at({ sent: NOW - 63_000, offset: 60_000 }, behind)).toEqual([NOW - 5000]);
		expect(at({ offset: -TRANSIT_MS })).toEqual([NOW - 5000 - TRANSIT_MS]);
		expect(at({ offset: TRANSIT_MS - 1 })).toEqual([NOW - 5000]);
		// A record that is not local is never moved.
		const made = pageview(NOW - 5000);
		expect(checkBatch({ docs: [made], new_edits: false, offset: 60_000 }, ctx).records[0].ts).toBe(
			NOW - 5000
		);
		expect(() => checkBatch({ docs: [], new_edits: false, offset: 1.5 }, ctx)).toThrow(
			'offset must be whole milliseconds'
		);
	});

	test('an offset its request contradicts by REQUEST_MS or more is stale: the lag moves local records', () => {
		const at = (body: object, doc: object) =>
			checkBatch({ docs: [doc], new_edits: false, ...body }, ctx).records.map((r) => r.ts);
		// The browser learnt its clock was an hour behind; the clock was then corrected
		// and the visitor came back: records on the right clock, the offset an hour stale.
		const right = pageview(NOW - 5000, { local: true });
		expect(at({ sent: NOW - 300, offset: 3600_000 }, right)).toEqual([NOW - 5000]);
		// Ten minutes ahead now, the probe still saying the clock is right: moved by the lag,
		// its 300 ms on the way included.
		const ahead = pageview(NOW + 600_000 - 5000, { local: true });
		expect(at({ sent: NOW + 600_000 - 300, offset: 0 }, ahead)).toEqual([NOW - 4700]);
		// A request that took up to REQUEST_MS on its way still trusts the offset.
		const slow = pageview(NOW - 60_000 - 5000, { local: true });
		const trip = REQUEST_MS - 1;
		expect(at({ sent: NOW - 60_000 - trip, offset: 60_000 }, slow)).toEqual([NOW - 5000]);
		expect(at({ sent: NOW - 60_000 - REQUEST_MS, offset: 60_000 }, slow)).toEqual([
			NOW - 5000 + REQUEST_MS
		]);
	});

	test.each([
		['no sent, no offset', undefined, undefined, 0],
		['a lag under TRANSIT_MS', 1999, undefined, 0],
		['a lag of TRANSIT_MS', 2000, undefined, 2000],
		['an offset the lag confirms', 60_250, 60_000, 60_000],
		['an offset without sent', undefined, -4000, -4000],
		['a small offset the lag confirms', 1500, 1200, 0],
		['an offset the lag contradicts', 250, 3600_000, 0],
		['an offset the lag contradicts, far off', -3600_000, 0, -3600_000]
	])('skewOf: %s', (_, lag, offset, skew) => {
		expect(skewOf(NOW, lag === undefined ? undefined : NOW - lag, offset)).toBe(skew);
	});

	test.each([
		['an array body', [], [400, 'the body must be {"docs": [...], "new_edits": false}']],
		['docs that are not an array', { docs: {}, new_edits: false }, [400, 'docs must be an array']],
		[
			'new_edits left out',
			{ docs: [] },
			[400, 'the body must be {"docs": [...], "new_edits": false}']
		],
		[
			'new_edits true',
			{ docs: [], new_edits: true },
			[400, 'new_edits must be false: records keep their own revision']
		],
		[
			'all_or_nothing',
			{ docs: [], new_edits: false, all_or_nothing: true },
			[400, 'all_or_nothing is not accepted; send only docs, new_edits, sent and offset']
		],
		[
			'a sent that is not whole milliseconds',
			{ docs: [], new_edits: false, sent: '12' },
			[400, 'Invalid type: Expected number but received "12"']
		],
		[
			'501 documents',
			{ docs: Array(501).fill({}), new_edits: false },
			[413, '501 documents in one request; the limit is 500']
		]
	])('refuses the whole request for %s', (_, body, expected) => {
		expect(failure(body)).toEqual(expected);
	});
});

describe('storeRecords', () => {
	test('names a document the store refused by its position in the request', async () => {
		const [kept, refused] = [pageview(), pageview()];
		const batch = checkBatch({ docs: [42, kept, kept, refused], new_edits: false }, ctx);
		const events = {
			bulk: async () => [{ id: refused._id, error: 'forbidden', reason: 'no' }]
		} as unknown as DocumentScope<StoredRecord>;
		expect(await storeRecords(events, batch)).toEqual([
			{ id: refused._id, index: 3, error: 'forbidden', reason: 'no' }
		]);
	});
});
