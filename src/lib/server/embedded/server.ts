/**
 * The embedded CouchDB-compatible store: express-pouchdb + PouchDB 9 on leveldb
 * (or memory, for tests), bound to 127.0.0.1 on a free port, with an admin password
 * made anew at every start and kept in the data directory. The app talks to it over HTTP through
 * nano exactly as it would talk to Apache CouchDB. In front of express-pouchdb: the
 * guard, the longpoll emulation and the view engine; inside it, `_bulk_docs` checked
 * against `validate_doc_update` once per request (bulk-validation.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ClassicLevel } from 'classic-level';
import { StartupError } from '../errors';
import { SESSION_LIFETIME_S } from '../accounts/session-token';
import { isAdmin, refusal } from './guard';
import { createOwnerOnly, keepOwnerOnly, STORE_DIRS } from './owner-only';
import { answerLongpoll, isLongpoll, Writes } from './longpoll';
import { checkBulkDocsOncePerRequest } from './bulk-validation';
import { startViewEngine } from './views/engine';
import { handleViewRequest, type ViewHttpContext } from './views/http';
import { TABLE_LIMIT } from './tables';
import { PASSWORD_ITERATIONS, setUpPasswordHashing } from './passwords';
import { deniedIn } from './data-dir-access';

const require = createRequire(import.meta.url);

/** Admin credentials of the embedded store, kept in `<dataDir>/couchdb-admin.json`. */
export interface EmbeddedCredentials {
	user: string;
	password: string;
	/** Secret for CouchDB session cookies, so logins survive a restart. */
	secret: string;
}

/** Options of {@link startEmbeddedCouch}. */
export interface EmbeddedOptions {
	/** Directory for the databases, config, log and credentials. Created if missing. */
	dataDir: string;
	/** Keep databases in memory (tests); credentials still live in dataDir. Default false. */
	memory?: boolean;
	/** Port to bind on 127.0.0.1; default 0 (a free port). */
	port?: number;
	/**
	 * A port the free one must not be: the app's own `PORT`, which the app binds after
	 * the store has started. The system may hand out a port in its ephemeral range that
	 * the app was told to use, and the app would then fail with `EADDRINUSE`.
	 */
	avoidPort?: number;
	/**
	 * Answer views with the view engine (default true); false leaves them to PouchDB's
	 * own map/reduce, for the benchmark's comparison.
	 */
	viewEngine?: boolean;
	/**
	 * How long indexing waits for the reads in flight at most before it takes a slice
	 * anyway (views/schedule.ts); default 250 ms. Tests set it long to see reads first.
	 */
	readWaitMs?: number;
	/**
	 * How many changes a view index takes in one batch (views/indexer.ts); default 1,000.
	 * Tests set it small to see a catch-up of many batches over a few documents.
	 */
	viewBatchSize?: number;
}

/** A running embedded store. */
export interface EmbeddedCouch {
	/** Base URL with admin credentials, e.g. `http://admin:pw@127.0.0.1:41234/`. */
	url: URL;
	/** Where the admin credentials are kept. */
	credentialsFile: string;
	/** Stops accepting connections and closes every open database. */
	close(): Promise<void>;
}

/** Name of the credentials file inside the data directory. */
export const CREDENTIALS_FILE = 'couchdb-admin.json';

/**
 * Name of the embedded store's server admin (in {@link CREDENTIALS_FILE}). CouchDB checks
 * its server admins before `_users`, so no couchstats account may have this name.
 */
export const EMBEDDED_ADMIN = 'couchdb-admin';

/**
 * Folder in the data directory whose leveldb the running store keeps open, as the lock
 * of the whole directory: leveldb locks it (`fcntl`) for one process, and the system
 * lets go when that process ends, however it ends.
 */
export const LOCK_DIR = 'couchdb-lock';

/**
 * File in the data directory naming the port of a running embedded store and the process
 * running it, written by start-up (boot/startup.ts) once the store listens.
 */
export const RUNNING_FILE = 'couchdb-running.json';

/**
 * `_changes` feeds in flight on one database past which Node warns of a listener leak
 * (PouchDB adds a listener per feed; Node's default warns past 10).
 */
const FEEDS_IN_FLIGHT_WARNED = 1_000;

/**
 * The data directory is open in another process (an app, `npm run couch`, or a tool that
 * started its own store): leveldb admits one process at a time.
 */
