#!/usr/bin/env node
/**
 * Serves the built app (adapter-node's `build/handler.js`) as `build/index.js` does —
 * HOST, PORT, ORIGIN (default `http://localhost:PORT`), graceful shutdown on
 * SIGTERM/SIGINT within SHUTDOWN_TIMEOUT seconds, then `sveltekit:shutdown` — plus the
 * time limits adapter-node leaves at Node's defaults (60 s for headers, 300 s for a
 * request, checked only every 30 s), so that clients sending a byte at a time cannot
 * hold connections open:
 *
 * | variable             | default | the connection is cut when                       |
 * | -------------------- | ------- | ------------------------------------------------ |
 * | `HEADERS_TIMEOUT`    | 10      | the request's headers took longer (seconds)      |
 * | `REQUEST_TIMEOUT`    | 30      | the whole request, body included, took longer   |
 * | `KEEP_ALIVE_TIMEOUT` | 5       | an idle keep-alive connection waited longer      |
 *
 * and caps on open connections (launch-env.js): `MAX_CONNECTIONS` in all, and
 * `MAX_CONNECTIONS_PER_ADDRESS` from one client address; one past either is closed as
 * it opens. Every answer, the static files adapter-node serves included, carries the
 * security headers (security-headers.js).
 *
 * A connection closed before its request body was read (a 413) reads on and discards
 * the rest for at most 5 s and 16 MB first (linger.js), so the client gets the answer.
 *
 * Limits are checked every second. A response may take as long as it needs (the live
 * stream never ends); only receiving the request is limited. `npm start` runs this;
 * tests and the end-to-end suite run it too.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import {
	addressHeaderWarning,
	cannotListen,
	LaunchEnvError,
	openFilesLimit,
	readLaunchEnv,
	STOPPING
} from '../src/lib/server/boot/launch-env.js';
import { COMMON_HEADERS } from '../src/lib/server/security-headers.js';
import { TRACKER_CACHE_CONTROL, TRACKER_FILES } from '../src/lib/tracker-files.js';
import { logLine } from '../src/lib/server/boot/log-line.js';
import { lingerBeforeClosing } from '../src/lib/server/boot/linger.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The process's limit of open files, where the system tells it (Linux). */
function openFiles() {
	try {
		return openFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
	} catch {
		return undefined;
	}
}

// Checked before adapter-node reads them on import, so a bad one is one line, not a trace.
let launch;
try {
	launch = readLaunchEnv(process.env, openFiles());
} catch (e) {
	if (!(e instanceof LaunchEnvError)) throw e;
	console.error(e.line);
	process.exit(1);
}
const {
	headersTimeout,
	requestTimeout,
	keepAliveTimeout,
	shutdownTimeout,
	maxConnections,
	maxConnectionsPerAddress
} = launch;
// The ingest accepts request bodies up to 1 MB (adapter-node's default is 512 KB).
process.env.BODY_SIZE_LIMIT ||= '1M';
const host = process.env.HOST || '0.0.0.0';
const rawPort = process.env.PORT || '3000';
const port = Number(rawPort);
// adapter-node assumes https unless told the public origin; forms and CSRF checks need
// it. The app also takes http://127.0.0.1:PORT and http://[::1]:PORT for this default
// (any loopback ORIGIN: src/lib/server/accounts/csrf.ts), never another name. A PORT that is no port
// gets no default, so that the app's start-up names PORT rather than adapter-node an
// ORIGIN nobody set.
if (
	!process.env.ORIGIN &&
	!process.env.PROTOCOL_HEADER &&
	/^\d{1,5}$/.test(rawPort) &&
	port >= 1 &&
	port <= 65535
) {
	process.env.ORIGIN = `http://localhost:${port}`;
	console.log(
		`couchstats: ORIGIN not set, assuming ${process.env.ORIGIN} (also reached as ` +
			`http://127.0.0.1:${port}; set ORIGIN to your public URL)`
	);
}

const exposed = addressHeaderWarning(process.env);
if (exposed) console.log(exposed);

// Imported after the environment is complete: adapter-node reads it on import.
const { handler } = await import(path.join(root, 'build', 'handler.js'));

/** The tracker files' paths, which adapter-node serves with no Cache-Control of its own. */
const trackerPaths = new Set(Object.values(TRACKER_FILES).map((file) => `/${file}`));

const server = http.createServer(
	{
		// Node waits for the headers at most as long as for the whole request.
		headersTimeout: Math.min(headersTimeout, requestTimeout),
		requestTimeout,
		connectionsCheckingInterval: 1000
	},
	(req, res) => {
		// Every answer's, the static files' too (the app's own answers set them again).
		for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
		if (trackerPaths.has(req.url?.split('?')[0] ?? '')) {
			res.setHeader('Cache-Control', TRACKER_CACHE_CONTROL);
		}
		handler(req, res);
	}
);
server.keepAliveTimeout = keepAliveTimeout;
// A connection closed with its request body unread first reads on, bounded (linger.js),
// so that the kernel does not reset it before the client has read the answer.
lingerBeforeClosing(server);
// Connections past either cap are closed as they open (README, "Run it").
server.maxConnections = maxConnections;
/** Open connections per client address. */
const open = new Map();
server.on('connection', (socket) => {
	if (!maxConnectionsPerAddress) return;
	const address = socket.remoteAddress ?? '';
	const count = (open.get(address) ?? 0) + 1;
	if (count > maxConnectionsPerAddress) return void socket.destroy();
	open.set(address, count);
	socket.once('close', () => {
		const left = open.get(address) - 1;
		if (left) open.set(address, left);
		else open.delete(address);
	});
});

server.once('error', (/** @type {NodeJS.ErrnoException} */ e) => {
	console.error(cannotListen(host, port, e.code ?? e.message));
	process.exit(1);
});
server.listen(port, host, () => {
	logLine(`Listening on http://${host}:${port}`);
	// `npm start` (scripts/start.js) announces the address only once the app is up.
	// The channel stays open, unreferenced: when the launcher dies without passing a
	// signal on (`kill -9` of it), its end closes, and the app stops as on SIGTERM rather
	// than run on orphaned with its data directory locked (an outside operations review).
	process.send?.({ listening: port });
	process.channel?.unref();
	process.once('disconnect', () => shutdown('SIGTERM'));
});

/** @type {NodeJS.Timeout | undefined} */
let forceClose;
// While shutting down, close each connection as soon as its request is done.
server.on('request', (req) => req.on('close', () => forceClose && server.closeIdleConnections()));

/**
 * adapter-node's graceful shutdown: stop accepting, let requests finish, then report.
 * @param {NodeJS.Signals} signal
 */
function shutdown(signal) {
	if (forceClose) return;
	forceClose = setTimeout(() => server.closeAllConnections(), shutdownTimeout);
	process.emit(/** @type {NodeJS.Signals} */ (STOPPING));
	server.closeIdleConnections();
	server.close(() => {
		clearTimeout(forceClose);
		process.emit(/** @type {NodeJS.Signals} */ ('sveltekit:shutdown'), signal);
	});
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// A closed terminal or ssh session (SIGHUP to the process group): stop as cleanly.
process.on('SIGHUP', shutdown);
