/**
 * The app's scheduled retention (src/lib/server/import/retention-run.ts) on the store the
 * test setup starts: each site loses exactly its records older than its period (the
 * shorter of its own and the install's), bots included, other sites none; one run at a
 * time across processes (the lease in the sites database), a lapsed lease taken over;
 * what the run did is kept for the settings page, and one line says it.
 */
import { describe, expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { createSite, setRetention } from '../../src/lib/server/accounts/site-admin';
import type { Couch } from '../../src/lib/server/couch';
import {
	LEASE_MS,
	lastRetentionRun,
	retentionLine,
	RETENTION_STATE_ID,
	runRetention,
	type RetentionState
} from '../../src/lib/server/import/retention-run';
import {
	RETENTION_EVERY_MS,
	retentionTurn,
	scheduleRetention
} from '../../src/lib/server/import/retention-schedule';
import { pageview } from '../support/ingest-records';
import { recordsOf, storeRecords, useCouch } from './harness';

const DAY = 86_400_000;
const admin: User = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };

async function sites(couch: Couch, ids: string[]) {
	for (const id of ids) {
		await createSite(couch, admin, { id, name: id, hostnames: [`${id}.example`], timeZone: 'UTC' });
	}
}

/** Records of `site`, one per age in days before `now`, a bot-flagged one among them. */
function aged(site: string, now: number, days: number[]) {
	return days.map((d, i) =>
		pageview(now - d * DAY, { site, receivedAt: now, ...(i === 0 && { bot: true }) })
	);
}

