/**
 * The erasure log at start-up: the app, started on a store that holds records a
 * visitor erased (a backup taken before the erasure, restored), deletes them again and
 * compacts, so that neither the records nor their earlier revisions are readable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { ERASURE_LOG } from '../../src/lib/server/visitor/erasure-log';
import { NOW, pageview, uuidv7 } from '../support/ingest-records';
import { firstAccountFor, startApp, tempDir, useCouch } from './harness';

test('the app deletes again at start-up the records its erasure log lists, and compacts', async () => {
	const { couch, url, prefix } = await useCouch();
	const vid = uuidv7(NOW);
	const erased = [0, 1, 2].map((i) =>
		pageview(NOW + i, { site: 'blog', vid, receivedAt: NOW, firstOfDay: i === 0 })
	);
	const kept = pageview(NOW, { site: 'blog', vid: uuidv7(NOW), receivedAt: NOW });
	await couch.events.bulk({ docs: [...erased, kept] as never, new_edits: false });
	const dataDir = tempDir();
	const log = path.join(dataDir, ERASURE_LOG);
	const line = { at: new Date(NOW).toISOString(), site: 'blog', ids: erased.map((d) => d._id) };
	fs.writeFileSync(log, `${JSON.stringify(line)}\n{"at": "cut short by a cra`, { mode: 0o600 });

	const app = await startApp({
		dataDir,
		port: 45431,
		env: {
			COUCHDB_URL: url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix)
		}
	});
	onTestFinished(() => app.stop().then(() => undefined));
	await expect
		.poll(app.output, { timeout: 30_000 })
		.toContain('deleted again 3 erased records the store held (a restored backup?)');
	expect(app.output()).toContain(`the erasure log ${log} has 1 unreadable lines, skipped`);
	const status = (id: string, rev: string) =>
		couch.events.get(id, { rev }).then(
			() => 200,
			(e: { statusCode?: number }) => e.statusCode
		);
	// Deleted, then compacted: no earlier revision answers either.
	for (const doc of erased) {
		await expect(couch.events.get(String(doc._id))).rejects.toMatchObject({ statusCode: 404 });
		await expect.poll(() => status(String(doc._id), String(doc._rev))).toBe(404);
	}
	expect(await couch.events.get(String(kept._id))).toMatchObject({ vid: kept.vid });
});
