/**
 * A lingering close for the front server (scripts/serve.js): when the server closes a
 * connection whose request body it has not read to its end (a 413, 429 or 503 answered
 * with `Connection: close`, ingest/body.ts `closingHeaders`, or any other early answer),
 * it sends the answer and its end, then reads and discards what the client still sends
 * for a bounded time and number of bytes before it lets go of the socket. Closed at once
 * with unread input, the kernel resets the connection, and a client still writing its
 * body, which had not read the answer yet, lost it: no bytes at all (the integration
 * test `slow-clients` "a body refused as too large" failed so under load). Apache httpd
 * (`lingering_close`) and nginx (`lingering_time`) do the same.
 *
 * Bounded both ways, so that a client streaming for ever holds no socket and no core:
 * the lingering ends when the body is all read, the client closes its side,
 * {@link LINGER_BYTES} more have been read or {@link LINGER_MS} have passed, whichever
 * comes first. Plain JavaScript, as serve.js imports it unbuilt.
 */

/** The most a lingering close reads and discards, bytes. */
export const LINGER_BYTES = 16 * 1024 * 1024;
/** The longest a lingering close waits, ms. */
export const LINGER_MS = 5000;

/**
 * Makes `server` linger before closing a connection with its last request's body unread.
 * Called once the server's request handler is in place (`http.createServer`'s).
 * Node's HTTP server closes a connection after a closing answer through the socket's
 * `destroySoon()` (node:_http_server `resOnFinish`): that is the one step replaced, per
 * socket; any other close (a time-out, a shutdown) is left as it was.
 * @param {import('node:http').Server} server
 * @param {{ bytes?: number, ms?: number }} [limits] Default {@link LINGER_BYTES} and
 *   {@link LINGER_MS}.
 */
export function lingerBeforeClosing(server, { bytes = LINGER_BYTES, ms = LINGER_MS } = {}) {
	/** @type {WeakMap<import('node:net').Socket, import('node:http').IncomingMessage>} */
	const last = new WeakMap();
	/** @type {WeakSet<import('node:net').Socket>} */
	const lingering = new WeakSet();
	// A request that follows the refused body on a lingering connection (pipelined behind
	// it) reaches none of the server's handlers: the answer said the connection closes, and
	// a server that said so processes no further request on it (RFC 9112 §9.6). Node's
	// parser still reads it, so the handlers in place are called through this one.
	const handlers = server.listeners('request');
	server.removeAllListeners('request');
	server.on('request', (req, res) => {
		if (lingering.has(req.socket)) return void req.socket.destroy();
		last.set(req.socket, req);
		for (const handler of handlers) handler.call(server, req, res);
	});
	server.on('connection', (/** @type {import('node:net').Socket} */ socket) => {
		const close = socket.destroySoon;
		socket.destroySoon = function destroySoon() {
			const req = last.get(socket);
			if (!req || req.complete || socket.destroyed) return close.call(socket);
			lingering.add(socket);
			linger(socket, req, bytes, ms);
		};
	});
}

/** How often a lingering close counts what it read, ms: Node's HTTP parser reads the socket itself, without an event per read. */
const COUNT_EVERY_MS = 20;

/**
 * Ends `socket`'s writing side (the answer is out, then its end), discards what `req`
 * still brings, and destroys the socket once the body is read or the client closed its
 * side (after the answer has left), or at once past `bytes` (counted every
 * {@link COUNT_EVERY_MS}) or `ms`.
 * @param {import('node:net').Socket} socket
 * @param {import('node:http').IncomingMessage} req
 * @param {number} bytes
 * @param {number} ms
 */
function linger(socket, req, bytes, ms) {
	socket.end();
	const before = socket.bytesRead;
	const timer = setTimeout(() => socket.destroy(), ms);
	const count = setInterval(() => {
		if (socket.bytesRead - before > bytes) socket.destroy();
	}, COUNT_EVERY_MS);
	socket.once('close', () => {
		clearTimeout(timer);
		clearInterval(count);
	});
	const done = () => {
		if (socket.writableFinished) socket.destroy();
		else socket.once('finish', () => socket.destroy());
	};
	req.once('end', done);
	socket.once('end', done);
	// Read on and dropped: what read the body so far (the app's stream of it) reads no more.
	// (Node already does so with a body nobody began to read.)
	req.removeAllListeners('data');
	req.resume();
}
