/**
 * How command-line tools (import, retention, benchmarks) reach CouchDB: COUCHDB_URL
 * when set; otherwise an embedded store of their own, or, when the data directory is in
 * use (leveldb allows one process per store), the store of the app running on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, redact, type Config } from './config';
import { createCouch, type Couch } from '../couch';
import {
	CREDENTIALS_FILE,
	DataDirInUseError,
	readRunningFile,
	type EmbeddedCredentials
} from '../embedded/server';
import { startBackend } from './startup';

/** A connection for a script; `close()` stops the store if the script started it. */
export interface ScriptConnection {
	couch: Couch;
	config: Config;
	/**
	 * Which store the script reached, for its messages: the CouchDB URL with its password
	 * hidden, or the embedded store's data directory and whether a running app serves it
	 * or the script started it; with the database prefix. Holds no secret.
	 */
	store: string;
	close(): Promise<void>;
}

/**
 * Connects a command-line tool, running the idempotent set-up when it starts a store.
 * @param env The environment (`process.env`, passed by the script).
 * @throws {StartupError} as {@link startBackend} does, and as `loadConfig` does.
 */
export async function connectForScript(
	env: Record<string, string | undefined>
): Promise<ScriptConnection> {
	const config = loadConfig(env);
	const prefix = `database prefix "${config.dbPrefix}"`;
	if (config.couchdbUrl) {
		const backend = await startBackend(config);
		const store = `CouchDB at ${redact(config.couchdbUrl)} (COUCHDB_URL; ${prefix})`;
		return { couch: backend.couch, config, store, close: () => backend.close() };
	}
	const useRunning = (url: URL): ScriptConnection => ({
		couch: createCouch(url, config.dbPrefix),
		config,
		store: `the running app's embedded store in ${config.dataDir} (${prefix})`,
		close: async () => undefined
	});
	// A store in memory takes no lock: the running file alone says whether one runs.
	const running = config.memory ? await runningEmbeddedUrl(config.dataDir) : undefined;
	if (running) return useRunning(running);
	try {
		const backend = await startBackend(config);
		return {
			couch: backend.couch,
			config,
			store: `the embedded store in ${config.dataDir} (${prefix}), started by this tool as no app is running on it`,
			close: () => backend.close()
		};
	} catch (e) {
		// Only the directory's lock says an app runs on it: a running file copied with the
		// directory (or left by a crash) may name another directory's store on that port.
		if (!(e instanceof DataDirInUseError)) throw e;
		const holder = await runningEmbeddedUrl(config.dataDir);
		if (!holder) throw e;
		return useRunning(holder);
	}
}

async function runningEmbeddedUrl(dataDir: string): Promise<URL | undefined> {
	try {
		const running = readRunningFile(dataDir);
		if (!running) return undefined;
		const credentials = JSON.parse(
			fs.readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8')
		) as EmbeddedCredentials;
		const url = new URL(`http://127.0.0.1:${running.port}/`);
		url.username = credentials.user;
		url.password = credentials.password;
		const res = await fetch(url.origin + '/', { signal: AbortSignal.timeout(2000) });
		return res.ok ? url : undefined;
	} catch {
		return undefined;
	}
}
