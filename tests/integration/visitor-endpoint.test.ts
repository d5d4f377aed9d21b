/**
 * The visitor endpoint against the real embedded server (with the deployed
 * `_design/visitor` and `validate_doc_update`), called in-process so limits are
 * controlled: a visitor reads exactly their records on one site, page by page, and
 * erases them, so every stats number drops by exactly those records; nobody reads or
 * erases another visitor's or another site's records, a malformed request is refused
 * with a message, requests are rate-limited per address, and design documents are
 * never returned or deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import type { StoredRecord } from '../../src/lib/records';
import type { Couch } from '../../src/lib/server/couch';
import { NOW, oneOfEach, pageview, uuidv7 } from '../support/ingest-records';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createVisitorEndpoint, type VisitorDeps } from '../../src/lib/server/visitor';
import { coalescedCompaction, compactEvents } from '../../src/lib/server/import/compaction';
import { readErased, reapplyErasures } from '../../src/lib/server/visitor/erasure-log';
import { indexed, tempDir, useCouch } from './harness';

const BLOG = 'https://blog.example.com';
const SHOP = 'https://shop.example.com';

let couch: Couch;
/** Visitor A's records on the blog (two sessions), A's on the shop, and visitor B's on the blog. */
let a: Record<string, unknown>[];
let aShop: Record<string, unknown>[];
let b: Record<string, unknown>[];
let vidA: string;
let vidB: string;
/** A design document an admin wrote with the fields of A's records. */
const DESIGN = '_design/looks-like-a-record';

/** The compaction every erasure asks for, as the app's; its failures, which no test expects. */
const compactionErrors: unknown[] = [];
const compaction = coalescedCompaction(
	() => compactEvents(couch),
	(e) => compactionErrors.push(e),
	{ gapMs: 0 }
);

function endpoint(deps: Partial<VisitorDeps> = {}) {
	return createVisitorEndpoint({
		couch: () => couch,
		config: { visitor: { burst: 1000, perSecond: 1 }, sitesTtlMs: 0 },
		compaction,
		...deps
	});
}

/** A request from `origin` ('' for none, as curl sends it), from `address`. */
function call(
	visitor: ReturnType<typeof endpoint>,
	body: unknown,
	{ origin = BLOG, address = '203.0.113.7', method = 'POST', type = 'text/plain' } = {}
) {
	const headers: Record<string, string> = { 'content-type': type };
	if (origin) headers.origin = origin;
	return visitor.handle({
		clientAddress: address,
		request: new Request('http://app.test/api/v1/visitor', {
			method,
			headers,
			body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : null
		})
	});
}

/** Records as stored: the ingest adds `receivedAt`, which `validate_doc_update` requires. */
function stored(docs: Record<string, unknown>[]) {
	return docs.map((doc) => ({ ...doc, receivedAt: NOW }));
}

const ids = (docs: { _id?: unknown }[]) => docs.map((d) => String(d._id)).sort();

async function storedIds(): Promise<string[]> {
	const { rows } = await couch.events.list();
	return rows.map((r) => r.id).sort();
}

beforeAll(async () => {
	({ couch } = await useCouch());
	for (const [id, host] of [
		['blog', 'blog.example.com'],
		['shop', 'shop.example.com']
	])
		await couch.sites.insert(
			siteRecord({ id, name: id, hostnames: [host], timeZone: 'UTC' }, [], NOW)
		);
	const first = oneOfEach(NOW, 'blog');
	vidA = String(first[0].vid);
	// A's second session an hour later: a pageview that is not the day's first.
	const second = pageview(NOW + 3600_000, { site: 'blog', vid: vidA, firstOfDay: false });
	a = [...first, second];
	aShop = [
		pageview(NOW, { site: 'shop', vid: vidA }),
		pageview(NOW + 1, { site: 'shop', vid: vidA })
	];
	b = oneOfEach(NOW, 'blog');
	vidB = String(b[0].vid);
	const result = await couch.events.bulk({
		docs: stored([...a, ...aShop, ...b]),
		new_edits: false
	});
	expect(result.filter((r) => 'error' in r)).toEqual([]);
	// Admins may write design documents; no view may hand this one to a visitor.
	await couch.events.insert({
		...stored([pageview(NOW, { site: 'blog', vid: vidA })])[0],
		_id: DESIGN,
		_rev: undefined
	} as never);
});

