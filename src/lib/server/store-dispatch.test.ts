import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createCouch } from './couch';
import { ClientGone, StoreTimeout } from './errors';
import { forClient, forNoClient } from './store-dispatch';

/**
 * A fake store: `/text-stall` answers 200 with the start of a text body, then nothing;
 * `/text-break` the same, then closes the connection; `/held…` answers once the test
 * releases it; `/ok` at once. Every request that reaches it is listed, with the moment
 * its connection closed.
 */
let server: http.Server;
let url: URL;
const arrived: { path: string; closed: Promise<void> }[] = [];
const held: (() => void)[] = [];

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const path = req.url ?? '';
		const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
		arrived.push({ path, closed });
		if (path.includes('text-')) {
			res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
			res.write('{"ok":');
			if (path.includes('break')) setImmediate(() => res.socket?.destroy());
			return;
		}
		const answer = () => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
		};
		if (path.includes('held')) held.push(answer);
		else answer();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = new URL(`http://admin:pw@127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterEach(() => {
	for (const release of held.splice(0)) release();
	arrived.length = 0;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

/** The request has reached the fake store. */
async function reached(path: string): Promise<{ path: string; closed: Promise<void> }> {
	for (;;) {
		const found = arrived.find((r) => r.path.includes(path));
		if (found) return found;
		await new Promise((resolve) => setImmediate(resolve));
	}
}

/**
 * How `promise` settled, or the first rejection nobody handled meanwhile (nano's, for a
 * body it read outside of any `catch`), whichever came first.
 */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
	let onUnhandled: ((e: unknown) => void) | undefined;
	const unhandled = new Promise((resolve) => {
		onUnhandled = (e) => resolve({ unhandled: String(e) });
		process.on('unhandledRejection', onUnhandled);
	});
	try {
		return await Promise.race([
			promise.then(
				(value) => ({ value }),
				(e: unknown) => e
			),
			unhandled
		]);
	} finally {
		process.off('unhandledRejection', onUnhandled!);
	}
}

describe('an answer that stops after its headers', () => {
	test.each(['text-stall', 'text-break'])(
		'a 2xx text answer that does not finish (%s) fails the request with the 503, never unheard',
		async (path) => {
			const couch = createCouch(url, 't', 1000);
			const error = await outcome(couch.server.request({ path }));
			expect(error).toBeInstanceOf(StoreTimeout);
			expect((error as StoreTimeout).message).toBe(
				'the database did not finish its answer within 1 s; try again in a moment'
			);
		}
	);

	test('a client without the limit (couch.long) fails the request too, naming why', async () => {
		const error = await outcome(createCouch(url, 't', 1000).long.request({ path: 'text-break' }));
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/Reason: UnfinishedAnswer: /);
	});

	test('a whole answer is what it was', async () => {
		expect(await createCouch(url, 't', 1000).server.request({ path: 'ok' })).toEqual({ ok: true });
	});
});

describe('requests made for a client', () => {
	test("end when the client goes away, fail with ClientGone, and close the store's connection", async () => {
		const couch = createCouch(url, 't', 60_000);
		const client = new AbortController();
		const read = outcome(forClient(client.signal, () => couch.events.get('held-1')));
		const request = await reached('held-1');
		client.abort();
		expect(await read).toBeInstanceOf(ClientGone);
		await request.closed;
	});

	test('made after the client went away, fail at once without reaching the store', async () => {
		const couch = createCouch(url, 't', 60_000);
		const client = new AbortController();
		client.abort();
		expect(await outcome(forClient(client.signal, () => couch.events.get('ok')))).toBeInstanceOf(
			ClientGone
		);
		expect(arrived).toEqual([]);
	});

	test('shared work, the requests long by design, and other clients go on', async () => {
		const couch = createCouch(url, 't', 60_000);
		const client = new AbortController();
		const [shared, long, other] = forClient(client.signal, () => [
			forNoClient(() => couch.events.get('held-shared')),
			couch.long.request({ path: 'held-long' }),
			forClient(new AbortController().signal, () => couch.events.get('held-other'))
		]);
		const mine = outcome(forClient(client.signal, () => couch.events.get('held-mine')));
		await Promise.all(['held-shared', 'held-long', 'held-other', 'held-mine'].map(reached));
		client.abort();
		expect(await mine).toBeInstanceOf(ClientGone);
		for (const release of held.splice(0)) release();
		expect(await Promise.all([shared, long, other])).toEqual([
			{ ok: true },
			{ ok: true },
			{ ok: true }
		]);
	});

	test('many at once for one client (a dashboard reads two dozen views) raise no warning of a leak', async () => {
		const couch = createCouch(url, 't', 60_000);
		const warnings: Error[] = [];
		const warned = (warning: Error) => warnings.push(warning);
		process.on('warning', warned);
		try {
			const client = new AbortController();
			const reads = forClient(client.signal, () =>
				Array.from({ length: 24 }, (_, i) => couch.events.get(`held-${i}`))
			);
			await Promise.all(Array.from({ length: 24 }, (_, i) => reached(`held-${i}`)));
			for (const release of held.splice(0)) release();
			await Promise.all(reads);
			// Node emits a process warning on the next tick after the listener that exceeds the limit.
			await new Promise((resolve) => setImmediate(resolve));
			expect(warnings.map((w) => w.name)).toEqual([]);
		} finally {
			process.off('warning', warned);
		}
	});
});
