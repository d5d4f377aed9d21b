/**
 * Request bodies sent without a declared length (chunked) to the BUILT app's ingest: each
 * is charged to its address as it arrives, so an address that keeps many unfinished
 * bodies open is refused (429, and the connection closed) before it has sent them, not
 * after. (An outside probe held ~600 unfinished 1 MB bodies from one address, 2.3 GB from
 * four.) The ingest's address bucket here is small: 100 tokens of 16 KB, 1.6 MB.
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { RunningApp } from '../support/app';
import { startApp } from './harness';

let app: RunningApp;

beforeAll(async () => {
	app = await startApp({
		env: { COUCHSTATS_INGEST_IP_BURST: '100', COUCHSTATS_INGEST_IP_PER_SECOND: '1' }
	});
});

afterAll(async () => {
	await app?.stop();
});

/** Starts a chunked POST to the ingest and writes `bytes` of it, without ending it. */
function unfinished(bytes: number) {
	const url = new URL(app.url);
	const answer: { status?: number; headers?: http.IncomingHttpHeaders; error?: Error } = {};
	const req = http.request({
		host: url.hostname,
		port: url.port,
		method: 'POST',
		path: '/api/ingest/_bulk_docs',
		headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }
	});
	req.on('response', (res) => {
		answer.status = res.statusCode;
		answer.headers = res.headers;
		res.resume();
	});
	req.on('error', (e) => (answer.error = e));
	const chunk = Buffer.alloc(64 * 1024, 32);
	for (let sent = 0; sent < bytes; sent += chunk.length) req.write(chunk);
	return { answer, req };
}

test('an address that keeps unfinished bodies open is refused 429 before it finishes them, and the app serves on', async () => {
	// Five bodies of 960 KB (60 tokens each): the bucket holds fewer than two.
	const bodies = Array.from({ length: 5 }, () => unfinished(15 * 64 * 1024));
	await vi.waitFor(
		() => expect(bodies.filter((b) => b.answer.status === 429).length).toBeGreaterThanOrEqual(3),
		{ timeout: 20_000 }
	);
	const refused = bodies.find((b) => b.answer.status === 429)!;
	expect(Number(refused.answer.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
	expect(refused.answer.headers?.connection).toBe('close');
	// None was answered otherwise: the others still wait for their end.
	expect(bodies.every((b) => b.answer.status === 429 || b.answer.status === undefined)).toBe(true);
	for (const b of bodies) b.req.destroy();
	const health = await fetch(`${app.url}/healthz`);
	expect(health.status).toBe(200);
});