describe('reading a visitor’s records', () => {
	test('answers exactly the records stored under the id on that site, oldest first, with CORS for the site', async () => {
		const res = await call(endpoint(), { site: 'blog', visitor: vidA, action: 'read' });
		expect(res.status).toBe(200);
		expect(res.headers.get('access-control-allow-origin')).toBe(BLOG);
		expect(res.headers.get('access-control-allow-credentials')).toBeNull();
		expect(res.headers.get('cache-control')).toBe('no-store');
		const body = await res.json();
		expect(body).toMatchObject({ site: 'blog', visitor: vidA, total: a.length });
		expect(body.next).toBeNull();
		expect(ids(body.records)).toEqual(ids(a));
		const times = body.records.map((r: StoredRecord) => r.ts);
		expect(times).toEqual([...times].sort((x, y) => x - y));
		expect(body.records.find((r: StoredRecord) => r.type === 'event')).toMatchObject({
			name: 'signup',
			receivedAt: NOW
		});
	});

	test('pages through the records with next, each once', async () => {
		const visitor = endpoint({ pageSize: 2 });
		const seen: string[] = [];
		let after: string | null | undefined;
		let pages = 0;
		do {
			const res = await call(visitor, { site: 'blog', visitor: vidA, action: 'read', after });
			const body = await res.json();
			expect(body.total).toBe(a.length);
			expect(body.records.length).toBeLessThanOrEqual(2);
			seen.push(...ids(body.records));
			after = body.next;
			pages++;
		} while (after);
		expect(pages).toBe(3);
		expect(seen.sort()).toEqual(ids(a));
	});

	test("never answers another visitor's records, nor the visitor's records on another site", async () => {
		const other = await (
			await call(endpoint(), { site: 'blog', visitor: vidB, action: 'read' })
		).json();
		expect(ids(other.records)).toEqual(ids(b));
		// The shop's page asks about the shop: A's shop records only, not the blog's.
		const shop = await (
			await call(endpoint(), { site: 'shop', visitor: vidA, action: 'read' }, { origin: SHOP })
		).json();
		expect(ids(shop.records)).toEqual(ids(aShop));
		// A well-formed id nobody has: nothing.
		const nobody = await (
			await call(endpoint(), { site: 'blog', visitor: uuidv7(NOW), action: 'read' })
		).json();
		expect([nobody.total, nobody.records]).toEqual([0, []]);
	});

	test('refuses a page asking about a site its origin is not registered for, and unknown sites', async () => {
		const wrongSite = await call(endpoint(), { site: 'shop', visitor: vidA, action: 'read' });
		expect(wrongSite.status).toBe(403);
		expect(await wrongSite.json()).toEqual({
			error: 'forbidden',
			message: 'this page\'s origin is not registered for site "shop"'
		});
		const erase = await call(endpoint(), { site: 'shop', visitor: vidA, action: 'erase' });
		expect(erase.status).toBe(403);
		const unknown = await call(endpoint(), { site: 'nope', visitor: vidA, action: 'read' });
		expect(unknown.status).toBe(404);
		expect((await unknown.json()).message).toBe('no site "nope" is registered');
		const opaque = await call(
			endpoint(),
			{ site: 'blog', visitor: vidA, action: 'read' },
			{
				origin: 'null'
			}
		);
		expect(opaque.status).toBe(403);
		const foreign = await call(
			endpoint(),
			{ site: 'blog', visitor: vidA, action: 'read' },
			{
				origin: 'https://evil.example'
			}
		);
		expect(foreign.status).toBe(403);
		expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
		expect(ids(await storedIdsOf(vidA, 'shop'))).toEqual(ids(aShop));
	});

	test('never answers a design document, even one holding the visitor’s fields', async () => {
		const body = await (
			await call(endpoint(), { site: 'blog', visitor: vidA, action: 'read' })
		).json();
		expect(ids(body.records)).not.toContain(DESIGN);
		expect(body.total).toBe(a.length);
	});
});

