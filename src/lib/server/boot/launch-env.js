/**
 * The launcher's settings: the variables `scripts/serve.js` and adapter-node's handler
 * read before the app's `init` runs `loadConfig` (config.ts), checked first so that a
 * bad one stops the server with one line naming it and the fix, as every other setting
 * does, rather than adapter-node's stack trace or a request failing later. Plain
 * JavaScript: `npm start` (scripts/start.js) and scripts/serve.js run it without a
 * TypeScript loader.
 */

/**
 * The event `scripts/serve.js` emits on `process` as it starts to stop, whatever stops it
 * (SIGTERM, SIGINT, SIGHUP, the launcher's channel closing): the app ends its live
 * streams then, which never end by themselves and would hold the stop until
 * `SHUTDOWN_TIMEOUT`.
 */
export const STOPPING = 'couchstats:stopping';

/** Seconds the launcher's time limits take when unset (scripts/serve.js). */
export const LAUNCH_DEFAULTS = {
	HEADERS_TIMEOUT: '10',
	REQUEST_TIMEOUT: '30',
	KEEP_ALIVE_TIMEOUT: '5',
	SHUTDOWN_TIMEOUT: '30'
};

/**
 * @typedef {object} LaunchSettings
 * @property {number} headersTimeout ms
 * @property {number} requestTimeout ms
 * @property {number} keepAliveTimeout ms
 * @property {number} shutdownTimeout ms
 * @property {number} maxConnections open connections at most (`server.maxConnections`)
 * @property {number} maxConnectionsPerAddress open connections from one client address
 *   at most; 0: no cap
 */

/**
 * A launcher setting is wrong: `line` is the one line to print before exiting 1.
 */
export class LaunchEnvError extends Error {
	/**
	 * @param {string} message What is wrong, e.g. `ORIGIN is not a URL (got "x")`.
	 * @param {string} fix What the operator should do about it.
	 */
	constructor(message, fix) {
		super(message);
		this.name = 'LaunchEnvError';
		this.line = `couchstats: ${message} — ${fix}`;
	}
}

/**
 * The one line for an address the app cannot listen on (`npm start` probes it before
 * the app starts; serve.js when it listens).
 * @param {string} host
 * @param {string | number} port
 * @param {string | undefined} code The error's code, e.g. `EADDRINUSE`, `EADDRNOTAVAIL`.
 * @returns {string}
 */
export function cannotListen(host, port, code) {
	const fix =
		code === 'EADDRINUSE'
			? 'stop the other process or set PORT to a free port'
			: 'set HOST to an address of this machine (0.0.0.0 for all, 127.0.0.1 for this machine only) and PORT to a port this user may use';
	return `couchstats: cannot listen on ${host}:${port} (${code}) — ${fix}`;
}

/**
 * Reads and checks the launcher's variables; unset or empty ones take their defaults
 * (ORIGIN's, `http://localhost:PORT`, is serve.js's to set).
 * @param {Record<string, string | undefined>} env The environment.
 * @param {number} [openFiles] The process's limit of open files, when known.
 * @returns {LaunchSettings}
 * @throws {LaunchEnvError} naming the first bad variable and the fix.
 */
export function readLaunchEnv(env, openFiles) {
	const settings = {
		headersTimeout: seconds(env, 'HEADERS_TIMEOUT'),
		requestTimeout: seconds(env, 'REQUEST_TIMEOUT'),
		keepAliveTimeout: seconds(env, 'KEEP_ALIVE_TIMEOUT'),
		shutdownTimeout: seconds(env, 'SHUTDOWN_TIMEOUT'),
		maxConnections: count(env, 'MAX_CONNECTIONS', 1, defaultMaxConnections(openFiles)),
		// Behind proxies (XFF_DEPTH), every connection comes from them: they limit clients.
		maxConnectionsPerAddress: count(
			env,
			'MAX_CONNECTIONS_PER_ADDRESS',
			0,
			env.XFF_DEPTH ? 0 : DEFAULT_CONNECTIONS_PER_ADDRESS
		)
	};
	const origin = env.ORIGIN?.trim();
	if (origin && !isHttpUrl(origin)) {
		throw new LaunchEnvError(
			`ORIGIN is not an http:// or https:// URL (got "${origin}")`,
			'set it to the public URL of the app, e.g. ORIGIN=https://stats.example.com, or unset it for http://localhost:PORT'
		);
	}
	// The app is served at the root: a path in ORIGIN names pages that do not exist (an
	// outside re-check: the start line announced /base/login, a 404).
	const url = origin ? new URL(origin) : undefined;
	if (url && (url.pathname !== '/' || url.search || url.hash)) {
		throw new LaunchEnvError(
			`ORIGIN must be the app's origin, without a path, query or fragment (got "${origin}")`,
			'set it to the scheme, host and port the app is reached at, e.g. ORIGIN=https://stats.example.com (the app is served at its root)'
		);
	}
	const body = env.BODY_SIZE_LIMIT;
	if (Number.isNaN(bodySizeLimit(body))) {
		throw new LaunchEnvError(
			`BODY_SIZE_LIMIT is not a size in bytes (got "${body}")`,
			'use e.g. BODY_SIZE_LIMIT=1M (a whole number, with K, M or G for kilo-, mega- or gigabytes), or unset it'
		);
	}
	const depth = env.XFF_DEPTH;
	if (depth && !/^0*[1-9]\d{0,2}$/.test(depth)) {
		throw new LaunchEnvError(
			`XFF_DEPTH must be a whole number from 1 to 999 (got "${depth}")`,
			'set it to the number of trusted proxies in front of the app, e.g. XFF_DEPTH=1, or unset it'
		);
	}
	return settings;
}

