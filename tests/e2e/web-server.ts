/**
 * The app Playwright starts for the specs that use `baseURL` (playwright.config.ts):
 * the built app on a fresh embedded store in `.couchstats-e2e`, or, with
 * COUCHSTATS_TEST_COUCHDB_URL, on that server under a fresh database prefix of the run
 * (the same in every worker: workers inherit the runner's environment).
 */
import path from 'node:path';
import { embeddedUrl } from '../support/app';
import { externalCouchUrl, firstAccountFor, freshPrefix } from '../support/test-couch';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Its data directory (the embedded store's data and credentials). */
export const WEB_SERVER_DATA_DIR = '.couchstats-e2e';

/** Prefix of its database names. */
export const webServerPrefix = externalCouchUrl
	? (process.env.COUCHSTATS_E2E_DB_PREFIX ??= freshPrefix())
	: 'couchstats';

/** Its first account. */
export const webServerAdmin = {
	name: firstAccountFor(webServerPrefix),
	password: 'e2e-admin-password'
};

/** The environment that puts it on the suite's CouchDB (none: its own embedded store). */
export const webServerCouchEnv: Record<string, string> = externalCouchUrl
	? {
			COUCHDB_URL: externalCouchUrl.toString(),
			COUCHSTATS_DB_PREFIX: webServerPrefix,
			COUCHSTATS_ADMIN_NAME: webServerAdmin.name
		}
	: {};

/** The CouchDB server it talks to, with admin credentials. */
export function webServerCouchUrl(): URL {
	if (externalCouchUrl) return externalCouchUrl;
	const url = embeddedUrl(path.join(root, WEB_SERVER_DATA_DIR));
	if (!url) throw new Error(`no embedded store is running on ${WEB_SERVER_DATA_DIR}`);
	return url;
}
