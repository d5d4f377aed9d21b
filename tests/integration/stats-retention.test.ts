/**
 * `npm run retention`: deletes records older than a cutoff; their period counts zero
 * afterwards, later periods are unchanged, and tracking since moves forward. It deletes
 * the replication checkpoints not written for 30 days too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { countOlderThan } from '../../src/lib/server/import/retention';
import { Checkpoints } from '../../src/lib/server/ingest/checkpoints';
import { syntheticRecords } from '../support/synthetic';
import { firstAccountFor, indexed, tempDir, useCouch } from './harness';

const root = path.resolve(import.meta.dirname, '..', '..');
const DAY = 86_400_000;

function day(ms: number) {
	return new Date(ms).toISOString().slice(0, 10);
}

describe('npm run retention', () => {
	test('removes records older than the cutoff: their period counts zero, later ones do not change', async () => {
		const { couch, prefix, url } = await useCouch();
		const now = Date.now();
		const oldStart = now - 500 * DAY;
		const recentStart = now - 20 * DAY;
		const old = syntheticRecords({ n: 300, start: oldStart, days: 10, seed: 2 });
		const recent = syntheticRecords({ n: 300, start: recentStart, days: 10, seed: 3 });
		await couch.events.bulk({ docs: [...old, ...recent], new_edits: false });
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
		expect(await countOlderThan(couch, now - 400 * DAY)).toBe(300);
		// Replication checkpoints: one last written 31 days ago, one (rewritten) a day ago.
		let clock = now - 31 * DAY;
		const checkpoints = new Checkpoints(() => couch.checkpoints, { now: () => clock });
		await checkpoints.write('-', 'abandoned', { last_seq: 5 });
		await checkpoints.write('-', 'in-use', { last_seq: 5 });
		clock = now - DAY;
		await checkpoints.write('-', 'in-use', { _rev: '0-1', last_seq: 9 });

		const dir = tempDir('couchstats-retention-');
		const child = spawn(
			process.execPath,
			['--import', 'tsx', 'scripts/retention.ts', '--older-than', '400d'],
			{
				cwd: root,
				env: {
					...process.env,
					COUCHDB_URL: url.toString(),
					COUCHSTATS_DB_PREFIX: prefix,
					COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
					COUCHSTATS_DATA_DIR: dir
				},
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
		fs.rmSync(dir, { recursive: true, force: true });
		expect(stderr).toContain('deleting 300 records older than');
		expect(stderr).toContain('deleted 300 records');
		expect(stderr).toContain(
			'deleted 1 of 2 replication checkpoints not written for 30 days; compacting the checkpoints database'
		);
		await expect(checkpoints.read('-', 'abandoned')).rejects.toMatchObject({ status: 404 });
		expect(await checkpoints.read('-', 'in-use')).toMatchObject({ _rev: '0-2', last_seq: 9 });

		expect(await countOlderThan(couch, now - 400 * DAY)).toBe(0);
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
});

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
