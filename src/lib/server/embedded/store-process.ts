/**
 * The embedded store in a process of its own (its entry is store-main.ts), talked to
 * over HTTP like any CouchDB; an IPC channel only starts and stops it. Run so, the app's
 * own work and the store's writes and indexing each have an event loop (and on two cores
 * a core) of their own. Measured during imports against the store inside the app, the
 * dashboard page was up to a quarter faster while the import wrote, a page's reads still
 * waiting for a busy store, and indexing ended sooner (README, the embedded store's
 * limits: Imports). The benchmarks run the store so too.
 *
 * The store process takes no signal from a terminal or a service manager (they reach
 * the whole process group): it closes when the app tells it, once the app has finished
 * its requests, or when the app is gone (its channel closes, `kill -9` of the app
 * included). When it ends unexpectedly, the app is told, and ends too (hooks.server.ts):
 * started again on the same port, the store would leave that port free for a moment
 * while the app went on sending the admin's credentials to it, which another local user
 * could take (an outside security probe did, 12 ms after the store ended). Started again
 * with the app, the store gets a free port and a new password (server.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../errors';
import { logLine } from '../boot/log-line.js';
import {
	DataDirInUseError,
	STORE_CLOSE_LIMIT_MS,
	type EmbeddedCouch,
	type EmbeddedOptions
} from './server';

/** What the app tells its store process. */
export type ToStore = { start: EmbeddedOptions } | { close: true };

/** Why a store process could not start, as it reports it. */
export interface StartFailure {
	message: string;
	/** A {@link StartupError}'s fix; absent for any other error. */
	fix?: string;
	/** A {@link DataDirInUseError}'s holder; `null` when it named none. */
	holder?: { pid: number; port: number } | null;
	stack?: string;
}

/** What a store process tells the app. */
export type FromStore =
	{ ready: { url: string; credentialsFile: string } } | { failed: StartFailure };

/** A running store process. */
export interface StoreProcess extends EmbeddedCouch {
	/** The process running the store. */
	readonly pid: number;
}

/** Told when a store process ends unexpectedly, with a line for the log. */
export type StoreLost = (line: string) => void;

/**
 * How long closing waits for the store process to exit before it kills it: past the
 * limit the process gives itself ({@link STORE_CLOSE_LIMIT_MS}).
 */
const KILL_AFTER_MS = STORE_CLOSE_LIMIT_MS + 10_000;

/**
 * Starts the embedded store in a child process and waits until it serves.
 * @param lost Told if the process ends other than by {@link StoreProcess.close}.
 * @throws {StartupError} (a {@link DataDirInUseError} among them) as the store reported it.
 */
export async function startStoreProcess(
	options: EmbeddedOptions,
	lost?: StoreLost
): Promise<StoreProcess> {
	const child = await spawnStore(options);
	let closing: Promise<void> | undefined;
	child.process.once('exit', (code, signal) => {
		if (closing) return;
		const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
		lost?.(`couchstats: the embedded store ${how}; the app stops too`);
	});
	return {
		url: new URL(child.url),
		credentialsFile: child.credentialsFile,
		pid: child.process.pid!,
		close() {
			closing ??= stopChild(child.process);
			return closing;
		}
	};
}

/** A started store process, with what it reported. */
interface Spawned {
	process: ChildProcess;
	url: string;
	credentialsFile: string;
}

async function spawnStore(options: EmbeddedOptions): Promise<Spawned> {
	const entry = storeEntry();
	const child = fork(entry.file, [], {
		execArgv: entry.execArgv,
		// As `npm start` runs the app (scripts/start.js): two malloc arenas. The app's own
		// secrets are none of the store's.
		env: { MALLOC_ARENA_MAX: '2', ...withoutSecrets(process.env) },
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		serialization: 'json'
	});
	child.send({ start: options } satisfies ToStore);
	const ready = await new Promise<FromStore>((resolve, reject) => {
		child.once('message', (message) => resolve(message as FromStore));
		child.once('error', reject);
		child.once('exit', (code, signal) =>
			reject(new Error(`the store process ended as it started (${signal ?? `code ${code}`})`))
		);
	});
	if ('failed' in ready) {
		await new Promise((resolve) =>
			child.exitCode === null ? child.once('exit', resolve) : resolve(0)
		);
		throw failureOf(ready.failed, options.dataDir);
	}
	child.removeAllListeners('exit').removeAllListeners('error');
	// A failed send or kill (the process already gone); its exit is watched, not this.
	child.on('error', (e) => logLine(`couchstats: the store process: ${e.message}`));
	// The channel must not keep a process alive that is otherwise done (a tool, a test).
	child.channel?.unref();
	return { process: child, ...ready.ready };
}

/** The environment without the app's secrets (config.ts reads them). */
function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	const rest = { ...env };
	delete rest.COUCHSTATS_ADMIN_PASSWORD;
	delete rest.COUCHDB_URL;
	return rest;
}

/** The error a store process reported, as the caller can tell it. */
function failureOf(failure: StartFailure, dataDir: string): Error {
	if (failure.holder !== undefined)
		return new DataDirInUseError(path.resolve(dataDir), failure.holder ?? undefined);
	if (failure.fix !== undefined) return new StartupError(failure.message, failure.fix);
	const error = new Error(`the embedded store could not start: ${failure.message}`);
	if (failure.stack) error.stack = failure.stack;
	return error;
}

/** Asks a store process to close and waits until it has exited (killed past the limit). */
async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
	if (child.connected) child.send({ close: true } satisfies ToStore);
	else child.kill('SIGKILL');
	await exited;
	clearTimeout(timer);
}

/**
 * The store process's entry: from the sources (tsx compiles it, as for the scripts), or
 * from the app's build ({@link builtStoreEntry}).
 */
function storeEntry(): { file: string; execArgv: string[] } {
	const here = fileURLToPath(import.meta.url);
	if (here.endsWith('.ts')) {
		return { file: path.join(path.dirname(here), 'store-main.ts'), execArgv: ['--import', 'tsx'] };
	}
	return { file: builtStoreEntry(path.dirname(here)), execArgv: [] };
}

/**
 * The built store process (`npm run build` writes `build/store/main.js`,
 * vite.store.config.ts), looked for in the app's build only: its root is the nearest
 * folder holding adapter-node's `handler.js` at or above `chunkDir` (an outside security
 * probe had a `store/main.js` planted in a folder above a build without one run).
 * @throws {StartupError} when the build has none.
 */
export function builtStoreEntry(chunkDir: string): string {
	let build = chunkDir;
	while (!fs.existsSync(path.join(build, 'handler.js'))) {
		if (path.dirname(build) === build) {
			throw new StartupError(
				`the app's build has no handler.js above ${chunkDir}`,
				'run `npm run build`, or `npm start`, which builds what is missing'
			);
		}
		build = path.dirname(build);
	}
	const file = path.join(build, 'store', 'main.js');
	if (!fs.existsSync(file)) {
		throw new StartupError(
			`the app's build has no embedded store (${file})`,
			'run `npm run build`, or `npm start`, which builds what is missing'
		);
	}
	return file;
}
