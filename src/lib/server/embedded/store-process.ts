/**
 * The embedded store in a process of its own (its entry is store-main.ts), talked to
 * over HTTP like any CouchDB; an IPC channel only starts and stops it. Run so, the app's
 * pages and the store's indexing each have an event loop (and on two cores a core) of
 * their own: in one process, a 150k-line import held the dashboard page at 1.5 s median
 * and up to 4.4 s, as each write and indexing slice made every page wait (README, the
 * embedded store's limits: Imports). The benchmarks run the store so too.
 *
 * The store process takes no signal from a terminal or a service manager (they reach
 * the whole process group): it closes when the app tells it, once the app has finished
 * its requests, or when the app is gone (its channel closes, `kill -9` of the app
 * included). An app that asked for it starts the store again, on the same port, when it
 * ends unexpectedly.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../errors';
import { DataDirInUseError, type EmbeddedCouch, type EmbeddedOptions } from './server';

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
	/** The process now running the store (a restart changes it). */
	readonly pid: number;
}

/** What an app does when its store process ends unexpectedly. */
export interface StoreRestarts {
	/** Told each restart, with a line for the log. */
	restarting(line: string): void;
	/** Told when the store cannot be had again (the app has no store then). */
	lost(line: string): void;
}

/** At most this many unexpected ends within {@link CRASH_WINDOW_MS} are started again. */
export const RESTARTS_IN_WINDOW = 3;
const CRASH_WINDOW_MS = 60_000;

/**
 * How long closing waits for the store process to exit before it kills it: leveldb's
 * writes are logged before they are answered, so a killed store loses nothing
 * (views/README.md, crash safety), it only reopens slower.
 */
const CLOSE_LIMIT_MS = 30_000;

/**
 * Starts the embedded store in a child process and waits until it serves.
 * @param restarts Given, the store is started again when it ends unexpectedly (not in
 *   memory, whose data would be gone); without, an unexpected end is left to the caller.
 * @throws {StartupError} (a {@link DataDirInUseError} among them) as the store reported it.
 */
export async function startStoreProcess(
	options: EmbeddedOptions,
	restarts?: StoreRestarts
): Promise<StoreProcess> {
	let child = await spawnStore(options);
	const url = new URL(child.url);
	const port = Number(url.port);
	let closing: Promise<void> | undefined;
	const ends: number[] = [];

	const watch = (running: ChildProcess) =>
		running.once('exit', (code, signal) => {
			if (closing || !restarts) return;
			const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
			const now = Date.now();
			ends.push(now);
			while (ends[0] < now - CRASH_WINDOW_MS) ends.shift();
			if (options.memory) {
				restarts.lost(`couchstats: the embedded store ${how}; its data was in memory only`);
			} else if (ends.length > RESTARTS_IN_WINDOW) {
				restarts.lost(
					`couchstats: the embedded store ${how}, its ${ends.length}th end within a minute; not starting it again`
				);
			} else {
				restarts.restarting(
					`couchstats: the embedded store ${how}; starting it again on 127.0.0.1:${port}`
				);
				spawnStore({ ...options, port }).then(
					(next) => {
						child = next;
						// Closed while it started: the new process goes too.
						if (closing) void stopChild(next.process);
						else watch(next.process);
					},
					(e: Error) =>
						restarts.lost(`couchstats: the embedded store could not start again: ${e.message}`)
				);
			}
		});
	watch(child.process);

	return {
		url,
		credentialsFile: child.credentialsFile,
		get pid() {
			return child.process.pid!;
		},
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
		// As `npm start` runs the app (scripts/start.js): two malloc arenas.
		env: { MALLOC_ARENA_MAX: '2', ...process.env },
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
	child.on('error', (e) => console.error(`couchstats: the store process: ${e.message}`));
	// The channel must not keep a process alive that is otherwise done (a tool, a test).
	child.channel?.unref();
	return { process: child, ...ready.ready };
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
	const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_LIMIT_MS);
	if (child.connected) child.send({ close: true } satisfies ToStore);
	else child.kill('SIGKILL');
	await exited;
	clearTimeout(timer);
}

/**
 * The store process's entry: from the sources (tsx compiles it, as for the scripts), or
 * from the build (`npm run build` writes `build/store/main.js`, vite.store.config.ts).
 */
function storeEntry(): { file: string; execArgv: string[] } {
	const here = fileURLToPath(import.meta.url);
	if (here.endsWith('.ts')) {
		return { file: path.join(path.dirname(here), 'store-main.ts'), execArgv: ['--import', 'tsx'] };
	}
	for (let dir = path.dirname(here); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
		const file = path.join(dir, 'store', 'main.js');
		if (fs.existsSync(file)) return { file, execArgv: [] };
	}
	throw new Error('cannot find the store process (build/store/main.js): run `npm run build`');
}
