/**
 * Runs the BUILT app (`node scripts/serve.js`, so `npm run build` first) as a child
 * process on a free loopback port, with its own data directory and embedded store —
 * the same thing `npm start` runs — or, with `COUCHSTATS_TEST_COUCHDB_URL`, on that
 * server under a fresh database prefix (see test-couch.ts). Used by integration tests,
 * Playwright specs and benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FIRST_ACCOUNT } from '../../src/lib/server/boot/setup';
import { externalCouchUrl, firstAccountFor, freshPrefix } from './test-couch';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Options of {@link startApp}. */
export interface AppOptions {
	/** Extra environment; `COUCHDB_URL` here makes the app use that server instead of the suite's. */
	env?: Record<string, string | undefined>;
	/** Data directory to use (reuse one to restart an app on the same data). */
	dataDir?: string;
	/** Port; default a free one. */
	port?: number;
	/** How long to wait for `/healthz`; default 30 s. */
	timeoutMs?: number;
	/** Start through `scripts/start.js` (`npm start`), which runs serve.js as its child. */
	viaStart?: boolean;
}

/** A running app. */
export interface RunningApp {
	/** e.g. `http://localhost:41234` */
	url: string;
	port: number;
	dataDir: string;
	/** The CouchDB server's URL with admin credentials (undefined if the embedded store did not say). */
	couchUrl: URL | undefined;
	/** Prefix of the app's database names. */
	prefix: string;
	/** Name of the app's first account. */
	adminName: string;
	/** Everything the process printed so far. */
	output(): string;
	/** SIGTERM, then wait for exit (SIGKILL after 10 s). Resolves to the exit code. */
	stop(): Promise<number | null>;
	process: ChildProcess;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'couchstats-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** What serves the built app, as `npm start` does. */
const SERVE = path.join(root, 'scripts', 'serve.js');

/**
 * A line of a stack trace in a process's output, stamped as the server's log lines are
 * (src/lib/server/boot/log-line.js: `2026-12-07T01:12:03.456Z     at …`) or not (a tool's).
 */
export const STACK_LINE = /^(?:\d{4}-\d\d-\d\dT[\d:.]+Z )?\s+at /m;

/** The first admin's password in every app the tests start (its name is `adminName`). */
export const ADMIN_PASSWORD = 'test-admin-password';

/** Runs `node scripts/serve.js` and waits until `/healthz` answers 200. */
export async function startApp(options: AppOptions = {}): Promise<RunningApp> {
	if (!fs.existsSync(path.join(root, 'build', 'handler.js')))
		throw new Error('build/handler.js is missing: run `npm run build` first');
	const port = options.port ?? (await freePort());
	const dataDir = options.dataDir ?? tempDir();
	const url = `http://localhost:${port}`;
	let output = '';
	const env: Record<string, string | undefined> = {
		...process.env,
		COUCHDB_URL: undefined,
		...externalServerEnv(dataDir, options.env),
		COUCHSTATS_DATA_DIR: dataDir,
		COUCHSTATS_ADMIN_PASSWORD: ADMIN_PASSWORD,
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: url,
		BODY_SIZE_LIMIT: '1M',
		...options.env
	};
	const script = options.viaStart ? path.join(root, 'scripts', 'start.js') : SERVE;
	const child = spawn(process.execPath, [script], {
		cwd: root,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((resolve) =>
		child.once('exit', (code) => resolve(code))
	);

	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	for (;;) {
		if (child.exitCode !== null) {
			throw new Error(`the app exited with code ${child.exitCode}:\n${output}`);
		}
		const ok = await fetch(`${url}/healthz`)
			.then((r) => r.ok)
			.catch(() => false);
		if (ok) break;
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`the app did not become healthy:\n${output}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}

	return {
		url,
		port,
		dataDir,
		couchUrl: env.COUCHDB_URL ? new URL(env.COUCHDB_URL) : embeddedUrl(dataDir),
		prefix: env.COUCHSTATS_DB_PREFIX ?? 'couchstats',
		adminName: env.COUCHSTATS_ADMIN_NAME ?? FIRST_ACCOUNT,
		output: () => output,
		process: child,
		async stop() {
			if (child.exitCode !== null) return child.exitCode;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			const code = await exited;
			clearTimeout(timer);
			return code;
		}
	};
}

/**
 * On the suite's external server, the app's CouchDB settings: a fresh prefix, kept in
 * the data directory so that a restart on it finds the same databases. None when the
 * test names its own COUCHDB_URL.
 */
function externalServerEnv(
	dataDir: string,
	env: AppOptions['env'] = {}
): Record<string, string> | undefined {
	if (!externalCouchUrl || 'COUCHDB_URL' in env) return undefined;
	const file = path.join(dataDir, 'test-db-prefix');
	if (!fs.existsSync(file)) fs.writeFileSync(file, freshPrefix());
	const prefix = fs.readFileSync(file, 'utf8');
	return {
		COUCHDB_URL: externalCouchUrl.toString(),
		COUCHSTATS_DB_PREFIX: prefix,
		COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix)
	};
}

/** The URL, with admin credentials, of the embedded store running on a data directory. */
export function embeddedUrl(dataDir: string): URL | undefined {
	try {
		const { port } = JSON.parse(
			fs.readFileSync(path.join(dataDir, 'couchdb-running.json'), 'utf8')
		);
		const { user, password } = JSON.parse(
			fs.readFileSync(path.join(dataDir, 'couchdb-admin.json'), 'utf8')
		);
		const url = new URL(`http://127.0.0.1:${port}/`);
		url.username = user;
		url.password = password;
		return url;
	} catch {
		return undefined;
	}
}

/** Runs the built app to completion (for start-up failures). */
export function runAppToExit(
	env: Record<string, string | undefined>,
	timeoutMs = 30_000
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [SERVE], {
			cwd: root,
			env: { ...process.env, COUCHDB_URL: undefined, HOST: '127.0.0.1', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}
