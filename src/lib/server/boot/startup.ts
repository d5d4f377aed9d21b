/**
 * Start-up: connect to CouchDB (Apache CouchDB at COUCHDB_URL, or the embedded store
 * when it is unset) and run the idempotent set-up. Used by the app's `init` hook,
 * by `npm run couch` and by the command-line tools.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { redact } from './config';
import { createCouch, type Couch } from '../couch';
import {
	readRunningFile,
	RUNNING_FILE,
	startEmbeddedCouch,
	type EmbeddedCouch
} from '../embedded/server';
import { startStoreProcess, type StoreLost } from '../embedded/store-process';
import { ensureSetup, type SetupResult } from './setup';
import { promoteAllStaged } from './staged-designs';

/** A connected, set-up backend. */
export interface Backend {
	couch: Couch;
	/** The embedded store, when the app started one. */
	embedded?: EmbeddedCouch;
	setup: SetupResult;
	/**
	 * Settles once the design documents set-up staged are live (or given up): their
	 * indexes are built in the background meanwhile, staged-designs.ts.
	 */
	promoted: Promise<void>;
	/** Stops promoting, closes the embedded store (if any) and forgets its address. */
	close(): Promise<void>;
}

export { RUNNING_FILE };

/** Options of {@link startBackend}. */
export interface BackendOptions {
	/**
	 * Run the embedded store in a process of its own (the app: embedded/store-process.ts
	 * says why), and call this when it ends unexpectedly. Without, the store runs in this
	 * process (the command-line tools, which serve no pages).
	 */
	storeLost?: StoreLost;
	/**
	 * How long to wait for the store's answer to one request, ms (the app's
	 * `config.storeWaitMs`); none when unset (the command-line tools: couch.ts says why).
	 */
	waitMs?: number;
}

/**
 * Connects and sets up.
 * @throws {StartupError} for every problem an operator can fix.
 */
export async function startBackend(config: Config, options: BackendOptions = {}): Promise<Backend> {
	let embedded: EmbeddedCouch | undefined;
	let url = config.couchdbUrl;
	if (!url) {
		const storeOptions = { dataDir: config.dataDir, memory: config.memory, avoidPort: config.port };
		embedded = options.storeLost
			? await startStoreProcess(storeOptions, options.storeLost)
			: await startEmbeddedCouch(storeOptions);
		url = embedded.url;
		writeRunningFile(config.dataDir, embedded.url);
	}
	const couch = createCouch(url, config.dbPrefix, options.waitMs);
	try {
		const setup = await ensureSetup(couch, {
			adminPassword: config.adminPassword,
			adminName: config.adminName,
			couchdbDir: config.couchdbDir
		});
		const stop = new AbortController();
		const promoted = promoteAllStaged(couch, setup.stagedDesigns, { signal: stop.signal });
		return {
			couch,
			embedded,
			setup,
			promoted,
			async close() {
				stop.abort();
				if (!embedded) return;
				removeRunningFile(config.dataDir, embedded.url);
				await embedded.close();
			}
		};
	} catch (e) {
		if (embedded) {
			removeRunningFile(config.dataDir, embedded.url);
			await embedded.close();
		}
		throw e;
	}
}

/** Lines describing where the backend lives, for the start-up log. Never prints secrets. */
export function describeBackend(backend: Backend, config: Config): string[] {
	const lines = backend.embedded
		? [
				`embedded CouchDB-compatible store at ${redact(backend.embedded.url)} (127.0.0.1 only)`,
				`data in ${config.dataDir}; store admin credentials in ${backend.embedded.credentialsFile}`
			]
		: [`CouchDB at ${redact(backend.couch.url)}`];
	if (backend.setup.createdDbs.length) lines.push(`created ${backend.setup.createdDbs.join(', ')}`);
	if (backend.setup.deployedDesigns.length) {
		lines.push(`deployed ${backend.setup.deployedDesigns.join(', ')}`);
	}
	if (backend.setup.stagedDesigns.length) {
		const changed = backend.setup.stagedDesigns.map(({ db, id }) => `${db}/${id}`).join(', ');
		lines.push(
			`building the changed views of ${changed} in the background; the previous views serve until they are built`
		);
	}
	const first = backend.setup.firstAccount;
	if (first) {
		lines.push(
			first.generated
				? `created account "${first.name}" with password ${first.password} — save it now, it is not shown again`
				: `created account "${first.name}" with the password from COUCHSTATS_ADMIN_PASSWORD`
		);
	}
	return lines.map((line) => `couchstats: ${line}`);
}

function writeRunningFile(dataDir: string, url: URL) {
	const body = JSON.stringify({ port: Number(url.port), pid: process.pid }) + '\n';
	fs.writeFileSync(path.join(dataDir, RUNNING_FILE), body, { mode: 0o600 });
}

function removeRunningFile(dataDir: string, url: URL) {
	const running = readRunningFile(dataDir);
	if (running?.pid === process.pid && running.port === Number(url.port)) {
		fs.rmSync(path.join(dataDir, RUNNING_FILE), { force: true });
	}
}
