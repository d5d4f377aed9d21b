import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCouch } from './couch';
import { StoreTimeout } from './errors';
import { reachedLimit } from './store-limit';

describe('reachedLimit', () => {
	test.each([
		['error happened in your connection. Reason: HeadersTimeoutError: Headers Timeout Error', true],
		['error happened in your connection. Reason: BodyTimeoutError: Body Timeout Error', true],
		['error happened in your connection. Reason: Error: connect ECONNREFUSED 127.0.0.1:1', false],
		['missing', false]
	])('%s: %s', (message, expected) => {
		expect(reachedLimit(new Error(message))).toBe(expected);
	});

	test('is false for what is no Error', () => {
		expect(reachedLimit('HeadersTimeoutError')).toBe(false);
	});
});

/**
 * A server that never answers `/silent…` (as a frozen store), answers `/slow…` after
 * 300 ms, and 404 for the rest, as CouchDB does for a missing document.
 */
let server: http.Server;
let url: URL;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		if (req.url?.includes('silent')) return;
		if (req.url?.includes('stall')) {
			// Its headers and the start of its body, then nothing (a store frozen mid-answer).
			res.writeHead(200, { 'content-type': 'application/json' });
			res.write('{"_id":"');
			return;
		}
		const answer = () => {
			const found = req.url?.includes('slow');
			res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
			res.end(found ? '{"ok":true}' : '{"error":"not_found","reason":"missing"}');
		};
		if (req.url?.includes('slow')) setTimeout(answer, 300);
		else answer();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = new URL(`http://admin:pw@127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

/** How long `promise` took to settle, ms, and its error. */
async function settled(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
	const start = performance.now();
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	return { ms: performance.now() - start, error };
}

describe('the limit of a request to the store', () => {
	test('a store that does not answer fails the request with a 503 that says so, within the limit', async () => {
		const couch = createCouch(url, 't', 1000);
		const requests = [
			couch.server.request({ path: 'silent' }),
			couch.events.get('silent'),
			couch.server.use('silent-db').get('x'),
			couch.server.db.get('silent-db')
		];
		for (const { ms, error } of await Promise.all(requests.map(settled))) {
			expect(error).toBeInstanceOf(StoreTimeout);
			expect((error as StoreTimeout).status).toBe(503);
			expect((error as StoreTimeout).message).toBe(
				'the database did not answer within 1 s; try again in a moment'
			);
			// undici checks its time limits about once a second.
			expect(ms).toBeGreaterThanOrEqual(900);
			expect(ms).toBeLessThan(4000);
		}
	});

	test('an answer that stalls after its headers fails with a 503 too, never as an empty answer', async () => {
		const couch = createCouch(url, 't', 1000);
		const requests = [couch.events.get('stall'), couch.server.request({ path: 'stall' })];
		for (const { ms, error } of await Promise.all(requests.map(settled))) {
			expect(error).toBeInstanceOf(StoreTimeout);
			expect((error as StoreTimeout).message).toBe(
				'the database did not finish its answer within 1 s; try again in a moment'
			);
			expect(ms).toBeLessThan(4000);
		}
	});

	test('an answer within the limit, and a refusal, are what they were', async () => {
		const couch = createCouch(url, 't', 1000);
		expect(await couch.server.request({ path: 'slow' })).toEqual({ ok: true });
		const { error } = await settled(couch.events.get('missing'));
		expect(error).not.toBeInstanceOf(StoreTimeout);
		expect((error as { statusCode?: number }).statusCode).toBe(404);
	});

	test('requests long by design (couch.long), and a client with no limit, wait for the answer', async () => {
		const servers = [createCouch(url, 't', 1000).long, createCouch(url, 't').server];
		const waits = servers.map((server) =>
			settled(
				server.request({ path: 'silent', signal: AbortSignal.timeout(2000) } as Parameters<
					typeof server.request
				>[0])
			)
		);
		for (const { ms, error } of await Promise.all(waits)) {
			// Its own signal ended it, not the limit.
			expect(error).not.toBeInstanceOf(StoreTimeout);
			expect(ms).toBeGreaterThanOrEqual(1900);
		}
	});
});
