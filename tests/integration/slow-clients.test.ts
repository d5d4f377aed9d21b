/**
 * Slow clients against the BUILT app as `npm start` serves it (scripts/serve.js, its
 * default limits): a connection that sends its headers, or its body, one byte at a
 * time is cut once HEADERS_TIMEOUT (10 s) or REQUEST_TIMEOUT (30 s) has passed, and the
 * app keeps serving everyone else meanwhile; a client that goes away mid-body is logged
 * as a client's abort, not as a server error; a body refused as too large is read on only
 * a bounded while, so a client still writing it gets the answer.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningApp } from '../support/app';
import { startApp } from './harness';

let app: RunningApp;

beforeAll(async () => {
	app = await startApp();
});

afterAll(async () => {
	await app?.stop();
});

/**
 * Sends `head` at once, then one byte of `trickle` per second, until the server closes
 * the connection or `giveUpMs` has passed.
 * @returns when the server closed it (ms after the start), or null if it never did.
 */
function trickle(head: string, giveUpMs: number): Promise<number | null> {
	return new Promise((resolve) => {
		const started = Date.now();
		const socket = net.connect(app.port, '127.0.0.1');
		let timer: NodeJS.Timeout;
		const done = (at: number | null) => {
			clearInterval(timer);
			socket.destroy();
			resolve(at);
		};
		socket.on('connect', () => {
			socket.write(head);
			timer = setInterval(() => {
				if (Date.now() - started > giveUpMs) done(null);
				else socket.write('x');
			}, 1000);
		});
		socket.on('close', () => done(Date.now() - started));
		socket.on('error', () => undefined);
	});
}

test('cuts connections that send their headers or their body a byte at a time', async () => {
	const host = `Host: 127.0.0.1:${app.port}\r\n`;
	const [headers, body, health] = await Promise.all([
		trickle(`GET / HTTP/1.1\r\n${host}X-Slow: `, 45_000),
		trickle(
			`POST /api/ingest/_bulk_docs HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
			45_000
		),
		// Everyone else is served meanwhile.
		fetch(`${app.url}/healthz`).then((res) => res.status)
	]);
	expect(health).toBe(200);
	expect(headers).not.toBeNull();
	expect(headers!).toBeGreaterThanOrEqual(10_000);
	expect(headers!).toBeLessThan(20_000);
	expect(body).not.toBeNull();
	expect(body!).toBeGreaterThanOrEqual(30_000);
	expect(body!).toBeLessThan(40_000);
	expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
}, 90_000);

test('logs a client that closes the connection mid-body as one line, not as a 500 with a stack', async () => {
	const socket = net.connect(app.port, '127.0.0.1');
	await new Promise((resolve) => socket.on('connect', resolve));
	socket.write(
		`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nOrigin: ${app.url}\r\n` +
			'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=x'
	);
	await new Promise((resolve) => setTimeout(resolve, 200));
	socket.destroy();
	const line =
		'couchstats: POST /login (client abort): the connection closed before the whole body arrived';
	for (let waited = 0; waited < 5000 && !app.output().includes(line); waited += 100) {
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	expect(app.output()).toContain(line);
	expect(app.output()).not.toMatch(/POST \/login \(500\)|Error: aborted/);
	expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
});

test('a body refused as too large closes its connection once the 413 is out: the rest is not read', async () => {
	// A security probe: after the 413 the server read on a chunked body for 30 s (26 GB
	// over loopback), a core busy per connection.
	const socket = net.connect(app.port, '127.0.0.1');
	await new Promise((resolve) => socket.on('connect', resolve));
	let answer = '';
	socket.on('data', (chunk) => (answer += chunk));
	const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	socket.on('error', () => undefined);
	socket.write(
		`POST /api/ingest/_bulk_docs HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n` +
			'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
	);
	const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
	let sent = 0;
	let open = true;
	void closed.then(() => (open = false));
	// Sends while the server reads (each write waits for the socket to drain), at most 1 GB.
	while (open && sent < 1 << 30) {
		if (!socket.write(chunk)) {
			await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
		}
		sent += chunk.length;
	}
	await closed;
	expect(answer).toMatch(/^HTTP\/1\.1 413 /);
	// Far less than what 30 s of reading on loopback takes (gigabytes).
	expect(sent).toBeLessThan(64 << 20);
}, 60_000);

test('a client still writing a body refused as too large reads the 413 once it is done: the server lingers before it closes', async () => {
	// The server answered at once and closed with the body unread: the kernel reset the
	// connection, and a client that had not read the answer yet got no bytes at all. Here
	// the client reads nothing until it has written its whole body, more than the kernels'
	// buffers hold (about 4 MB on loopback), so before the lingering close the reset came
	// while writes were pending, every time.
	const body = 12 << 20;
	const socket = net.connect(app.port, '127.0.0.1');
	await new Promise((resolve) => socket.on('connect', resolve));
	socket.pause();
	let answer = '';
	socket.on('data', (chunk) => (answer += chunk));
	let failed: Error | undefined;
	socket.on('error', (e) => (failed = e));
	const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	let open = true;
	void closed.then(() => (open = false));
	socket.write(
		`POST /api/ingest/_bulk_docs HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n` +
			`Content-Type: text/plain\r\nContent-Length: ${body}\r\n\r\n`
	);
	const chunk = 'x'.repeat(1 << 16);
	for (let sent = 0; open && sent < body; sent += chunk.length) {
		if (!socket.write(chunk)) {
			await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
		}
	}
	socket.resume();
	await closed;
	expect(answer).toMatch(/^HTTP\/1\.1 413 /);
	expect(failed?.message).toBeUndefined();
}, 60_000);