describe('the scheduled retention run', () => {
	test("deletes each site's records older than its period, bots included, and nothing else", async () => {
		const { couch } = await useCouch();
		await sites(couch, ['short', 'long', 'keep']);
		await setRetention(couch, admin, 'short', '30d');
		await setRetention(couch, admin, 'long', '2y');
		const now = Date.now();
		// Ages in days: the first of each is bot-flagged.
		const short = aged('short', now, [40, 31, 29, 1]);
		const long = aged('long', now, [500, 401, 399, 40]);
		const keep = aged('keep', now, [900, 1]);
		await storeRecords(couch, [...short, ...long, ...keep]);
		let compactions = 0;

		const outcome = await runRetention(couch, {
			install: { text: '400d', days: 400 },
			now: () => now,
			chunk: 1,
			compact: () => void compactions++
		});

		expect(outcome).toMatchObject({
			kind: 'done',
			run: {
				deleted: 5,
				sites: {
					short: { days: 30, deleted: 2 },
					// Its own 2 years are longer than the install's 400 days.
					long: { days: 400, deleted: 2 },
					keep: { days: 400, deleted: 1 }
				}
			}
		});
		expect(await recordsOf(couch, 'short')).toBe(2);
		expect(await recordsOf(couch, 'long')).toBe(2);
		expect(await recordsOf(couch, 'keep')).toBe(1);
		for (const gone of [short[0], short[1], long[0], long[1], keep[0]]) {
			await expect(couch.events.get(String(gone._id))).rejects.toMatchObject({ statusCode: 404 });
		}
		expect(compactions).toBe(1);
		expect(retentionLine(outcome)).toBe(
			'retention: deleted 5 records (demo, older than 400 days: 0; keep, older than 400 days: 1; long, older than 400 days: 2; short, older than 30 days: 2)'
		);
		// Kept for the settings page, the lease given back.
		expect(await lastRetentionRun(couch)).toMatchObject({ at: now, deleted: 5 });
		const state = await couch.server.use<RetentionState>(couch.names.sites).get(RETENTION_STATE_ID);
		expect(state.running).toBeUndefined();

		// A second run finds nothing more.
		const again = await runRetention(couch, {
			install: { text: '400d', days: 400 },
			now: () => now
		});
		expect(again).toMatchObject({ kind: 'done', run: { deleted: 0 } });
	});

	test("a site whose id begins another's deletes none of the other's records", async () => {
		const { couch } = await useCouch();
		// "ab" sorts just before "ab-c" and "abc": its range [ab] … [ab, cutoff] ends short
		// of theirs in CouchDB's collation as in the embedded store's.
		await sites(couch, ['ab', 'ab-c', 'abc']);
		await setRetention(couch, admin, 'ab', '30d');
		const now = Date.now();
		await storeRecords(couch, [
			...aged('ab', now, [40, 1]),
			...aged('ab-c', now, [40, 1]),
			...aged('abc', now, [40, 1])
		]);

		const outcome = await runRetention(couch, { install: undefined, now: () => now });

		expect(outcome).toMatchObject({ kind: 'done', run: { deleted: 1 } });
		expect(await recordsOf(couch, 'ab')).toBe(1);
		expect(await recordsOf(couch, 'ab-c')).toBe(2);
		expect(await recordsOf(couch, 'abc')).toBe(2);
	});

	test('reads and writes nothing when no site keeps its records for a period', async () => {
		const { couch } = await useCouch();
		await sites(couch, ['forever']);
		await storeRecords(couch, aged('forever', Date.now(), [900]));
		expect(await runRetention(couch, { install: undefined })).toEqual({ kind: 'none' });
		expect(retentionLine({ kind: 'none' })).toBeUndefined();
		expect(await recordsOf(couch, 'forever')).toBe(1);
		expect(await lastRetentionRun(couch)).toBeUndefined();
	});

	test('runs once at a time across processes, and takes over a lease its process left to lapse', async () => {
		const { couch } = await useCouch();
		await sites(couch, ['acme']);
		const now = Date.now();
		await storeRecords(couch, aged('acme', now, [500, 10]));
		const state = couch.server.use<RetentionState>(couch.names.sites);
		// Another process's run, under way.
		await state.insert({
			_id: RETENTION_STATE_ID,
			type: 'retention',
			running: { by: 'another', until: now + LEASE_MS }
		});
		const install = { text: '400d', days: 400 };

		const busy = await runRetention(couch, { install, now: () => now });
		expect(busy).toEqual({ kind: 'busy', until: now + LEASE_MS });
		expect(retentionLine(busy)).toBe(
			`retention: another process is running it; this run skipped, the next at ${new Date(now + LEASE_MS).toISOString()} unless its lease is renewed`
		);
		expect(await recordsOf(couch, 'acme')).toBe(2);

		// That process stopped: its lease lapses, and the next run takes it.
		const later = now + LEASE_MS + 1;
		const taken = await runRetention(couch, { install, now: () => later });
		expect(taken).toMatchObject({ kind: 'done', run: { deleted: 1 } });
		expect(await recordsOf(couch, 'acme')).toBe(1);

		// A run holding the lease (its deletion's view read held): another is told it is busy.
		await storeRecords(couch, aged('acme', now, [450, 460]));
		let reads = 0;
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const holding = runRetention(couch, {
			install,
			now: () => later,
			settle: async (read) => {
				// The first read is before the lease, the second after it.
				if (++reads === 2) await held;
				return read();
			}
		});
		await expect.poll(() => reads).toBe(2);
		expect(await runRetention(couch, { install, now: () => later })).toEqual({
			kind: 'busy',
			until: later + LEASE_MS
		});
		release();
		expect(await holding).toMatchObject({ kind: 'done', run: { deleted: 2 } });
		expect(await recordsOf(couch, 'acme')).toBe(1);
	});

	test("an app started again within its crashed run's lease runs retention as the lease lapses, not a day later", async () => {
		const { couch } = await useCouch();
		await sites(couch, ['acme']);
		let clock = Date.now();
		await storeRecords(couch, aged('acme', clock, [500, 10]));
		// The stopped process's lease, renewed four minutes ago.
		const until = clock + LEASE_MS - 4 * 60_000;
		await couch.server.use<RetentionState>(couch.names.sites).insert({
			_id: RETENTION_STATE_ID,
			type: 'retention',
			running: { by: 'the process before', until }
		});
		const waiting: { run: () => void; ms: number }[] = [];
		const schedule = scheduleRetention(
			() => retentionTurn(couch, { install: { text: '400d', days: 400 }, now: () => clock }),
			{ later: (run, ms) => void waiting.push({ run, ms }), now: () => clock }
		);

		// The start's run is skipped; the next is timed for the lease's end.
		await expect.poll(() => waiting.length).toBe(1);
		expect(waiting[0].ms).toBe(until - clock);
		expect(await recordsOf(couch, 'acme')).toBe(2);

		clock = until;
		waiting.shift()!.run();
		await expect.poll(() => waiting.length).toBe(1);
		expect(await recordsOf(couch, 'acme')).toBe(1);
		expect(await lastRetentionRun(couch)).toMatchObject({ deleted: 1 });
		expect(waiting[0].ms).toBe(RETENTION_EVERY_MS);
		schedule.stop();
	});
});
