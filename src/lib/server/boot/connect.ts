/**
 * How command-line tools (import, retention, benchmarks) reach CouchDB: COUCHDB_URL
 * when set; otherwise the embedded store of an app running on the same data dir
 * (leveldb allows one process per store); otherwise an embedded store of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from './config';
import { createCouch, type Couch } from '../couch';
import { CREDENTIALS_FILE, type EmbeddedCredentials } from '../embedded/server';
import { RUNNING_FILE, startBackend } from './startup';

/** A connection for a script; `close()` stops the store if the script started it. */
export interface ScriptConnection {
	couch: Couch;
	config: Config;
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
	const running = config.couchdbUrl ? undefined : await runningEmbeddedUrl(config.dataDir);
	if (running) {
		return { couch: createCouch(running, config.dbPrefix), config, close: async () => undefined };
	}
	const backend = await startBackend(config);
	return { couch: backend.couch, config, close: () => backend.close() };
}

async function runningEmbeddedUrl(dataDir: string): Promise<URL | undefined> {
	try {
		const running = JSON.parse(fs.readFileSync(path.join(dataDir, RUNNING_FILE), 'utf8')) as {
			port: number;
		};
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
