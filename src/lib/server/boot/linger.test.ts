import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { lingerBeforeClosing } from './linger.js';

let server: http.Server | undefined;
/** The requests the refusing server's handler was given, as `METHOD url`. */
let handled: string[] = [];

afterEach(async () => {
	server?.closeAllConnections();
	await new Promise((resolve) => server?.close(resolve));
	server = undefined;
	handled = [];
});

/** A server that refuses every body at once (413, closing), lingering within `limits`. */
async function refusing(limits: { bytes?: number; ms?: number }): Promise<number> {
	server = http.createServer((req, res) => {
		handled.push(`${req.method} ${req.url}`);
		res.writeHead(413, { Connection: 'close', 'Content-Type': 'text/plain' });
		res.end('too large');
	});
	lingerBeforeClosing(server, limits);
	await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
	return (server.address() as net.AddressInfo).port;
}

/**
 * A client that sends a chunked body for ever, `chunk` at a time, as fast as it can,
 * ignoring the server's end of its side (as an attacker would), until the server lets go
 * of the connection.
 * @returns the answer read and the bytes sent.
 */
async function streamForEver(port: number, chunk: string) {
	const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
	await new Promise((resolve) => socket.on('connect', resolve));
	let answer = '';
	socket.on('data', (data) => (answer += data));
	socket.on('error', () => undefined);
	const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	let open = true;
	void closed.then(() => (open = false));
	socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
	const framed = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
	let sent = 0;
	while (open) {
		// Each write waits for the socket to drain, or for the next turn (so a close is seen).
		if (socket.write(framed)) await new Promise((resolve) => setImmediate(resolve));
		else await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
		sent += framed.length;
	}
	return { answer, sent };
}

describe('the lingering close', () => {
	test('lets go of a client that streams for ever once it has read the most it may', async () => {
		const port = await refusing({ bytes: 1 << 20, ms: 600_000 });
		const { answer, sent } = await streamForEver(port, 'x'.repeat(1 << 16));
		expect(answer).toMatch(/^HTTP\/1\.1 413 /);
		// What was read (1 MB) and what the kernels' buffers held when it let go.
		expect(sent).toBeLessThan(64 << 20);
	});

	test('lets go of a client that sends a byte at a time for ever once its time has passed', async () => {
		const port = await refusing({ bytes: 1 << 30, ms: 300 });
		const { answer } = await streamForEver(port, 'x');
		expect(answer).toMatch(/^HTTP\/1\.1 413 /);
	});

	test('closes as before when the request was read to its end', async () => {
		const port = await refusing({ bytes: 1 << 20, ms: 600_000 });
		const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'small' });
		expect(res.status).toBe(413);
		expect(res.headers.get('connection')).toBe('close');
		expect(await res.text()).toBe('too large');
	});

	test('hands a request sent after the refused body to no handler: the answer said close', async () => {
		const port = await refusing({ bytes: 1 << 20, ms: 600_000 });
		// The server's end of the connection closing (the client's, half open, stays).
		const closed = new Promise<void>((resolve) =>
			server!.once('connection', (socket: net.Socket) => socket.once('close', () => resolve()))
		);
		const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
		socket.on('error', () => undefined);
		let answer = '';
		const answered = new Promise<void>((resolve) =>
			socket.on('data', (data) => {
				answer += data;
				if (answer.includes('too large')) resolve();
			})
		);
		socket.write('POST /big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n');
		await answered;
		// The rest of the body, and a second request behind it, in one write: the server
		// still lingering reads both.
		socket.write(
			'0123456789POST /second HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nhi'
		);
		await closed;
		// RFC 9112 §9.6: a server that answered with close processes no further request.
		expect(handled).toEqual(['POST /big']);
		expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
	});
});
