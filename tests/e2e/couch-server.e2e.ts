/**
 * Which CouchDB the Playwright suite talks to: the app Playwright started runs on its
 * own embedded store, or, with COUCHSTATS_TEST_COUCHDB_URL, on that server under a
 * fresh prefix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { basicAuth, externalCouchUrl } from '../support/test-couch';
import { WEB_SERVER_DATA_DIR, webServerCouchUrl, webServerPrefix } from './web-server';

test(`the app talks to ${externalCouchUrl ? 'COUCHSTATS_TEST_COUCHDB_URL' : 'an embedded store of its own'}`, async ({
	request
}) => {
	expect((await request.get('/healthz')).status()).toBe(200);
	const url = webServerCouchUrl();
	const headers = { authorization: basicAuth(url) };
	const welcome = (await (await fetch(url.origin + '/', { headers })).json()) as Record<
		string,
		unknown
	>;
	// Apache CouchDB: {"couchdb":"Welcome",…}; the embedded store: {"express-pouchdb":"Welcome!",…}.
	const vendor = welcome.couchdb ? 'Apache CouchDB' : welcome['express-pouchdb'] && 'embedded';
	console.info(`couchstats: the e2e app talks to ${vendor} ${welcome.version} at ${url.origin}`);
	const credentials = path.join(WEB_SERVER_DATA_DIR, 'couchdb-admin.json');
	if (externalCouchUrl) {
		expect(vendor).toBeTruthy();
		expect(webServerPrefix).toMatch(/^t[0-9a-f]{8}-[0-9a-f]{6}$/);
		expect(fs.existsSync(credentials)).toBe(false);
	} else {
		expect(vendor).toBe('embedded');
		expect(webServerPrefix).toBe('couchstats');
		expect(fs.existsSync(credentials)).toBe(true);
	}
	const events = await fetch(`${url.origin}/${webServerPrefix}-events/_design/stats`, { headers });
	expect(events.status).toBe(200);
});
