import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCouch, type Couch } from '../couch';
import { countOlderThan } from '../import/retention';
import { StoreTimeout } from '../errors';
import { inBackground, IndexWaitExceeded, isStillIndexing, untilIndexed } from './still-indexing';
import { createViewReader } from './view-reader';

/** Apache CouchDB 3.5's answer to a view read that waited 60 s on an index build. */
const COUCHDB_TIMEOUT = {
	error: 'timeout',
	reason: 'The request could not be processed in a reasonable amount of time.'
};

/**
 * A fake network standing in for CouchDB while an index is built: an up-to-date read
 * of a view gets the `500 timeout`, a `stale=ok` read the rows indexed so far.
 */
let server: http.Server;
let couch: Couch;
const staleRows = [{ key: ['demo', 'd', '2026-10-01'], value: 3 }];
/** Records before 2026 by site, as the fake's `_design/retention/_view/site-time` counts them. */
const oldRecords: Record<string, number> = { blog: 5, demo: 7 };
let retentionReads = 0;
beforeAll(async () => {
	server = http.createServer(async (req, res) => {
		const url = new URL(req.url!, 'http://x');
		const json = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		let text = '';
		for await (const chunk of req) text += chunk;
		if (url.pathname === '/_active_tasks') return json(200, []);
		if (url.pathname === '/t-events') return json(200, { update_seq: '42-g1AAAA' });
		if (url.pathname === '/t-events/_design/stats/_view/metrics') {
			if (url.searchParams.get('stale') === 'ok') return json(200, { rows: staleRows });
			return json(500, COUCHDB_TIMEOUT);
		}
		if (url.pathname === '/t-events/_design/retention/_view/site-time') {
			// Built after two reads that gave up on it; then the sites (group_level=1), and
			// each site's count before the cutoff (posted: startkey [site]).
			retentionReads += 1;
			if (retentionReads <= 2) return json(500, COUCHDB_TIMEOUT);
			if (url.searchParams.get('group_level') === '1') {
				const rows = Object.entries(oldRecords).map(([site, n]) => ({ key: [site], value: n }));
				return json(200, { rows });
			}
			const [site] = (JSON.parse(text) as { startkey: [string] }).startkey;
			return json(200, { rows: [{ key: null, value: oldRecords[site] }] });
		}
		if (url.pathname === '/t-events/_design/stats/_view/broken') {
			return json(500, { error: 'unknown_error', reason: 'function_clause' });
		}
		json(404, { error: 'not_found', reason: 'missing' });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	couch = createCouch(new URL(`http://admin:pw@127.0.0.1:${port}/`), 't');
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The error nano rejects with for a view read through the fake network. */
const viewError = (view: string) =>
	couch.events.view('stats', view, {}).then(
		() => undefined,
		(e: unknown) => e
	);

describe('isStillIndexing', () => {
	test("is true for CouchDB's 500 timeout, as nano reports it", async () => {
		const error = await viewError('metrics');
		expect(error).toMatchObject({ statusCode: 500, ...COUCHDB_TIMEOUT });
		expect(isStillIndexing(error)).toBe(true);
	});

	test('is false for any other CouchDB error', async () => {
		expect(isStillIndexing(await viewError('broken'))).toBe(false);
		expect(isStillIndexing(await viewError('missing'))).toBe(false);
	});

	test.each([
		{
			what: 'undici giving up on the headers',
			message:
				'error happened in your connection. Reason: HeadersTimeoutError: Headers Timeout Error',
			expected: true
		},
		{
			what: 'a refused connection',
			message:
				'error happened in your connection. Reason: Error: connect ECONNREFUSED 127.0.0.1:5984',
			expected: false
		}
	])('is $expected for $what', ({ message, expected }) => {
		expect(isStillIndexing(new Error(message))).toBe(expected);
	});

	test.each([undefined, null, 'Timeout', { statusCode: 504, error: 'timeout' }])(
		'is false for %j',
		(value) => {
			expect(isStillIndexing(value)).toBe(false);
		}
	);
});

describe('the view reader', () => {
	test("takes CouchDB's 500 timeout as a build and answers from the index as it stands", async () => {
		const reader = createViewReader(couch);
		expect(await reader.read('metrics', { group_level: 3 })).toEqual(staleRows);
		expect(reader.indexing).toBe(true);
		expect(reader.queries).toBe(2);
	});

	test('still fails on any other error', async () => {
		const reader = createViewReader(couch);
		await expect(reader.read('broken', {})).rejects.toMatchObject({ statusCode: 500 });
	});
});

describe('untilIndexed', () => {
	test("asks again while CouchDB answers 500 timeout, so retention waits for the build of `_design/retention`, then counts each site's records", async () => {
		retentionReads = 0;
		expect(await countOlderThan(couch, Date.UTC(2026, 0, 1))).toBe(12);
		// Two that gave up, the sites, and one count per site.
		expect(retentionReads).toBe(5);
	});

	test.each([
		['untilIndexed', untilIndexed],
		['inBackground', inBackground(60_000, 1)]
	])('%s passes any other error on at once', async (_, settle) => {
		let reads = 0;
		const read = () => {
			reads += 1;
			return couch.events.view('stats', 'broken', {});
		};
		await expect(settle(read)).rejects.toMatchObject({ error: 'unknown_error' });
		expect(reads).toBe(1);
	});
});

describe('inBackground', () => {
	test('asks again while the read outlasts the store limit or CouchDB answers 500 timeout', async () => {
		let reads = 0;
		const read = async () => {
			reads += 1;
			if (reads === 1) throw new StoreTimeout(20_000);
			if (reads === 2) return couch.events.view('stats', 'metrics', {});
			return 'built';
		};
		expect(await inBackground(60_000, 1)(read)).toBe('built');
		expect(reads).toBe(3);
	});

	test('gives up once it waited its longest, saying how long and why', async () => {
		let reads = 0;
		const read = async () => {
			reads += 1;
			throw new StoreTimeout(20_000);
		};
		const failed = await inBackground(40, 1)(read).catch((e: unknown) => e);
		expect(failed).toBeInstanceOf(IndexWaitExceeded);
		expect((failed as Error).message).toMatch(
			/^the index was not ready after \d+ s of asking again \(last answer: the database did not answer within 20 s; try again in a moment\)$/
		);
		// Pauses of 1, 2, 4, 8, 16 ms fit in 40 ms; the next would not.
		expect(reads).toBeGreaterThan(1);
		expect(reads).toBeLessThanOrEqual(6);
	});
});