describe('refusing malformed requests', () => {
	const valid = () => ({ site: 'blog', visitor: vidA, action: 'read' });
	test.each([
		[
			'a short id',
			{ visitor: 'abc' },
			"visitor: must be the visitor id the site's tracker keeps (a lowercase UUIDv7)"
		],
		[
			'an uppercase id',
			{ visitor: 'upper' },
			"visitor: must be the visitor id the site's tracker keeps (a lowercase UUIDv7)"
		],
		[
			'a UUIDv4',
			{ visitor: 'v4' },
			"visitor: must be the visitor id the site's tracker keeps (a lowercase UUIDv7)"
		],
		['a number as id', { visitor: 42 }, 'visitor: Invalid type: Expected string but received 42'],
		['a bad site id', { site: 'Blog!' }, 'site: must be a site id'],
		['another action', { action: 'delete' }, 'action: must be "read" or "erase"'],
		['a made-up cursor', { after: '_design/x' }, "after: must be a previous answer's next"],
		['an unknown field', { vid: 'x' }, 'vid: is not a known field']
	])('refuses %s with 400 and a message naming the field', async (_, change, message) => {
		const body: Record<string, unknown> = { ...valid(), ...change };
		if (body.visitor === 'upper') body.visitor = vidA.toUpperCase();
		if (body.visitor === 'v4') body.visitor = '0f8fad5b-d9cb-469f-a165-70867728950e';
		const res = await call(endpoint(), body);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: 'bad_request', message });
	});

	test.each([
		['no body', '', 400, 'the body is empty'],
		['a body that is not JSON', '{site', 400, 'the body is not valid JSON'],
		['a body over 1 KB', JSON.stringify({ site: 'blog', pad: 'x'.repeat(2000) }), 413, undefined]
	])('refuses %s', async (_, text, status, message) => {
		const res = await call(endpoint(), text);
		expect(res.status).toBe(status);
		if (message) expect((await res.json()).message).toBe(message);
	});

	test('refuses other methods and media types; a registered origin gets its preflight', async () => {
		expect(
			(await call(endpoint(), valid(), { type: 'application/x-www-form-urlencoded' })).status
		).toBe(415);
		expect((await call(endpoint(), undefined, { method: 'GET' })).status).toBe(405);
		const preflight = await call(endpoint(), undefined, { method: 'OPTIONS' });
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
		expect(preflight.headers.get('access-control-allow-origin')).toBe(BLOG);
		const foreign = await call(endpoint(), undefined, {
			method: 'OPTIONS',
			origin: 'https://evil.example'
		});
		expect(foreign.status).toBe(403);
	});
});

test('limits requests per address: past the burst, 429 with Retry-After, other addresses unaffected', async () => {
	const visitor = endpoint({ config: { visitor: { burst: 3, perSecond: 0.01 }, sitesTtlMs: 0 } });
	const body = { site: 'blog', visitor: uuidv7(NOW), action: 'read' };
	for (let i = 0; i < 3; i++) expect((await call(visitor, body)).status).toBe(200);
	const limited = await call(visitor, body);
	expect(limited.status).toBe(429);
	// A token comes back every 100 s; the bucket has refilled for as long as the three
	// calls took (seconds on a busy machine), so the wait is at most 100 s, not exactly.
	const retryAfter = Number(limited.headers.get('retry-after'));
	expect(retryAfter).toBeGreaterThanOrEqual(90);
	expect(retryAfter).toBeLessThanOrEqual(100);
	expect(limited.headers.get('access-control-allow-origin')).toBe(BLOG);
	expect((await limited.json()).message).toBe(`too many requests; retry in ${retryAfter} s`);
	// Malformed guesses cost a token too.
	expect((await call(visitor, { ...body, visitor: 'guess' })).status).toBe(429);
	expect((await call(visitor, body, { address: '198.51.100.1' })).status).toBe(200);
});

