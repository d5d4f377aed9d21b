/**
 * PouchDB's browser build, replicating from IndexedDB in Chromium into the built
 * app's `/api/ingest`, and the records landing in the app's CouchDB.
 */
/// <reference types="pouchdb-replication" />
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { createCouch } from '../../src/lib/server/couch';
import { pageview } from '../support/ingest-records';
import { webServerCouchUrl, webServerPrefix } from './web-server';

const root = path.resolve(import.meta.dirname, '..', '..');
const pouchScript = fs.readFileSync(
	path.join(root, 'node_modules', 'pouchdb', 'dist', 'pouchdb.min.js'),
	'utf8'
);

/** The events database of the app Playwright started (see playwright.config.ts). */
function eventsDb() {
	return createCouch(webServerCouchUrl(), webServerPrefix).events;
}

// The test adds PouchDB to a page of the app as an inline script, which the pages'
// policy (svelte.config.js) refuses.
test.use({ bypassCSP: true });

test('PouchDB in Chromium replicates an IndexedDB outbox into /api/ingest, once', async ({
	page
}) => {
	await page.goto('/');
	await page.addScriptTag({ content: pouchScript });
	const docs = Array.from({ length: 12 }, () => pageview(Date.now(), { path: '/e2e-ingest' }));

	const results = await page.evaluate(async (docs) => {
		const PouchDB = (window as unknown as { PouchDB: PouchDB.Static }).PouchDB;
		const outbox = new PouchDB(`e2e-outbox-${Date.now()}`);
		await outbox.bulkDocs(docs as never[], { new_edits: false });
		const target = new PouchDB(`${location.origin}/api/ingest`, {
			skip_setup: true,
			fetch: (url, init) => fetch(url, { ...init, credentials: 'omit' })
		} as PouchDB.Configuration.RemoteDatabaseConfiguration);
		const first = await outbox.replicate.to(target);
		const second = await outbox.replicate.to(target);
		return [first, second].map((r) => ({
			ok: r.ok,
			docs_read: r.docs_read,
			docs_written: r.docs_written,
			doc_write_failures: r.doc_write_failures
		}));
	}, docs);

	expect(results).toEqual([
		{ ok: true, docs_read: 12, docs_written: 12, doc_write_failures: 0 },
		{ ok: true, docs_read: 0, docs_written: 0, doc_write_failures: 0 }
	]);
	const { rows } = await eventsDb().fetch({ keys: docs.map((d) => String(d._id)) });
	const stored = rows.flatMap((row) => ('doc' in row && row.doc ? [row.doc] : []));
	expect(stored).toHaveLength(12);
	// Headless Chromium says "HeadlessChrome": stored, flagged, counted by no view.
	expect(stored.every((doc) => doc.bot === true && doc.browser === 'Chrome Headless')).toBe(true);
	expect(JSON.stringify(stored)).not.toContain('Mozilla');
});
