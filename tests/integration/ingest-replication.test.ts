/**
 * PouchDB's own replicator (Node, memory adapter) pushing into the BUILT app's
 * `/api/ingest` over HTTP, and the `sendBeacon` fallback replaying the same records.
 */
/// <reference types="pouchdb-replication" />
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { oneOfEach, pageview } from '../support/ingest-records';
import type { RunningApp } from '../support/app';
import { startApp } from './harness';

const require = createRequire(import.meta.url);
const PouchDB: PouchDB.Static = require('pouchdb').plugin(require('pouchdb-adapter-memory'));

let app: RunningApp;
let couch: Couch;
let endpoint: string;

beforeAll(async () => {
	app = await startApp();
	if (!app.couchUrl) throw new Error('the app did not report its CouchDB server');
	couch = createCouch(app.couchUrl, app.prefix);
	endpoint = `${app.url}/api/ingest`;
});

afterAll(async () => {
	await app?.stop();
});

/** A browser-like outbox: records written with their own revision, as the tracker does. */
async function outboxWith(docs: Record<string, unknown>[]) {
	const outbox = new PouchDB(`outbox-${Math.random()}`, { adapter: 'memory' });
	await outbox.bulkDocs(docs as never[], { new_edits: false });
	return outbox;
}

async function stored(ids: string[]) {
	const { rows } = await couch.events.fetch({ keys: ids });
	return rows.flatMap((row) => ('doc' in row && row.doc ? [row.doc] : []));
}

describe('PouchDB replication into /api/ingest of the built app', () => {
	test('replicates every record, then a second replication and a beacon store nothing twice', async () => {
		const now = Date.now();
		const docs = [...oneOfEach(now), ...Array.from({ length: 25 }, () => pageview(now))];
		const ids = docs.map((d) => String(d._id));
		const outbox = await outboxWith(docs);

		const first = await outbox.replicate.to(endpoint);
		expect(first).toMatchObject({ ok: true, docs_written: docs.length, doc_write_failures: 0 });
		const landed = await stored(ids);
		expect(landed.map((d) => d._id).sort()).toEqual([...ids].sort());
		expect(landed.every((d) => d._rev === docs.find((x) => x._id === d._id)?._rev)).toBe(true);
		const receivedAt = new Map(landed.map((d) => [d._id, d.receivedAt]));

		const second = await outbox.replicate.to(endpoint);
		expect(second).toMatchObject({ ok: true, docs_read: 0, docs_written: 0 });

		const beacon = await fetch(`${endpoint}/_bulk_docs`, {
			method: 'POST',
			headers: { 'content-type': 'text/plain;charset=UTF-8', origin: app.url },
			body: JSON.stringify({ docs, new_edits: false })
		});
		expect(beacon.status).toBe(201);
		expect(await beacon.json()).toEqual([]);

		const after = await stored(ids);
		expect(after).toHaveLength(docs.length);
		expect(after.every((d) => d.receivedAt === receivedAt.get(d._id))).toBe(true);
		const info = await couch.events.info();
		expect(info.doc_count).toBe(docs.length + 4); // + _design/stats, _design/validate, _design/visitor and _design/retention
	});

	test('a second outbox holding the same records sends none of them, thanks to _revs_diff', async () => {
		const docs = Array.from({ length: 5 }, () => pageview(Date.now()));
		await (await outboxWith(docs)).replicate.to(endpoint);
		const other = await outboxWith(docs);
		const result = await other.replicate.to(endpoint);
		// No checkpoint for this outbox, yet _revs_diff says all 5 are there: none is even read.
		expect(result).toMatchObject({ ok: true, docs_read: 0, docs_written: 0 });
	});

	test('a refused record is reported as denied and the replication still completes', async () => {
		const good = pageview(Date.now());
		const foreign = pageview(Date.now(), { site: 'not-registered' });
		const outbox = await outboxWith([good, foreign]);
		const denied: unknown[] = [];
		const result = await outbox.replicate.to(endpoint).on('denied', (e) => denied.push(e));
		expect(result).toMatchObject({ ok: true, docs_written: 1, doc_write_failures: 1 });
		expect(denied).toHaveLength(1);
		expect(await stored([String(good._id), String(foreign._id)])).toHaveLength(1);
	});
});