test('a read that waits on the index longer than allowed answers 503 with Retry-After', async () => {
	// The index must truly be behind: a thousand records of another site to index take far
	// longer than the wait allowed (an index already up to date could answer within it).
	const noise = Array.from({ length: 1000 }, (_, i) =>
		pageview(NOW + i, { site: 'noise', vid: uuidv7(NOW) })
	);
	await couch.events.bulk({ docs: stored(noise), new_edits: false });
	const res = await call(endpoint({ indexWaitMs: 0 }), {
		site: 'blog',
		visitor: vidA,
		action: 'read'
	});
	expect(res.status).toBe(503);
	expect(res.headers.get('retry-after')).toBe('60');
	expect((await res.json()).message).toBe(
		'couchstats is still indexing its records; retry in 60 s'
	);
});

test('names a visitor id to CouchDB only in request bodies, never in a URL, which CouchDB logs', async () => {
	const vidD = uuidv7(NOW);
	await couch.events.bulk({
		docs: stored([pageview(NOW, { site: 'blog', vid: vidD })]),
		new_edits: false
	});
	const send = globalThis.fetch;
	const requests: { url: string; body: string }[] = [];
	const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
		requests.push({ url: String(input), body: String(init?.body ?? '') });
		return send(input, init);
	});
	try {
		const read = await call(endpoint(), { site: 'blog', visitor: vidD, action: 'read' });
		expect((await read.json()).total).toBe(1);
		const erase = await call(endpoint(), { site: 'blog', visitor: vidD, action: 'erase' });
		expect((await erase.json()).deleted).toBe(1);
	} finally {
		spy.mockRestore();
	}
	expect(requests.filter((r) => r.body.includes(vidD)).length).toBeGreaterThan(0);
	expect(requests.filter((r) => decodeURIComponent(r.url).includes(vidD))).toEqual([]);
});

/** The ids of the records stored for `vid` on `site`, read from the database itself. */
async function storedIdsOf(vid: string, site: string) {
	const { rows } = await couch.events.list({ include_docs: true });
	return rows
		.map((r) => r.doc as unknown as StoredRecord)
		.filter((d) => d.vid === vid && d.site === site);
}

describe('erasing a visitor’s records', () => {
	test('deletes exactly their records on that site: every number drops by exactly them, the rest stays', async () => {
		const query = {
			site: 'blog',
			range: { from: '2026-03-01', to: '2026-03-01', tz: 'UTC' },
			interval: 'day' as const,
			limit: 10
		};
		// Exact numbers: read once the stats index holds everything written so far.
		const read = async () => {
			await indexed(couch);
			const stats = await readStats(couch, query, { now: () => NOW });
			expect(stats.indexing).toBe(false);
			return stats;
		};
		const before = await read();
		const everything = await storedIds();

		const res = await call(endpoint(), { site: 'blog', visitor: vidA, action: 'erase' });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ site: 'blog', visitor: vidA, deleted: a.length });

		// Everything but A's blog records is still there: B's, A's on the shop, the design documents.
		expect(await storedIds()).toEqual(everything.filter((id) => !ids(a).includes(id)));
		expect(await storedIds()).toContain(DESIGN);
		const after = await read();
		// By hand: A had two pageviews (one visitor, one new visitor, two sessions, both
		// entries), a signup, 30 s of engaged time and one actual session.
		const t = before.totals;
		expect(after.totals).toMatchObject({
			pageviews: t.pageviews! - 2,
			visitors: t.visitors! - 1,
			newVisitors: t.newVisitors! - 1,
			sessions: t.sessions - 2,
			actualSessions: t.actualSessions! - 1,
			engagedSessions: t.engagedSessions,
			engagedTimeMs: t.engagedTimeMs! - 30_000,
			events: t.events - 1
		});
		// What is left is B's visit exactly: one of each record.
		expect(after.totals).toMatchObject({
			pageviews: 1,
			visitors: 1,
			sessions: 1,
			actualSessions: 1,
			engagedTimeMs: 30_000,
			events: 1
		});
		const pageviews = (s: typeof before) =>
			Object.fromEntries(s.breakdowns.pages.map((p) => [p.path, p.pageviews]));
		expect(pageviews(before)).toEqual({ '/': 2, '/pricing': 1 });
		expect(pageviews(after)).toEqual({ '/': 1 });

		const again = await call(endpoint(), { site: 'blog', visitor: vidA, action: 'erase' });
		expect(await again.json()).toEqual({ site: 'blog', visitor: vidA, deleted: 0 });
		// A late copy of an erased record (a retry, another tab) does not bring it back.
		await couch.events.bulk({ docs: stored(a), new_edits: false });
		const read2 = await (
			await call(endpoint(), { site: 'blog', visitor: vidA, action: 'read' })
		).json();
		expect([read2.total, read2.records]).toEqual([0, []]);
	});
});

