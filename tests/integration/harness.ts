/**
 * What integration tests share: a fresh, set-up database prefix on the real embedded
 * server started by global-setup.ts, and the built app as a child process.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { ensureSetup, type SetupResult } from '../../src/lib/server/setup';
import { STATS_DESIGN } from '../../src/lib/server/stats/view-reader';

export { freePort, runAppToExit, startApp, tempDir } from '../helpers/app';

/** Password of the first account in every test database. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/** A fresh database prefix with databases created and design documents deployed. */
export async function useCouch(): Promise<{
	couch: Couch;
	url: URL;
	prefix: string;
	setup: SetupResult;
}> {
	const url = new URL(inject('couchUrl'));
	const prefix = `t${randomBytes(5).toString('hex')}`;
	const couch = createCouch(url, prefix);
	const setup = await ensureSetup(couch, { adminPassword: TEST_ADMIN_PASSWORD });
	return { couch, url, prefix, setup };
}

/**
 * Resolves once the stats views have indexed everything written so far: a read that
 * brings the index up to date (the server waits for it, as Apache CouchDB does).
 */
export async function indexed(couch: Couch): Promise<void> {
	await couch.events.view(STATS_DESIGN, 'timeline', { limit: 0 });
}
