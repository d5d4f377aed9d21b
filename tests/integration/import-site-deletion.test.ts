/**
 * `npm run import` and a site's deletion at the same time (scripts/import.ts,
 * sendChecked; src/lib/server/accounts/site-delete.ts): whenever the deletion comes,
 * the deleted site keeps none of the import's records and the import says it stopped;
 * an import's checkpoint is not taken for a site created again under the same id.
 * A pass-through to the store holds the importer's second chunk until the test has done
 * its step, so each interleaving is forced, not hoped for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import type { Couch } from '../../src/lib/server/couch';
import { createSite } from '../../src/lib/server/accounts/site-admin';
import { requestSiteDeletion, startSiteDeletion } from '../../src/lib/server/accounts/site-delete';
import { holdingProxy } from '../support/store-proxy';
import { importLines } from '../support/import-lines';
import { runTool } from '../support/scripts';
import { firstAccountFor, tempDir, useCouch, recordsOf } from './harness';

const alice: User = { name: 'alice', roles: [], isAdmin: false };
const dir = tempDir('couchstats-import-delete-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A file of `n` NDJSON lines, one record each without milestones. */
function historyFile(n: number): string {
	const file = path.join(dir, `history-${n}.ndjson`);
	fs.writeFileSync(file, importLines(n).join('\n') + '\n');
	return file;
}

function runImport(file: string, site: string, url: URL, prefix: string) {
	return runTool('import.ts', [file, '--site', site, '--no-milestones'], {
		COUCHDB_URL: url.toString(),
		COUCHSTATS_DB_PREFIX: prefix,
		COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
		COUCHSTATS_DATA_DIR: dir
	});
}

async function deleteSite(couch: Couch, id: string) {
	await requestSiteDeletion(couch, alice, id, id);
	const progress = await startSiteDeletion(couch, alice, id);
	await vi.waitFor(() => expect(progress.state).toBe('done'), { timeout: 60_000, interval: 50 });
}

const site = (id: string) => ({ id, name: id, hostnames: [`${id}.example`], timeZone: 'UTC' });

/**
 * Starts an import of 1500 lines into `id` through a pass-through that holds its
 * second chunk's `_bulk_docs` (lines 501–1000), and resolves once that chunk is held.
 */
async function importHeldAtSecondChunk(couch: Couch, url: URL, prefix: string, id: string) {
	let sends = 0;
	const proxy = await holdingProxy(
		url,
		({ method, path }) =>
			method === 'POST' && path.endsWith(`/${prefix}-events/_bulk_docs`) && ++sends === 2
	);
	const run = runImport(historyFile(1500), id, proxy.url, prefix);
	await vi.waitFor(
		() => {
			if (run.child.exitCode !== null) throw new Error(`import ended early: ${run.stderr()}`);
			expect(proxy.held()).toBe(1);
		},
		{ timeout: 120_000, interval: 50 }
	);
	expect(await recordsOf(couch, id)).toBe(500);
	return { proxy, run };
}

describe('an import into a site deleted meanwhile', () => {
	test('a deletion that ends while a chunk is on its way: the importer deletes that chunk itself and stops', async () => {
		const { couch, url, prefix } = await useCouch();
		await createSite(couch, alice, site('raced'));
		const { proxy, run } = await importHeldAtSecondChunk(couch, url, prefix, 'raced');
		try {
			// The whole deletion, last pass included, before the chunk reaches the store.
			await deleteSite(couch, 'raced');
			expect(await recordsOf(couch, 'raced')).toBe(0);
			proxy.release();
			expect(await run.exit).toBe(1);
		} finally {
			void proxy.close();
		}
		expect(run.stderr()).toContain(
			'couchstats import: site "raced" was deleted during the import; it stopped at lines 501–1000 and deleted again the 500 records it had just sent, so the deleted site keeps none of them. To keep these lines, import the file into a new site id (--site NEW).'
		);
		expect(await recordsOf(couch, 'raced')).toBe(0);
		// A new site under the id starts empty.
		await createSite(couch, alice, site('raced'));
		expect(await recordsOf(couch, 'raced')).toBe(0);
	});

	test('a site marked while a chunk is on its way: the importer deletes that chunk and stops, and the deletion leaves nothing', async () => {
		const { couch, url, prefix } = await useCouch();
		await createSite(couch, alice, site('marked'));
		const { proxy, run } = await importHeldAtSecondChunk(couch, url, prefix, 'marked');
		try {
			await requestSiteDeletion(couch, alice, 'marked', 'marked');
			proxy.release();
			expect(await run.exit).toBe(1);
		} finally {
			void proxy.close();
		}
		expect(run.stderr()).toContain(
			'couchstats import: site "marked" was marked for deletion during the import; it stopped at lines 501–1000'
		);
		const progress = await startSiteDeletion(couch, alice, 'marked');
		await vi.waitFor(() => expect(progress.state).toBe('done'), { timeout: 60_000, interval: 50 });
		expect(progress.deleted).toBe(500);
		expect(await recordsOf(couch, 'marked')).toBe(0);
	});

	test('an import into a site marked for deletion is refused before anything is written', async () => {
		const { couch, url, prefix } = await useCouch();
		await createSite(couch, alice, site('closing'));
		await requestSiteDeletion(couch, alice, 'closing', 'closing');
		const run = runImport(historyFile(10), 'closing', url, prefix);
		expect(await run.exit).toBe(1);
		expect(run.stderr()).toMatch(
			/couchstats import: site "closing" is being deleted in .*; nothing was imported\. To keep these lines, import the file into a new site id \(--site NEW\)/
		);
		expect(await recordsOf(couch, 'closing')).toBe(0);
	});

	test('the file imported again into a site created again under the id: its lines are said not stored, not "imported before"', async () => {
		const { couch, url, prefix } = await useCouch();
		await createSite(couch, alice, site('again'));
		const file = historyFile(1000);
		const first = runImport(file, 'again', url, prefix);
		expect(await first.exit).toBe(0);
		await deleteSite(couch, 'again');
		await createSite(couch, alice, site('again'));
		const second = runImport(file, 'again', url, prefix);
		expect(await second.exit).toBe(3);
		expect(second.stderr()).not.toContain('nothing to do');
		expect(second.stderr()).toContain(
			'couchstats import: history-1000.ndjson: 1000 lines were NOT stored: records with the same ids were deleted from again before'
		);
		expect(await recordsOf(couch, 'again')).toBe(0);
	});
});