export class DataDirInUseError extends StartupError {
	/**
	 * @param dataDir The data directory.
	 * @param holder The process holding it and its store's port, when it said (an app or
	 *   `npm run couch` write them once their store listens).
	 */
	constructor(
		readonly dataDir: string,
		readonly holder: { pid: number; port: number } | undefined
	) {
		super(
			`data directory ${dataDir} is in use by another process` +
				(holder ? ` (pid ${holder.pid}, its store on 127.0.0.1:${holder.port})` : ''),
			'stop that process first, or set COUCHSTATS_DATA_DIR to another directory'
		);
	}
}

/**
 * Starts the embedded store.
 * @throws {StartupError} when the data directory cannot be written or the port is taken.
 */
export async function startEmbeddedCouch(options: EmbeddedOptions): Promise<EmbeddedCouch> {
	const dataDir = path.resolve(options.dataDir);
	createOwnerOnly();
	ensureWritable(dataDir);
	// Before any other file is touched: a second process must leave the first unharmed.
	const lock = options.memory ? undefined : await lockDataDir(dataDir);
	try {
		return await openStore(dataDir, options, lock);
	} catch (e) {
		await lock?.close();
		throw e;
	}
}

async function openStore(
	dataDir: string,
	options: EmbeddedOptions,
	lock: ClassicLevel | undefined
): Promise<EmbeddedCouch> {
	keepOwnerOnly(dataDir);
	const credentialsFile = path.join(dataDir, CREDENTIALS_FILE);
	const credentials = renewCredentials(credentialsFile);

	// PouchDB and express-pouchdb are CommonJS without types we rely on.
	const PouchDB = require('pouchdb');
	const ExpressPouchDB = require('express-pouchdb');
	let Pouch;
	if (options.memory) {
		PouchDB.plugin(require('pouchdb-adapter-memory'));
		Pouch = PouchDB.defaults({ adapter: 'memory' });
	} else {
		fs.mkdirSync(path.join(dataDir, STORE_DIRS.documents), { recursive: true });
		// PouchDB passes its options on to leveldown's open: 64 tables mapped at most (tables.ts).
		Pouch = PouchDB.defaults({
			prefix: path.join(dataDir, STORE_DIRS.documents) + path.sep,
			...TABLE_LIMIT
		});
	}

	setUpPasswordHashing();
	const configPath = path.join(dataDir, 'couchdb-config.json');
	writeConfig(configPath, credentials, Boolean(options.memory));
	const pouchApp = ExpressPouchDB(Pouch, {
		mode: 'fullCouchDB',
		configPath,
		logPath: path.join(dataDir, 'couchdb-log.txt'),
		inMemoryConfig: Boolean(options.memory),
		// Fauxton is loaded from a CDN-free bundle we do not ship; CouchDB admins use curl.
		// No replication: the app never asks the store for it, and a `_replicator`
		// document runs with the admin's rights (an outside review crashed the app with
		// one, then copied `_users` out and an admin account in).
		overrideMode: { exclude: ['routes/fauxton', 'replicator', 'routes/replicate'] }
	});
	// validate_doc_update once per _bulk_docs, not once per document (bulk-validation.ts).
	checkBulkDocsOncePerRequest(pouchApp);
	// Each `_changes` feed in flight listens for its database's `destroyed` event, and Node
	// warns of a leak past 10 listeners: a dozen live pages opening at once (each asks for
	// the changes since its read) logged a MaxListenersExceededWarning. Warn only at a
	// number of feeds no request pattern of the app reaches.
	pouchApp.dbWrapper.registerWrapper(
		(_name: string, db: { setMaxListeners(n: number): void }, next: () => unknown) => {
			db.setMaxListeners(FEEDS_IN_FLIGHT_WARNED);
			return next();
		}
	);
	if (options.memory) {
		// With an in-memory config the admins and cookie secret are set here instead.
		await setConfig(pouchApp, 'admins', credentials.user, credentials.password);
		await setConfig(pouchApp, 'couch_httpd_auth', 'secret', credentials.secret);
		// A number: pouchdb-auth adds it to a timestamp, and a string would concatenate.
		await setConfig(pouchApp, 'couch_httpd_auth', 'timeout', SESSION_LIFETIME_S);
		await setConfig(pouchApp, 'couch_httpd_auth', 'iterations', PASSWORD_ITERATIONS);
	}

	// express-pouchdb opens databases itself (_users, _replicator, every db a request
	// names); remember each name so close() can release every leveldb LOCK.
	const openNames = new Set<string>();
	const onCreated = (name: string) => openNames.add(name);
	Pouch.on('created', onCreated);

	// Views with built-in reducers are answered by the view engine (views/README.md).
	const views =
		options.viewEngine === false
			? undefined
			: await startViewEngine({
					Pouch,
					dir: options.memory ? undefined : path.join(dataDir, STORE_DIRS.views),
					readWaitMs: options.readWaitMs,
					batchSize: options.viewBatchSize
				});
	const viewContext: ViewHttpContext = {
		isAdmin: (req) => isAdmin(req.headers.authorization, credentials),
		base: () => base(),
		passOn: (req, res) => pouchApp(req, res)
	};

	const writes = new Writes();
	// A plain http handler in front: express-pouchdb brings its own Express 4, whose
	// routes assign req.query, which an outer Express 5 app would make read-only.
	const server = http.createServer((req, res) => {
		let url: URL;
		try {
			url = new URL(req.url ?? '/', base());
		} catch {
			res.writeHead(400, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: 'bad_request', reason: 'malformed request URL' }));
			return;
		}
		const refused = refusal(
			{
				method: req.method ?? 'GET',
				url: req.url ?? '/',
				remoteAddress: req.socket.remoteAddress,
				host: req.headers.host,
				contentLength:
					req.headers['content-length'] === undefined
						? undefined
						: Number(req.headers['content-length']),
				chunked: req.headers['transfer-encoding'] !== undefined,
				authorization: req.headers.authorization,
				cookie: req.headers.cookie
			},
			credentials
		);
		if (refused) {
			res.writeHead(refused.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: refused.error, reason: refused.reason }));
			return;
		}
		// CouchDB 3 names the local node `_local`; express-pouchdb knows it as node1@127.0.0.1.
		if (url.pathname.startsWith('/_node/_local/')) {
			req.url = req.url!.replace('/_node/_local/', '/_node/node1@127.0.0.1/');
		}
		if (views && handleViewRequest(views, viewContext, req, res, url)) return;
		if (!isLongpoll(req.method ?? 'GET', url)) {
			// A write answered may be a change a waiting longpoll should send at once.
			if (req.method !== 'GET' && req.method !== 'HEAD') res.on('finish', () => writes.done());
			return pouchApp(req, res);
		}
		answerLongpoll(req, res, base(), writes).catch(() => {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: 'unknown_error', reason: 'longpoll failed' }));
		});
	});
	// Clients close idle keep-alive sockets first (undici after 4 s): a server that closes
	// them itself at 5 s, late while busy, races a client reusing one ("other side closed").
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;
	const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	await (options.port ? listen(server, options.port) : listenFree(server, options.avoidPort));
	const { port } = server.address() as AddressInfo;
	const url = new URL(`http://127.0.0.1:${port}/`);
	url.username = credentials.user;
	url.password = credentials.password;

	return {
		url,
		credentialsFile,
		async close() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await views?.close();
			Pouch.removeListener('created', onCreated);
			// A new instance of an open name shares its store; closing it closes the store.
			await Promise.all(
				[...openNames].map((name) => new Pouch(name).close().catch(() => undefined))
			);
			await lock?.close();
		}
	};
}

