/**
 * Test support: the embedded store in a temporary data directory, called over HTTP as
 * its admin (reads-first.test.ts, shared.test.ts, bulk-validation.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedCouch, type EmbeddedCouch, type EmbeddedOptions } from './server';

/** A `Basic` authorization header. */
export function basic(user: string, password: string): string {
	return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A store started for a test and a client of it. */
export interface TempStore {
	store: EmbeddedCouch;
	dataDir: string;
	origin: string;
	/** The store admin's authorization header. */
	admin: string;
	/** A JSON request, as the store admin unless `auth` says otherwise. */
	call<T = Record<string, unknown>>(
		method: string,
		url: string,
		body?: unknown,
		auth?: string
	): Promise<{ status: number; body: T }>;
	/** Closes the store (once), keeping its directory: a test may start it again on it. */
	close(): Promise<void>;
}

const started: TempStore[] = [];
const made: string[] = [];

/**
 * Starts the store in `options.dataDir`, or in a new temporary directory that
 * {@link closeTempStores} deletes.
 */
export async function startTempStore(options: Partial<EmbeddedOptions> = {}): Promise<TempStore> {
	let dataDir = options.dataDir;
	if (dataDir === undefined) {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-test-store-'));
		made.push(dataDir);
	}
	const store = await startEmbeddedCouch({ ...options, dataDir });
	const { url } = store;
	const admin = basic(decodeURIComponent(url.username), decodeURIComponent(url.password));
	let closed: Promise<void> | undefined;
	const temp: TempStore = {
		store,
		dataDir,
		origin: url.origin,
		admin,
		async call(method, at, body, auth = admin) {
			const res = await fetch(url.origin + at, {
				method,
				headers: { authorization: auth, 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body)
			});
			return { status: res.status, body: await res.json() };
		},
		close() {
			const at = started.indexOf(temp);
			if (at >= 0) started.splice(at, 1);
			closed ??= store.close();
			return closed;
		}
	};
	started.push(temp);
	return temp;
}

/**
 * Closes every store {@link startTempStore} started and deletes the directories it made
 * (an `afterEach`).
 */
export async function closeTempStores(): Promise<void> {
	for (const temp of [...started]) await temp.close();
	for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
