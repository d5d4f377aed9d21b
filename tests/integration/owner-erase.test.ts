/**
 * An owner's erasure of one visitor (src/lib/server/accounts/visitor-erase.ts) on the
 * store the test setup starts: the owner names a visitor id a session's page shows, a
 * browser's or an importer's (`imp…`), confirms, and every record of that id on that
 * site goes through the visitor's own erasure (the erasure log, the compaction); the same
 * id on another site, other visitors, and sites the owner may not manage are untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { createSite } from '../../src/lib/server/accounts/site-admin';
import { eraseVisitorAsOwner } from '../../src/lib/server/accounts/visitor-erase';
import type { CoalescedCompaction } from '../../src/lib/server/import/compaction';
import { readTimelinePage, sessionVisitor } from '../../src/lib/server/sessions/pages';
import { readErased } from '../../src/lib/server/visitor/erasure-log';
import { NOW, pageview, uuidv7 } from '../support/ingest-records';
import { recordsOf, storeRecords, tempDir, useCouch } from './harness';

const alice: User = { name: 'alice', roles: [], isAdmin: false };
const bob: User = { name: 'bob', roles: [], isAdmin: false };
const IMPORTED = 'impd13d34c6bf614b7b0ceca';

async function setUp() {
	const { couch } = await useCouch();
	for (const [id, owner] of [
		['blog', alice],
		['shop', alice],
		['other', bob]
	] as const) {
		await createSite(couch, owner, { id, name: id, hostnames: [`${id}.example`], timeZone: 'UTC' });
	}
	const browser = uuidv7(NOW);
	const someoneElse = uuidv7(NOW + 1);
	const sid = uuidv7(NOW + 2);
	const records = {
		browser: [0, 1, 2].map((i) => pageview(NOW + i * 1000, { site: 'blog', vid: browser, sid })),
		imported: [0, 1].map((i) => pageview(NOW - 86_400_000 + i, { site: 'blog', vid: IMPORTED })),
		someoneElse: [pageview(NOW + 5000, { site: 'blog', vid: someoneElse })],
		// The same browser id on another site of the owner's, and on someone else's.
		shop: [pageview(NOW, { site: 'shop', vid: browser })],
		other: [pageview(NOW, { site: 'other', vid: browser })]
	};
	// As stored: the ingest adds `receivedAt`, which `validate_doc_update` requires.
	await storeRecords(
		couch,
		Object.values(records)
			.flat()
			.map((r) => ({ ...r, receivedAt: NOW }))
	);
	let compactions = 0;
	const compaction: CoalescedCompaction = {
		request: () => void compactions++,
		settled: () => Promise.resolve()
	};
	const erasureLog = path.join(tempDir('couchstats-owner-erase-'), 'erased.jsonl');
	return {
		couch,
		browser,
		sid,
		records,
		deps: { erasureLog, compaction },
		compactions: () => compactions
	};
}

describe("an owner's erasure of one visitor", () => {
	test("erases every record of the id on that site, logs the ids and asks for a compaction, and nothing else's", async () => {
		const { couch, browser, sid, records, deps, compactions } = await setUp();
		// The id the owner copies, as the session's page shows it.
		const timeline = await readTimelinePage(couch, { id: 'blog' }, sid, new URLSearchParams());
		expect(await sessionVisitor(couch, 'blog', timeline)).toBe(browser);
		// The log names who erased on which site, never the id.
		const lines: string[] = [];
		vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));

		const deleted = await eraseVisitorAsOwner(
			couch,
			alice,
			'blog',
			{ visitor: ` ${browser} `, confirmed: true },
			deps
		);
		vi.restoreAllMocks();

		expect(deleted).toBe(3);
		expect(await recordsOf(couch, 'blog')).toBe(3);
		expect(await recordsOf(couch, 'shop')).toBe(1);
		expect(await recordsOf(couch, 'other')).toBe(1);
		const { ids } = await readErased(deps.erasureLog);
		expect(ids.sort()).toEqual(records.browser.map((r) => String(r._id)).sort());
		expect(compactions()).toBe(1);
		expect(lines.join('\n')).toContain(
			'alice erased a visitor\'s records of site "blog": 3 records'
		);
		expect(lines.join('\n')).not.toContain(browser);

		// An importer's id too (the visitor endpoint takes browsers' ids only).
		expect(
			await eraseVisitorAsOwner(couch, alice, 'blog', { visitor: IMPORTED, confirmed: true }, deps)
		).toBe(2);
		expect(await recordsOf(couch, 'blog')).toBe(1);
	});

	test('is refused on a site the user may not manage, without a confirmation, or for what is no visitor id', async () => {
		const { couch, browser, deps, compactions } = await setUp();
		await expect(
			eraseVisitorAsOwner(couch, alice, 'other', { visitor: browser, confirmed: true }, deps)
		).rejects.toMatchObject({ status: 404, message: 'no site "other"' });
		await expect(
			eraseVisitorAsOwner(couch, bob, 'blog', { visitor: browser, confirmed: true }, deps)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			eraseVisitorAsOwner(couch, alice, 'blog', { visitor: browser, confirmed: false }, deps)
		).rejects.toMatchObject({ status: 400, field: 'confirm' });
		for (const visitor of ['', 'short', `${browser}/../x`, 'a'.repeat(65)]) {
			await expect(
				eraseVisitorAsOwner(couch, alice, 'blog', { visitor, confirmed: true }, deps)
			).rejects.toMatchObject({ status: 400, field: 'visitor' });
		}
		expect(await recordsOf(couch, 'blog')).toBe(6);
		expect(await recordsOf(couch, 'other')).toBe(1);
		expect(fs.existsSync(deps.erasureLog)).toBe(false);
		expect(compactions()).toBe(0);
	});
});
