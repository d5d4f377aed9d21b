/**
 * Which CouchDB the integration tests talk to: the embedded store global-setup.ts
 * started, or, with COUCHSTATS_TEST_COUCHDB_URL, that server — for the tests' own
 * reads and writes and for the apps they start.
 */
import fs from 'node:fs';
import { expect, inject, test } from 'vitest';
import type { EmbeddedCredentials } from '../../src/lib/server/embedded/server';
import { basicAuth, externalCouchUrl, startApp } from './harness';

const url = new URL(inject('couchUrl'));

test(`the tests talk to ${externalCouchUrl ? 'COUCHSTATS_TEST_COUCHDB_URL' : 'the embedded store global-setup.ts started'}`, async () => {
	const welcome = (await (await fetch(url.origin + '/')).json()) as Record<string, unknown>;
	// Apache CouchDB: {"couchdb":"Welcome",…}; the embedded store: {"express-pouchdb":"Welcome!",…}.
	const vendor = welcome.couchdb ? 'Apache CouchDB' : welcome['express-pouchdb'] && 'embedded';
	console.info(
		`couchstats: integration tests talk to ${vendor} ${welcome.version} at ${url.origin}`
	);
	if (externalCouchUrl) {
		expect(url.href).toBe(externalCouchUrl.href);
		expect(inject('credentialsFile')).toBeUndefined();
		expect(vendor).toBeTruthy();
	} else {
		expect(vendor).toBe('embedded');
		const stored = JSON.parse(
			fs.readFileSync(inject('credentialsFile')!, 'utf8')
		) as EmbeddedCredentials;
		expect([decodeURIComponent(url.username), decodeURIComponent(url.password)]).toEqual([
			stored.user,
			stored.password
		]);
	}
});

test(`an app the tests start uses ${externalCouchUrl ? 'that server under a fresh prefix' : 'an embedded store of its own'}`, async () => {
	const app = await startApp();
	try {
		if (externalCouchUrl) {
			expect(app.couchUrl?.href).toBe(externalCouchUrl.href);
			expect(app.prefix).toMatch(/^t[0-9a-f]{8}-[0-9a-f]{6}$/);
			expect(app.output()).not.toContain('embedded');
		} else {
			expect(app.couchUrl?.origin).not.toBe(url.origin);
			expect(app.prefix).toBe('couchstats');
			expect(app.output()).toContain('couchstats: embedded CouchDB-compatible store at');
		}
		const events = await fetch(`${app.couchUrl!.origin}/${app.prefix}-events`, {
			headers: { authorization: basicAuth(app.couchUrl!) }
		});
		expect(events.status).toBe(200);
	} finally {
		await app.stop();
	}
});
