/**
 * `npm run retention`: deletes records older than a cutoff; their period counts zero
 * afterwards, later periods are unchanged, and tracking since moves forward. It deletes
 * the replication checkpoints not written for 30 days too.
 */
import fs from 'node:fs';
import { describe, expect, onTestFinished, test } from 'vitest';
import { redact } from '../../src/lib/server/boot/config';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { countOlderThan, RETENTION_CHUNK } from '../../src/lib/server/import/retention';
import { Checkpoints } from '../../src/lib/server/ingest/checkpoints';
import { runTool } from '../support/scripts';
import { cuttingProxy } from '../support/store-proxy';
import { syntheticRecords } from '../support/synthetic';
import { firstAccountFor, indexed, recordsOf, tempDir, useCouch } from './harness';
import { STACK_LINE } from '../support/app';

const DAY = 86_400_000;

function day(ms: number) {
	return new Date(ms).toISOString().slice(0, 10);
}

describe('npm run retention', () => {
	test('removes records older than the cutoff, of every site with records: their period counts zero, later ones do not change', async () => {
		const { couch, prefix, url } = await useCouch();
		const now = Date.now();
		const oldStart = now - 500 * DAY;
		const recentStart = now - 20 * DAY;
		const old = syntheticRecords({ n: 300, start: oldStart, days: 10, seed: 2 });
		const recent = syntheticRecords({ n: 300, start: recentStart, days: 10, seed: 3 });
		// Records of a site the sites database does not hold (deleted since, or never
		// registered: neither is "bench"): retention reaches them too.
		const gone = {
			old: syntheticRecords({ n: 40, site: 'gone', start: oldStart, days: 10, seed: 7 }),
			recent: syntheticRecords({ n: 30, site: 'gone', start: recentStart, days: 10, seed: 8 })
		};
		await couch.events.bulk({
			docs: [...old, ...recent, ...gone.old, ...gone.recent],
			new_edits: false
		});
		await indexed(couch);

		const query = (start: number) => ({
			site: 'bench',
			range: { from: day(start), to: day(start + 10 * DAY), tz: 'UTC' },
			interval: 'day' as const,
			limit: 10
		});
		const before = {
			old: await readStats(couch, query(oldStart)),
			recent: await readStats(couch, query(recentStart))
		};
		expect(before.old.totals.pageviews).toBe(old.filter((r) => r.type === 'pageview').length);
		expect(await countOlderThan(couch, now - 400 * DAY)).toBe(340);
		// Replication checkpoints: one last written 31 days ago, one (rewritten) a day ago.
		let clock = now - 31 * DAY;
		const checkpoints = new Checkpoints(() => couch.checkpoints, { now: () => clock });
		await checkpoints.write('-', 'abandoned', { last_seq: 5 });
		await checkpoints.write('-', 'in-use', { last_seq: 5 });
		clock = now - DAY;
		await checkpoints.write('-', 'in-use', { _rev: '0-1', last_seq: 9 });

		const dir = tempDir('couchstats-retention-');
		const run = runTool('retention.ts', ['--older-than', '400d'], {
			COUCHDB_URL: url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
			COUCHSTATS_DATA_DIR: dir
		});
		expect(await run.exit).toBe(0);
		fs.rmSync(dir, { recursive: true, force: true });
		const stderr = run.stderr();
		expect(stderr).toContain(
			`retention applies to every site in CouchDB at ${redact(url)} (COUCHDB_URL; database prefix "${prefix}")`
		);
		expect(stderr).not.toContain(url.password);
		expect(stderr).toContain('deleting 340 records older than');
		expect(stderr).toContain('deleted 340 records');
		expect(stderr).toContain(
			'deleted 1 of 2 replication checkpoints not written for 30 days; compacting the checkpoints database'
		);
		// Compacted: no earlier revision of a deleted record answers ?rev= with its body.
		expect(stderr).toContain(
			'compacting the events database: no earlier revision of a deleted record stays readable'
		);
		for (const doc of old.slice(0, 20))
			await expect(
				couch.events.get(String(doc._id), { rev: String(doc._rev) })
			).rejects.toMatchObject({ statusCode: 404 });
		await expect(checkpoints.read('-', 'abandoned')).rejects.toMatchObject({ status: 404 });
		expect(await checkpoints.read('-', 'in-use')).toMatchObject({ _rev: '0-2', last_seq: 9 });

		expect(await countOlderThan(couch, now - 400 * DAY)).toBe(0);
		expect(await recordsOf(couch, 'gone')).toBe(gone.recent.length);
		await indexed(couch);
		const after = {
			old: await readStats(couch, query(oldStart)),
			recent: await readStats(couch, query(recentStart))
		};
		expect(after.old.totals).toEqual({ ...before.old.totals, ...zeroTotals });
		expect(after.old.breakdowns.pages).toEqual([]);
		expect(after.recent.totals).toEqual(before.recent.totals);
		expect(after.recent.breakdowns).toEqual(before.recent.breakdowns);
		// Sending the deleted records again (a re-import) does not bring them back.
		await couch.events.bulk({ docs: old, new_edits: false });
		expect(await countOlderThan(couch, now - 400 * DAY)).toBe(0);
		expect(after.recent.trackingSince).toBe(
			new Date(Math.min(...recent.map((r) => r.ts))).toISOString()
		);
	});

	test('prints its usage, which says it applies to every site, for --help; for an unknown option one line saying so, then the usage', async () => {
		const help = runTool('retention.ts', ['--help']);
		expect(await help.exit).toBe(0);
		expect(help.stdout()).toBe(`${USAGE}\n`);
		expect(help.stdout()).toContain('every site');
		expect(help.stderr()).toBe('');

		const unknown = runTool('retention.ts', ['--site', 'demo', '--older-than', '400d']);
		expect(await unknown.exit).toBe(2);
		expect(unknown.stderr()).toBe(`couchstats retention: unknown option --site\n${USAGE}\n`);

		const badAge = runTool('retention.ts', ['--older-than', '400']);
		expect(await badAge.exit).toBe(2);
		expect(badAge.stderr()).toBe(
			`couchstats retention: --older-than must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "400")\n${USAGE}\n`
		);

		const tooOld = runTool('retention.ts', ['--older-than', '99999y', '--dry-run']);
		expect(await tooOld.exit).toBe(2);
		expect(tooOld.stderr()).toBe(
			`couchstats retention: --older-than 99999y reaches back before 1970-01-01, before any record; give a shorter age\n${USAGE}\n`
		);

		// An outside probe: both were told they were no whole number of days, weeks or years.
		const zero = runTool('retention.ts', ['--older-than', '0d', '--dry-run']);
		expect(await zero.exit).toBe(2);
		expect(zero.stderr()).toBe(
			`couchstats retention: --older-than must be at least 1 day, week or year (got "0d")\n${USAGE}\n`
		);
		const sixDigits = runTool('retention.ts', ['--older-than', '100000y', '--dry-run']);
		expect(await sixDigits.exit).toBe(2);
		expect(sixDigits.stderr()).toBe(
			`couchstats retention: --older-than 100000y reaches back before 1970-01-01, before any record; give a shorter age\n${USAGE}\n`
		);
	});
});

