/**
 * Which CouchDB the test suites talk to. By default each suite starts the embedded
 * store (the integration tests one in `global-setup.ts`, every app its own). With
 * `COUCHSTATS_TEST_COUCHDB_URL` set to a server admin's URL, the integration tests and
 * the Playwright suite use that server instead: every test file and every app gets a
 * fresh database prefix and a fresh first-account name, both starting with the run's
 * id, and {@link removeRunData} deletes them when the run ends.
 */
import { randomBytes } from 'node:crypto';
import nano from 'nano';
import { FIRST_ACCOUNT } from '../../src/lib/server/boot/setup';

const given = process.env.COUCHSTATS_TEST_COUCHDB_URL || undefined;

/** The external server the suites use, or undefined when they start the embedded store. */
export const externalCouchUrl: URL | undefined = given ? new URL(given) : undefined;

/** The run's id: made by the process that starts a suite, inherited by its workers. */
export const testRun = (process.env.COUCHSTATS_TEST_RUN ??= randomBytes(4).toString('hex'));

/** A fresh database prefix of this run, e.g. `t1a2b3c4d-5e6f70`. */
export function freshPrefix(): string {
	return `t${testRun}-${randomBytes(3).toString('hex')}`;
}

/**
 * The first account's name for a database prefix: `admin` on the embedded store; on an
 * external server one of this run's own, since its `_users` is shared by every prefix,
 * outlives the run and may hold an `admin` already (or be the server admin's name).
 */
export function firstAccountFor(prefix: string): string {
	return externalCouchUrl ? `${prefix}-admin` : FIRST_ACCOUNT;
}

/** An account name a test creates: as given on the embedded store, this run's own on an external server. */
export function testAccount(name: string): string {
	return externalCouchUrl ? `t${testRun}-${name}` : name;
}

/** The `Authorization` header for the user and password in a URL (fetch refuses them in the URL). */
export function basicAuth(url: URL): string {
	const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
	return `Basic ${Buffer.from(pair).toString('base64')}`;
}

/** Deletes the databases and accounts this run created on the external server. */
export async function removeRunData(url: URL): Promise<void> {
	const server = nano(url.toString());
	const mark = `t${testRun}-`;
	for (const name of await server.db.list()) {
		if (name.startsWith(mark)) await server.db.destroy(name);
	}
	const users = server.use<Record<string, unknown>>('_users');
	const { rows } = await users.list({
		startkey: `org.couchdb.user:${mark}`,
		endkey: `org.couchdb.user:${mark}\ufff0`
	});
	for (const row of rows) await users.destroy(row.id, row.value.rev);
}

/**
 * The accounts on the external server that no test run named (runs name theirs
 * `t<run>-…`). One that appears during a run was written outside the run's own names
 * and outlives it.
 */
export async function foreignAccounts(url: URL): Promise<string[]> {
	const { rows } = await nano(url.toString()).use('_users').list();
	return rows
		.map((row) => row.id)
		.filter(
			(id) => id.startsWith('org.couchdb.user:') && !/^org\.couchdb\.user:t[0-9a-f]{8}-/.test(id)
		);
}
