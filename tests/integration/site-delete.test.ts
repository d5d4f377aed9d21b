/**
 * Deleting a site (src/lib/server/accounts/site-delete.ts): only its owners (and admins), only
 * with the confirmation, removes its records in chunks through retention's deletion
 * path, its tokens, share link and site record, and leaves other sites' numbers exactly
 * as they were. Interrupted, it finishes when run again.
 */
import { describe, expect, test, vi } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch, setCouch, type Couch } from '../../src/lib/server/couch';
import { readSitesPage } from '../../src/routes/sites/sites-page';
import {
	addToken,
	createSite,
	enableShareLink,
	findSite,
	findSiteByShareLink,
	listSites,
	loadManagedSite
} from '../../src/lib/server/accounts/site-admin';
import {
	deletionProgress,
	requestSiteDeletion,
	startSiteDeletion
} from '../../src/lib/server/accounts/site-delete';
import { deleteSiteRecords, siteRecordRange } from '../../src/lib/server/accounts/site-records';
import { StoreTimeout } from '../../src/lib/server/errors';
import { createIngest } from '../../src/lib/server/ingest/handler';
import { startSiteCache } from '../../src/lib/server/ingest/site-cache';
import { authorizeSite } from '../../src/lib/server/stats/authorize';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { untilIndexed, type Settle } from '../../src/lib/server/stats/still-indexing';
import { STATS_DESIGN } from '../../src/lib/server/stats/view-reader';
import { holdingProxy } from '../support/store-proxy';
import { pageview } from '../support/ingest-records';
import { syntheticRecords } from '../support/synthetic';
import { coalescedCompaction, compactEvents } from '../../src/lib/server/import/compaction';
import { RETENTION_DESIGN, RETENTION_VIEW } from '../../src/lib/server/import/retention';
import { indexed, ingestConfig, numbersOf, useCouch, recordsOf } from './harness';

const alice: User = { name: 'alice', roles: [], isAdmin: false };
const bob: User = { name: 'bob', roles: [], isAdmin: false };
const START = Date.UTC(2026, 9, 1);

const site = (id: string, name: string) => ({
	id,
	name,
	hostnames: [`${id}.example`],
	timeZone: 'UTC'
});

const statsOf = async (couch: Couch, id: string) =>
	numbersOf(
		await readStats(couch, {
			site: id,
			range: { from: '2026-10-01', to: '2026-11-15', tz: 'UTC' },
			interval: 'day',
			limit: 10
		})
	);

async function seed(couch: Couch, sites: { id: string; n: number; seed: number }[]) {
	for (const s of sites) {
		await createSite(couch, alice, site(s.id, `Site ${s.id}`));
		const docs = syntheticRecords({ n: s.n, site: s.id, start: START + s.seed, seed: s.seed });
		await couch.events.bulk({ docs, new_edits: false });
	}
	await indexed(couch);
}