describe('npm run retention when the store stops answering midway', () => {
	test('says so in one line, keeps what it deleted, and finishes when run again', async () => {
		// An outside operator probe: the store killed mid-retention, and the tool printed
		// nano's stack trace, nothing about what was deleted or what to do.
		const { couch, prefix, url } = await useCouch();
		const start = Date.now() - 500 * DAY;
		const old = syntheticRecords({ n: RETENTION_CHUNK * 2 + 100, start, days: 5, seed: 4 });
		await couch.events.bulk({ docs: old, new_edits: false });
		const cutoff = Date.now() - 400 * DAY;
		const dir = tempDir('couchstats-retention-');
		onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
		const env = (store: URL) => ({
			COUCHDB_URL: store.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
			COUCHSTATS_DATA_DIR: dir
		});
		// A proxy in front of the store that cuts every connection after one chunk was deleted.
		const proxy = await cuttingProxy(url, 1);
		try {
			const first = runTool('retention.ts', ['--older-than', '400d'], env(proxy.url));
			expect(await first.exit).toBe(1);
			expect(first.stderr()).toMatch(
				/couchstats retention: the store stopped answering \(.+\); every record deleted before stays deleted: start the store again and run the same command to resume\n$/
			);
			expect(first.stderr()).not.toMatch(STACK_LINE);
		} finally {
			await proxy.close();
		}
		expect(await countOlderThan(couch, cutoff)).toBe(old.length - RETENTION_CHUNK);

		const second = runTool('retention.ts', ['--older-than', '400d'], env(url));
		expect(await second.exit).toBe(0);
		expect(second.stderr()).toContain(`deleted ${old.length - RETENTION_CHUNK} records`);
		expect(await countOlderThan(couch, cutoff)).toBe(0);
	});
});

const USAGE = [
	'usage: npm run retention -- --older-than AGE [--dry-run]',
	'  Deletes the raw records of every site older than AGE: days, weeks or years, as in',
	'  400d, 52w or 2y, and the replication checkpoints not written for 30 days.',
	'  --dry-run only counts them.'
].join('\n');

const zeroTotals = {
	pageviews: 0,
	visitors: 0,
	newVisitors: 0,
	sessions: 0,
	actualSessions: 0,
	engagedSessions: 0,
	engagementRate: 0,
	bounceRate: 0,
	engagedTimeMs: 0,
	avgEngagedTimeMs: 0,
	events: 0
};
