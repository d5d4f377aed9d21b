/**
 * The caps on open connections of the BUILT app as `npm start` serves it
 * (scripts/serve.js): past MAX_CONNECTIONS_PER_ADDRESS from one client address, or
 * MAX_CONNECTIONS in all, a connection is closed as it opens, and the others are served.
 * (An outside probe held 20,000 idle connections from one address: every descriptor of
 * the process, and nobody else was answered.) Client addresses 127.0.0.1–3 are all this
 * machine's. (The harness's own requests come from 127.0.0.1.)
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningApp } from '../support/app';
import { startApp } from './harness';

let app: RunningApp;

beforeAll(async () => {
	app = await startApp({
		env: { MAX_CONNECTIONS: '10', MAX_CONNECTIONS_PER_ADDRESS: '4', HEADERS_TIMEOUT: '60' }
	});
});

afterAll(async () => {
	await app?.stop();
});

const opened: net.Socket[] = [];

/**
 * Connects from `from` and, once connected, sends `request` if given. Resolves with
 * the first line of the answer, or `closed` when the server closed the connection
 * without one; without a request, `open` once connected and not closed in the time a
 * request to the app takes (the answer to `/healthz` on another connection).
 */
function connect(from: string, request?: string): Promise<string> {
	return new Promise((resolve) => {
		const socket = net.connect({ port: app.port, host: '127.0.0.1', localAddress: from });
		opened.push(socket);
		let answer = '';
		socket.on('data', (chunk) => (answer += chunk));
		socket.on('close', () => resolve(answer.split('\r\n')[0] || 'closed'));
		socket.on('error', () => undefined);
		socket.on('connect', () => {
			if (request) return void socket.write(request);
			// Still open after a request of someone allowed has been answered: kept.
			void health('127.0.0.9').then(() => !socket.destroyed && resolve('open'));
		});
	});
}

const health = (from: string) =>
	connect(
		from,
		`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nConnection: close\r\n\r\n`
	);

test('a connection past the cap of its address, or of all, is closed as it opens; the others are served', async () => {
	for (let i = 0; i < 4; i++) expect(await connect('127.0.0.4')).toBe('open');
	expect(await connect('127.0.0.4')).toBe('closed');
	expect(await health('127.0.0.4')).toBe('closed');
	expect(await health('127.0.0.5')).toBe('HTTP/1.1 200 OK');
	// Four per address, from further addresses, until all ten are open: this test's, and
	// the connection the harness may keep from its own requests.
	let ours = 4;
	for (let address = 5; address < 8; address++) {
		for (let i = 0; i < 4 && ours < 10; i++) {
			if ((await connect(`127.0.0.${address}`)) === 'closed') break;
			ours++;
		}
	}
	expect(ours).toBeGreaterThanOrEqual(9);
	expect(await health('127.0.0.8')).toBe('closed');
	for (const socket of opened.splice(0)) socket.destroy();
	await expect.poll(() => health('127.0.0.1')).toBe('HTTP/1.1 200 OK');
});