/**
 * The line the app says as it starts when it takes client addresses from a proxy's
 * header (`ADDRESS_HEADER`) while listening on more than this machine (`HOST`, default
 * every interface): whoever reaches its port without the proxy sets that header as they
 * like, posing as any address (another visitor's rate limits, the login throttle's log
 * line; an outside probe behind nginx). Undefined when there is nothing to say.
 * @param {Record<string, string | undefined>} env
 * @returns {string | undefined}
 */
export function addressHeaderWarning(env) {
	if (!env.ADDRESS_HEADER?.trim()) return undefined;
	const host = env.HOST?.trim() || '0.0.0.0';
	if (/^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i.test(host)) return undefined;
	return (
		`couchstats: ADDRESS_HEADER is set and the app listens on ${host}: a client that ` +
		`reaches its port without the proxy can claim any address in ${env.ADDRESS_HEADER.trim()}; ` +
		'set HOST=127.0.0.1 when the proxy runs on this machine, or let only the proxy reach the port'
	);
}

/** adapter-node's BODY_SIZE_LIMIT when it is unset (scripts/serve.js sets 1M before the app starts). */
const ADAPTER_BODY_SIZE_LIMIT = 512 * 1024;

/**
 * BODY_SIZE_LIMIT in bytes, read as adapter-node reads it: a whole number, with K, M or
 * G for 1024, 1024² or 1024³ bytes, or Infinity; unset or empty, adapter-node's 512K.
 * The app's forms are capped at it (src/lib/server/read-form.ts), so that their 413
 * names the limit the adapter enforces.
 * @param {string | undefined} value
 * @returns {number} NaN for a value that is no size.
 */
export function bodySizeLimit(value) {
	if (!value) return ADAPTER_BODY_SIZE_LIMIT;
	if (value === 'Infinity') return Infinity;
	const match = /^(\d+)([KMG]?)$/i.exec(value);
	if (!match) return NaN;
	return Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2].toUpperCase() || ' ');
}

/**
 * Open connections one client address may have by default: a browser opens six to an
 * origin, a live dashboard one more; an outside probe held 20,000 idle ones from one
 * address, every descriptor of the process, and nobody else was answered.
 */
export const DEFAULT_CONNECTIONS_PER_ADDRESS = 256;

/**
 * Open connections at most by default: half the process's limit of open files (the rest
 * is the store's: its connections and, embedded, its files), at most 10,000; 1,000 when
 * the limit is unknown.
 * @param {number | undefined} openFiles
 */
export function defaultMaxConnections(openFiles) {
	if (!(openFiles && openFiles > 0)) return 1000;
	return Math.max(64, Math.min(10_000, Math.floor(openFiles / 2)));
}

/**
 * The soft limit of open files in `/proc/self/limits` text, if it says one.
 * @param {string} limits
 */
export function openFilesLimit(limits) {
	const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
	return soft ? Number(soft) : undefined;
}

/**
 * A whole number from `min` to 1,000,000, or `fallback` when unset.
 * @param {Record<string, string | undefined>} env
 * @param {string} name
 * @param {number} min
 * @param {number} fallback
 */
function count(env, name, min, fallback) {
	const raw = env[name];
	if (!raw) return fallback;
	if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > 1_000_000) {
		throw new LaunchEnvError(
			`${name} must be a whole number from ${min} to 1000000 (got "${raw}")`,
			`use e.g. ${name}=${fallback}, or unset it for that default`
		);
	}
	return Number(raw);
}

/**
 * A whole number of seconds, in ms.
 * @param {Record<string, string | undefined>} env
 * @param {keyof typeof LAUNCH_DEFAULTS} name
 */
function seconds(env, name) {
	const raw = env[name] || LAUNCH_DEFAULTS[name];
	if (!/^\d{1,6}$/.test(raw)) {
		throw new LaunchEnvError(
			`${name} must be a whole number of seconds, 0–999999 (got "${raw}")`,
			`use e.g. ${name}=${LAUNCH_DEFAULTS[name]}, or unset it for that default`
		);
	}
	return Number(raw) * 1000;
}

/** @param {string} value */
function isHttpUrl(value) {
	try {
		return ['http:', 'https:'].includes(new URL(value).protocol);
	} catch {
		return false;
	}
}
