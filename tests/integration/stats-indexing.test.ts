/**
 * While the view index is far behind the events database (a large import), the Stats
 * API answers at once from what is indexed and says `indexing: true`: numbers already
 * counted stay, never 0; once everything is indexed the answer is exact again.
 *
 * The test's index is slow on purpose (its map spends 2 ms on every document), so the
 * index stays behind for seconds on any machine: nothing depends on how fast the
 * machine is or on what else runs.
 */
import { describe, expect, test } from 'vitest';
import { readDesignDocs } from '../../src/lib/server/boot/design-docs';
import { toCouchDesign } from '../../src/lib/server/boot/setup';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { PENDING_CHANGES } from '../../src/lib/server/stats/view-reader';
import { syntheticRecords } from '../support/synthetic';
import { indexed, useCouch } from './harness';

const query = {
	site: 'bench',
	range: { from: '2026-10-01', to: '2026-10-30', tz: 'UTC' },
	interval: 'day' as const,
	limit: 10
};

/** The stats design document with a map that takes at least `ms` per document. */
function slowStatsDesign(ms: number) {
	const source = readDesignDocs().events.find((d) => d._id === '_design/stats')!;
	const views = { ...source.views! };
	views.since = {
		...views.since,
		map: views.since.map.replace(
			'{',
			`{ var until = Date.now() + ${ms}; while (Date.now() < until) {}`
		)
	};
	return toCouchDesign({ ...source, views });
}

describe('the Stats API during indexing', () => {
	test('answers what is indexed with indexing: true while the index is behind, then exactly', async () => {
		const { couch } = await useCouch();
		const current = await couch.events.get('_design/stats');
		await couch.events.insert({ ...slowStatsDesign(2), _rev: current._rev } as never);

		const [first, imported] = [
			syntheticRecords({ n: 100, seed: 5 }),
			syntheticRecords({ n: PENDING_CHANGES + 200, seed: 6 })
		];
		await couch.events.bulk({ docs: first, new_edits: false });
		await indexed(couch);
		const before = await readStats(couch, query);
		expect(before.indexing).toBe(false);
		expect(before.totals.pageviews).toBe(pageviews(first));

		await couch.events.bulk({ docs: imported, new_edits: false });
		await lagging(couch);
		const during = await readStats(couch, query);
		expect(during.indexing).toBe(true);
		expect(during.totals.pageviews).toBeGreaterThanOrEqual(before.totals.pageviews!);
		expect(during.totals.pageviews).toBeLessThanOrEqual(pageviews([...first, ...imported]));

		await indexed(couch);
		const after = await readStats(couch, query);
		expect(after.indexing).toBe(false);
		expect(after.totals.pageviews).toBe(pageviews([...first, ...imported]));
	});
});

function pageviews(records: { type: string }[]): number {
	return records.filter((r) => r.type === 'pageview').length;
}

/** Resolves once `_active_tasks` shows an indexer of the events database far behind (polled). */
async function lagging(couch: Awaited<ReturnType<typeof useCouch>>['couch']) {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const tasks = (await couch.server.request({ path: '_active_tasks' })) as {
			database?: string;
			changes_done: number;
			total_changes: number;
		}[];
		const lag = tasks
			.filter((t) => t.database === couch.names.events)
			.map((t) => t.total_changes - t.changes_done);
		if (lag.some((n) => n > PENDING_CHANGES)) return;
		if (Date.now() > deadline) throw new Error('the index never fell behind');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