describe('erasing on a site of several hosts', () => {
	test("deletes the id's records made on every one of the site's hosts, whichever host asks", async () => {
		// A visitor handed on from www. to shop. (README "One site on several hosts") has one
		// id on both: the erasure asked for on the shop deletes the records made on www. too.
		await couch.sites.insert(
			siteRecord(
				{
					id: 'biz',
					name: 'biz',
					hostnames: ['www.biz.example', 'shop.biz.example'],
					timeZone: 'UTC'
				},
				[],
				NOW
			)
		);
		const vid = uuidv7(NOW);
		const docs = stored([
			pageview(NOW, { site: 'biz', vid, host: 'www.biz.example' }),
			pageview(NOW + 1, { site: 'biz', vid, host: 'shop.biz.example', firstOfDay: false })
		]);
		await couch.events.bulk({ docs, new_edits: false });
		const res = await call(
			endpoint(),
			{ site: 'biz', visitor: vid, action: 'erase' },
			{ origin: 'https://shop.biz.example' }
		);
		expect(await res.json()).toEqual({ site: 'biz', visitor: vid, deleted: 2 });
		expect(await storedIdsOf(vid, 'biz')).toEqual([]);
	});
});

describe('what an erasure leaves readable', () => {
	/** Three records of a new visitor on the blog, stored. */
	async function visitorWithRecords() {
		const vid = uuidv7(NOW);
		const docs = stored([
			pageview(NOW, { site: 'blog', vid, title: 'Welcome back, Alice (alice@example.com)' }),
			pageview(NOW + 1, { site: 'blog', vid, firstOfDay: false }),
			pageview(NOW + 2, { site: 'blog', vid, firstOfDay: false })
		]) as Record<string, unknown>[];
		await couch.events.bulk({ docs, new_edits: false });
		return { vid, docs };
	}

	/** The store's answer to `GET /{db}/{id}?rev=`: 200 with the body, or 404 once compacted. */
	async function revision(id: string, rev: string) {
		return couch.events.get(id, { rev }).then(
			(doc) => ({ status: 200, doc }),
			(e: { statusCode?: number }) => ({ status: e.statusCode })
		);
	}

	test('no earlier revision of an erased record answers ?rev= once the compaction the erasure asked for has run', async () => {
		const { vid, docs } = await visitorWithRecords();
		expect(await revision(String(docs[0]._id), String(docs[0]._rev))).toMatchObject({
			status: 200,
			doc: { title: 'Welcome back, Alice (alice@example.com)' }
		});
		const res = await call(endpoint(), { site: 'blog', visitor: vid, action: 'erase' });
		expect(await res.json()).toMatchObject({ deleted: 3 });
		await compaction.settled();
		expect(compactionErrors).toEqual([]);
		for (const doc of docs)
			expect(await revision(String(doc._id), String(doc._rev))).toEqual({ status: 404 });
	});

	test('erasures asked for before a compaction starts are all covered by that one compaction', async () => {
		let compactions = 0;
		const timers: (() => void)[] = [];
		const counted = coalescedCompaction(
			() => ((compactions += 1), compactEvents(couch)),
			(e) => compactionErrors.push(e),
			{ later: (run) => timers.push(run) }
		);
		const visitors = await Promise.all([1, 2, 3, 4].map(() => visitorWithRecords()));
		const answers = await Promise.all(
			visitors.map(({ vid }) =>
				call(endpoint({ compaction: counted }), { site: 'blog', visitor: vid, action: 'erase' })
			)
		);
		expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
		expect(timers.length).toBe(1);
		timers[0]();
		await counted.settled();
		expect(compactions).toBe(1);
		for (const { docs } of visitors)
			for (const doc of docs)
				expect(await revision(String(doc._id), String(doc._rev))).toEqual({ status: 404 });
	});

	test('the erasure log lists the erased record ids, nothing else, and a restored backup’s copies are deleted again', async () => {
		const log = path.join(tempDir(), 'erased.jsonl');
		const { vid, docs } = await visitorWithRecords();
		const res = await call(endpoint({ erasureLog: log }), {
			site: 'blog',
			visitor: vid,
			action: 'erase'
		});
		expect(await res.json()).toMatchObject({ deleted: 3 });
		const text = fs.readFileSync(log, 'utf8');
		expect(text).not.toContain(vid);
		expect(text).not.toContain('alice');
		expect(fs.statSync(log).mode & 0o777).toBe(0o600);
		expect((await readErased(log)).ids.sort()).toEqual(ids(docs));

		// A backup taken before the erasure, restored: its store holds the records again.
		const { couch: restored } = await useCouch();
		await restored.events.bulk({ docs: docs as never, new_edits: false });
		expect(await reapplyErasures(restored, log)).toEqual({ deleted: 3, skipped: 0 });
		const { rows } = await restored.events.list();
		expect(rows.filter((r) => !r.id.startsWith('_'))).toEqual([]);
		// Applied again on a store that lost nothing, it deletes nothing.
		expect(await reapplyErasures(restored, log)).toEqual({ deleted: 0, skipped: 0 });
	});

	test('an erasure that deleted nothing asks for no compaction', async () => {
		let requests = 0;
		const counted = { request: () => void (requests += 1), settled: () => Promise.resolve() };
		const res = await call(endpoint({ compaction: counted }), {
			site: 'blog',
			visitor: uuidv7(NOW),
			action: 'erase'
		});
		expect(await res.json()).toMatchObject({ deleted: 0 });
		expect(requests).toBe(0);
		const { vid } = await visitorWithRecords();
		await call(endpoint({ compaction: counted }), { site: 'blog', visitor: vid, action: 'erase' });
		expect(requests).toBe(1);
	});

	test("a start reads the erasure log from where the store's mark says the last one stopped, and a log not the marked one whole", async () => {
		const { couch: store } = await useCouch();
		const log = path.join(tempDir(), 'erased.jsonl');
		const line = (docs: Record<string, unknown>[]) =>
			`${JSON.stringify({ at: new Date(NOW).toISOString(), site: 'blog', ids: ids(docs) })}\n`;
		const first = stored([pageview(NOW, { site: 'blog', vid: uuidv7(NOW) })]);
		const second = stored([pageview(NOW, { site: 'blog', vid: uuidv7(NOW) })]);
		await store.events.bulk({ docs: [...first, ...second] as never, new_edits: false });
		// A line a crash cut short, then the first erasure.
		fs.writeFileSync(log, `{"at": "cut short\n${line(first)}`);
		expect(await reapplyErasures(store, log)).toEqual({ deleted: 1, skipped: 1 });

		// The next start reads only the line written since: the cut one is not read again.
		fs.appendFileSync(log, line(second));
		expect(await reapplyErasures(store, log)).toEqual({ deleted: 1, skipped: 0 });
		expect(await reapplyErasures(store, log)).toEqual({ deleted: 0, skipped: 0 });

		// Another log (the marked bytes are not there) is read whole.
		fs.writeFileSync(log, `{"at": "cut short again\n${line(second)}`);
		expect(await reapplyErasures(store, log)).toEqual({ deleted: 0, skipped: 1 });

		// A store put back from a backup holds its own mark, or none: read from there.
		const { couch: restored } = await useCouch();
		await restored.events.bulk({ docs: [...first, ...second] as never, new_edits: false });
		fs.writeFileSync(log, line(first) + line(second));
		expect(await reapplyErasures(restored, log)).toEqual({ deleted: 2, skipped: 0 });
	});
});