describe('deleting a site', () => {
	test('only an owner who types its id or name deletes it: records in chunks, tokens, share link, then the site; other sites untouched', async () => {
		const { couch } = await useCouch();
		await seed(couch, [
			{ id: 'doomed', n: 1200, seed: 4 },
			{ id: 'kept', n: 300, seed: 5 }
		]);
		const { secret: token } = await addToken(couch, alice, 'doomed', 'report');
		const share = await enableShareLink(couch, alice, 'doomed');
		const kept = await statsOf(couch, 'kept');
		expect(kept.totals.pageviews).toBeGreaterThan(0);
		expect(await recordsOf(couch, 'doomed')).toBe(1200);

		await expect(requestSiteDeletion(couch, bob, 'doomed', 'doomed')).rejects.toMatchObject({
			status: 404
		});
		for (const wrong of ['', 'Doomed', 'kept'])
			await expect(requestSiteDeletion(couch, alice, 'doomed', wrong)).rejects.toMatchObject({
				status: 400,
				message: "type the site's id (doomed) or its name to delete it"
			});
		expect((await findSite(couch, 'doomed'))?.deleting).toBeUndefined();

		await requestSiteDeletion(couch, alice, 'doomed', 'Site doomed');
		// Marked: closed to everyone at once, before any record is gone.
		const marked = await findSite(couch, 'doomed');
		expect(marked).toMatchObject({ tokens: [], hostnames: [] });
		expect(marked?.shareHash).toBeUndefined();
		expect(await findSiteByShareLink(couch, share)).toBeUndefined();
		await expect(
			authorizeSite(couch, 'doomed', { user: null, authorization: `Bearer ${token}` })
		).rejects.toMatchObject({ status: 403 });
		await expect(loadManagedSite(couch, alice, 'doomed')).rejects.toMatchObject({ status: 404 });
		expect((await listSites(couch, alice)).map((s) => s.id)).toEqual(['kept']);
		expect((await listSites(couch, alice, { deleting: true })).map((s) => s.id)).toEqual([
			'doomed'
		]);
		await expect(startSiteDeletion(couch, bob, 'doomed')).rejects.toMatchObject({ status: 404 });

		const chunks: number[] = [];
		const lines: string[] = [];
		const log = vi.spyOn(console, 'error').mockImplementation((line) => void lines.push(line));
		const compaction = coalescedCompaction(
			() => compactEvents(couch),
			(e) => lines.push(String(e)),
			{ gapMs: 0 }
		);
		const [doomed] = (await couch.events.list({ include_docs: true })).rows
			.map((r) => r.doc!)
			.filter((d) => d.site === 'doomed');
		await startSiteDeletion(couch, alice, 'doomed', {
			onChunk: (n) => chunks.push(n),
			compaction
		});
		expect(deletionProgress(bob, 'doomed')).toBeUndefined();
		await vi.waitFor(() => expect(deletionProgress(alice, 'doomed')?.state).toBe('done'), {
			timeout: 60_000,
			interval: 50
		});
		log.mockRestore();
		expect(chunks).toEqual([500, 1000, 1200]);
		// An outside probe found deletions in none of the log: its start and its end.
		expect(lines).toEqual([
			expect.stringMatching(
				/^\S+Z couchstats: deleting site "doomed" for alice: its records, then the site$/
			),
			expect.stringMatching(
				/^\S+Z couchstats: deleted site "doomed": 1200 records in this run, then the site$/
			)
		]);
		expect(deletionProgress(alice, 'doomed')?.deleted).toBe(1200);
		// Compacted after: a deleted record's earlier revision no longer answers ?rev=.
		await compaction.settled();
		await expect(couch.events.get(doomed._id, { rev: doomed._rev })).rejects.toMatchObject({
			statusCode: 404
		});
		expect(await findSite(couch, 'doomed')).toBeUndefined();
		expect(await recordsOf(couch, 'doomed')).toBe(0);
		// On a busy machine a read outlasting the reader's time limit answers from the
		// index as it stands (the deleted records still counted), so wait for it first.
		await indexed(couch);
		expect((await statsOf(couch, 'doomed')).totals.pageviews).toBe(0);
		expect(await statsOf(couch, 'kept')).toEqual(kept);
		expect(await recordsOf(couch, 'kept')).toBe(300);
	});

	test('a deletion that stops halfway leaves the site marked, and running it again finishes the job', async () => {
		const { couch } = await useCouch();
		await seed(couch, [{ id: 'halfway', n: 900, seed: 6 }]);
		await requestSiteDeletion(couch, alice, 'halfway', 'halfway');

		// The store stops answering after the first chunk: the second view read fails.
		let reads = 0;
		const lines: string[] = [];
		const log = vi.spyOn(console, 'error').mockImplementation((line) => void lines.push(line));
		const failing = await startSiteDeletion(couch, alice, 'halfway', {
			chunk: 300,
			settle: (read) => (++reads > 1 ? Promise.reject(new StoreTimeout(20_000)) : read())
		});
		await vi.waitFor(() => expect(failing.state).toBe('failed'), { timeout: 60_000, interval: 50 });
		log.mockRestore();
		// One line that says which deletion stopped and why, after the one of its start.
		expect(lines).toEqual([
			expect.stringContaining('couchstats: deleting site "halfway" for alice'),
			expect.stringMatching(
				/^\S+Z couchstats: deleting site "halfway" stopped; finish it from the sites list: the database did not answer within 20 s; try again in a moment$/
			)
		]);
		expect(failing.deleted).toBe(300);
		expect(await recordsOf(couch, 'halfway')).toBe(600);
		expect((await findSite(couch, 'halfway'))?.deleting).toBeTypeOf('number');
		expect((await listSites(couch, alice, { deleting: true })).map((s) => s.id)).toEqual([
			'halfway'
		]);
		// Read by nobody; an admin is told why, as the sites list tells it (an outside probe
		// was told the site did not exist).
		const admin: User = { name: 'root', roles: ['_admin'], isAdmin: true };
		await expect(
			authorizeSite(couch, 'halfway', { user: admin, authorization: null })
		).rejects.toThrow('site "halfway" is being deleted');
		await expect(
			authorizeSite(couch, 'nowhere', { user: admin, authorization: null })
		).rejects.toThrow('site "nowhere" does not exist');

		const again = await startSiteDeletion(couch, alice, 'halfway', { chunk: 300 });
		await vi.waitFor(() => expect(again.state).toBe('done'), { timeout: 60_000, interval: 50 });
		expect(again.deleted).toBe(600);
		expect(await recordsOf(couch, 'halfway')).toBe(0);
		expect(await findSite(couch, 'halfway')).toBeUndefined();
	});

	test("a deletion behind a busy index waits for it under the app's store limit, instead of failing", async () => {
		const { couch: unlimited, url, prefix } = await useCouch();
		await seed(unlimited, [{ id: 'behind', n: 200, seed: 9 }]);
		await requestSiteDeletion(unlimited, alice, 'behind', 'behind');
		// The store behind a pass-through that holds the first two reads of the visitor view
		// unanswered, as a store holds a read while an index build (an import's) goes on.
		const { design, view } = siteRecordRange('behind');
		let reads = 0;
		const busy = await holdingProxy(
			url,
			({ path }) => path.endsWith(`/_design/${design}/_view/${view}`) && ++reads <= 2
		);
		const lines: string[] = [];
		const log = vi.spyOn(console, 'error').mockImplementation((line) => void lines.push(line));
		try {
			// The app's client, with a store limit (the app's is 20 s) the held reads outlast.
			const couch = createCouch(busy.url, prefix, 1000);
			const progress = await startSiteDeletion(couch, alice, 'behind', { chunk: 50 });
			await vi.waitFor(() => expect(progress.state).not.toBe('running'), {
				timeout: 60_000,
				interval: 50
			});
			expect(progress).toMatchObject({ state: 'done', deleted: 200 });
			expect(busy.held()).toBe(2);
			// No stop between its start and its end.
			expect(lines.filter((l) => / site "behind"/.test(l))).toEqual([
				expect.stringContaining('couchstats: deleting site "behind" for alice'),
				expect.stringContaining('couchstats: deleted site "behind": 200 records')
			]);
		} finally {
			log.mockRestore();
			void busy.close();
		}
		expect(await recordsOf(unlimited, 'behind')).toBe(0);
		expect(await findSite(unlimited, 'behind')).toBeUndefined();
	});

	test('a deletion under way tells an account that may not manage the site nothing of it', async () => {
		const { couch } = await useCouch();
		await seed(couch, [{ id: 'busy', n: 300, seed: 8 }]);
		await requestSiteDeletion(couch, alice, 'busy', 'busy');
		// The deletion's first view read waits until the test lets it go.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const running = await startSiteDeletion(couch, alice, 'busy', {
			settle: async (read) => (await held, untilIndexed(read))
		});
		expect(running.state).toBe('running');

		await expect(startSiteDeletion(couch, bob, 'busy')).rejects.toMatchObject({ status: 404 });
		await expect(startSiteDeletion(couch, bob, 'nosuchsite')).rejects.toMatchObject({
			status: 404
		});
		expect(await startSiteDeletion(couch, alice, 'busy')).toBe(running);

		release();
		await vi.waitFor(() => expect(running.state).toBe('done'), { timeout: 60_000, interval: 50 });
		expect(await recordsOf(couch, 'busy')).toBe(0);
	});

	test('a deletion runs, its id taken, until every index has dropped its records: a site created again under the id shows none of them', async () => {
		const { couch, url, prefix } = await useCouch();
		setCouch(couch);
		await seed(couch, [{ id: 'lastpass', n: 300, seed: 7 }]);
		await requestSiteDeletion(couch, alice, 'lastpass', 'lastpass');
		// The deletion's one read of the stats index (its passes read the visitor view) waits
		// while the test looks.
		const stats = await holdingProxy(url, ({ path }) =>
			path.includes(`/_design/${STATS_DESIGN}/_view/`)
		);
		try {
			const progress = await startSiteDeletion(createCouch(stats.url, prefix), alice, 'lastpass');
			await vi.waitFor(() => expect(stats.held()).toBe(1), { timeout: 60_000, interval: 50 });
			expect(await recordsOf(couch, 'lastpass')).toBe(0);
			const query = new URLSearchParams({ deleted: 'lastpass' });
			// The page goes on re-reading while a deletion runs: it must see this one running.
			const during = await readSitesPage(alice, query);
			expect(during.deleting).toEqual([
				{ id: 'lastpass', name: 'Site lastpass', deleted: 300, state: 'running' }
			]);
			expect(during.finished).toBeUndefined();
			// A new site under the id now would show the old numbers from an index behind.
			await expect(createSite(couch, alice, site('lastpass', 'Again'))).rejects.toMatchObject({
				status: 409,
				message:
					'the site "lastpass" is still being deleted (or its deletion stopped: Finish deleting, in the sites list); create it again once that is done'
			});
			stats.release();
			await vi.waitFor(() => expect(progress.state).toBe('done'), {
				timeout: 60_000,
				interval: 50
			});
			const after = await readSitesPage(alice, query);
			expect(after.deleting).toEqual([]);
			expect(after.finished).toEqual({ id: 'lastpass', deleted: 300 });
		} finally {
			void stats.close();
		}
		await createSite(couch, alice, site('lastpass', 'Again'));
		// As the index stands, without waiting for it: the records are gone from it already.
		for (const [design, view] of [
			[STATS_DESIGN, 'since'],
			[RETENTION_DESIGN, RETENTION_VIEW]
		]) {
			const stale = await couch.events.view<number>(design, view, {
				stale: 'ok',
				startkey: ['lastpass'],
				endkey: ['lastpass', {}]
			});
			expect(stale.rows[0]?.value ?? 0, `${design}/${view}`).toBe(0);
		}
	});

	test('the ingest refuses records of a site marked for deletion at once, not after its cached site list expires', async () => {
		const { couch } = await useCouch();
		setCouch(couch);
		await createSite(couch, alice, site('closing', 'Closing'));
		const config = { burst: 1000, perSecond: 1 };
		// The app's own site cache, with a TTL far longer than the test.
		const ingest = createIngest({
			couch: () => couch,
			config: ingestConfig(config),
			sites: startSiteCache(3_600_000)
		});
		// No Origin: a script's post, which only the site list checks.
		const post = async () => {
			const res = await ingest.handle({
				path: '_bulk_docs',
				clientAddress: '203.0.113.9',
				request: new Request('http://app.test/api/ingest/_bulk_docs', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						docs: [pageview(Date.now(), { site: 'closing' })],
						new_edits: false
					})
				})
			});
			return res.json();
		};
		// `new_edits: false` answers only the refused documents.
		expect(await post()).toEqual([]);
		await requestSiteDeletion(couch, alice, 'closing', 'closing');
		expect(await post()).toEqual([
			expect.objectContaining({ error: 'forbidden', reason: 'site "closing" is not registered' })
		]);
	});

	test('a chunk another caller deleted first (an importer taking back what it sent) does not end the deletion: the rows after it go too', async () => {
		const { couch } = await useCouch();
		await seed(couch, [{ id: 'shared', n: 12, seed: 7 }]);
		let first = true;
		const settle: Settle = async (read) => {
			const body = await read();
			if (first) {
				first = false;
				// Between the deletion's read and its writes, someone else deletes the chunk.
				const ids = [...new Set((body as { rows: { id: string }[] }).rows.map((r) => r.id))];
				const { rows } = (await couch.events.fetchRevs({ keys: ids })) as unknown as {
					rows: { id: string; value: { rev: string } }[];
				};
				const gone = rows.map((r) => ({ _id: r.id, _rev: r.value.rev, _deleted: true }));
				await couch.events.bulk({ docs: gone as never });
			}
			return body;
		};
		const deleted = await deleteSiteRecords(couch, 'shared', { chunk: 5, settle });
		expect(deleted).toBe(7);
		expect(await recordsOf(couch, 'shared')).toBe(0);
	});
});
