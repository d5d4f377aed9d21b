/**
 * Starts one real embedded CouchDB-compatible server (express-pouchdb + PouchDB 9,
 * memory adapter) on a free loopback port for the integration tests — or, with
 * `COUCHSTATS_TEST_COUCHDB_URL`, uses that server and removes the run's databases and
 * accounts from it at the end (tests/support/test-couch.ts), failing the run if it
 * left an account of another name there. Each test file gets its own database prefix
 * through `useCouch()`.
 */
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startEmbeddedCouch } from '../../src/lib/server/embedded/server';
import { tempDir } from '../support/app';
import { externalCouchUrl, foreignAccounts, removeRunData } from '../support/test-couch';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Base URL of the test CouchDB server, with admin credentials. */
		couchUrl: string;
		/** The embedded store's credentials file; unset on an external server. */
		credentialsFile?: string;
	}
}

export default async function setup(project: TestProject) {
	if (externalCouchUrl) {
		const url = externalCouchUrl;
		project.provide('couchUrl', url.toString());
		const before = new Set(await foreignAccounts(url));
		return async () => {
			await removeRunData(url);
			const added = (await foreignAccounts(url)).filter((id) => !before.has(id));
			if (added.length > 0) {
				throw new Error(`the run created accounts outside its own names: ${added.join(', ')}`);
			}
		};
	}
	const dataDir = tempDir('couchstats-it-');
	const embedded = await startEmbeddedCouch({ dataDir, memory: true });
	project.provide('couchUrl', embedded.url.toString());
	project.provide('credentialsFile', embedded.credentialsFile);
	return async () => {
		await embedded.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	};
}