/**
 * How long a store process may take to close before it exits anyway (store-main.ts);
 * leveldb's writes are logged before they are answered, so an exit then loses nothing
 * (views/README.md, crash safety), the store only reopens slower.
 */
export const STORE_CLOSE_LIMIT_MS = 20_000;

/**
 * How long taking the data directory waits for a store whose app has ended: the store
 * runs in a process of its own (store-process.ts), which closes once its app is gone,
 * `kill -9` of the app included, within {@link STORE_CLOSE_LIMIT_MS}; an app started
 * again at once must not find it still closing.
 */
const ENDED_APP_WAIT_MS = STORE_CLOSE_LIMIT_MS + 5_000;

/**
 * Takes the data directory for this process.
 * @throws {DataDirInUseError} when another process has it.
 */
async function lockDataDir(dataDir: string): Promise<ClassicLevel> {
	const deadline = Date.now() + ENDED_APP_WAIT_MS;
	let waiting = false;
	for (;;) {
		const lock = new ClassicLevel(path.join(dataDir, LOCK_DIR));
		try {
			await lock.open();
			return lock;
		} catch (e) {
			const cause = (e as { cause?: { code?: string } }).cause;
			if (cause?.code !== 'LEVEL_LOCKED') throw e;
			const running = readRunningFile(dataDir);
			const holder = running && isRunning(running.pid) ? running : undefined;
			if (holder || !running || Date.now() > deadline) throw new DataDirInUseError(dataDir, holder);
			// The app that wrote the running file has ended; its store is closing.
			if (!waiting) {
				console.log(
					`couchstats: waiting for the store of an app that ended (pid ${running.pid}) to let go of ${dataDir}`
				);
			}
			waiting = true;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}

/**
 * The process and port a running store wrote down in {@link RUNNING_FILE}, if any (the
 * process may have ended since).
 */
export function readRunningFile(dataDir: string): { pid: number; port: number } | undefined {
	try {
		const running = JSON.parse(fs.readFileSync(path.join(dataDir, RUNNING_FILE), 'utf8'));
		const { pid, port } = running as { pid: unknown; port: unknown };
		if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
		return { pid: pid as number, port: port as number };
	} catch {
		return undefined;
	}
}

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function ensureWritable(dataDir: string) {
	try {
		fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
		fs.accessSync(dataDir, fs.constants.W_OK);
		const probe = path.join(dataDir, `.write-test-${process.pid}`);
		fs.writeFileSync(probe, '');
		fs.rmSync(probe);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code ?? 'error';
		// mkdir says EEXIST of a file in the way (an outside probe read "not writable").
		const file =
			code === 'EEXIST' && !fs.statSync(dataDir, { throwIfNoEntry: false })?.isDirectory();
		throw new StartupError(
			file
				? `data directory ${dataDir} is a file, not a directory`
				: `data directory ${dataDir} is not writable (${code})`,
			'set COUCHSTATS_DATA_DIR to a directory this user can write'
		);
	}
	const denied = deniedIn(dataDir);
	if (denied) {
		throw new StartupError(
			`data directory ${dataDir} holds ${denied.path}, which this user cannot read and write (${denied.code})`,
			'give the directory and all it holds to the user that runs couchstats (chown -R), as a backup put back by another user needs'
		);
	}
}

/**
 * The store admin's credentials for this start: the cookie secret kept (so that logins
 * survive a restart), a new password every start. A password that reached anyone it
 * should not have (another local user who took the store's port after the store ended,
 * an outside security probe) is useless from the next start on.
 */
function renewCredentials(file: string): EmbeddedCredentials {
	const kept = fs.existsSync(file)
		? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EmbeddedCredentials>)
		: {};
	const credentials: EmbeddedCredentials = {
		user: EMBEDDED_ADMIN,
		password: randomBytes(18).toString('base64url'),
		secret: kept.secret || randomBytes(32).toString('hex')
	};
	fs.writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
	return credentials;
}

/**
 * Writes the express-pouchdb config: the admin with this start's password (hashed by
 * express-pouchdb on load), the cookie secret and the session lifetime.
 */
function writeConfig(file: string, credentials: EmbeddedCredentials, memory: boolean) {
	if (memory) return;
	const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
	const config = {
		...existing,
		admins: { [credentials.user]: credentials.password },
		couch_httpd_auth: {
			...existing.couch_httpd_auth,
			secret: credentials.secret,
			timeout: SESSION_LIFETIME_S,
			iterations: PASSWORD_ITERATIONS
		},
		log: { level: 'warning' }
	};
	fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}

function setConfig(
	app: {
		couchConfig: {
			set(section: string, key: string, value: unknown, cb: (err?: unknown) => void): void;
		};
	},
	section: string,
	key: string,
	value: string | number
) {
	return new Promise<void>((resolve, reject) =>
		app.couchConfig.set(section, key, value, (err) => (err ? reject(err) : resolve()))
	);
}

/**
 * Binds a free port on 127.0.0.1 that is not `avoid`, asking the system again when it
 * hands out that one.
 */
export async function listenFree(server: http.Server, avoid: number | undefined): Promise<void> {
	for (;;) {
		await listen(server, 0);
		if ((server.address() as AddressInfo).port !== avoid) return;
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}

function listen(server: http.Server, port: number) {
	return new Promise<void>((resolve, reject) => {
		server.once('error', (e: NodeJS.ErrnoException) =>
			reject(
				e.code === 'EADDRINUSE'
					? new StartupError(
							`port ${port} on 127.0.0.1 is already in use`,
							'stop the other process or choose another port'
						)
					: e
			)
		);
		server.listen(port, '127.0.0.1', () => resolve());
	});
}
