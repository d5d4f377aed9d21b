/**
 * Starts one real embedded CouchDB-compatible server (express-pouchdb + PouchDB 9,
 * memory adapter) on a free loopback port for the integration tests. Each test file
 * gets its own database prefix through `useCouch()`.
 */
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startEmbeddedCouch } from '../../src/lib/server/embedded/server';
import { tempDir } from '../helpers/app';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Base URL of the test CouchDB server, with admin credentials. */
		couchUrl: string;
	}
}

export default async function setup(project: TestProject) {
	const dataDir = tempDir('couchstats-it-');
	const embedded = await startEmbeddedCouch({ dataDir, memory: true });
	project.provide('couchUrl', embedded.url.toString());
	return async () => {
		await embedded.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	};
}
