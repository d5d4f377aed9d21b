/**
 * While a view index is still being built, the Stats API answers at once from the
 * index as it stands (`stale=ok`) and says `indexing: true` instead of hanging.
 */
import { describe, expect, test } from 'vitest';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { viewBuildsSettled } from '../../src/lib/server/stats/view-reader';
import { syntheticRecords } from '../fixtures/synthetic';
import { useCouch } from './harness';

const query = {
	site: 'bench',
	range: { from: '2026-10-01', to: '2026-10-30', tz: 'UTC' },
	interval: 'day' as const,
	limit: 10
};

describe('the Stats API during indexing', () => {
	// Building eight views over 2,000 records took 45-60 s on a 2-core machine at a load
	// average of 11-14 (the default limit is 60 s), so this test may take 180 s.
	test('answers from the existing index with indexing: true, then exactly once the build is done', async () => {
		const { couch } = await useCouch();
		const records = syntheticRecords({ n: 2_000 });
		const stored = await couch.events.bulk({ docs: records, new_edits: false });
		expect(stored.filter((r) => 'error' in r && r.error)).toEqual([]);
		const pageviews = records.filter((r) => r.type === 'pageview').length;

		// A time limit of 0 ms: no view query can finish first, as with a large import.
		const during = await readStats(couch, query, { timeoutMs: 0 });
		expect(during.indexing).toBe(true);
		expect(during.totals.pageviews).toBeLessThanOrEqual(pageviews);

		// While the builds run, a request goes straight to stale=ok.
		const again = await readStats(couch, query, { timeoutMs: 0 });
		expect(again.indexing).toBe(true);

		await viewBuildsSettled();
		const after = await readStats(couch, query);
		expect(after.indexing).toBe(false);
		expect(after.totals.pageviews).toBe(pageviews);

		// Now that every view was seen up to date, a read past the time limit is merely
		// slow, not a build: it is waited for and answered exactly.
		const slow = await readStats(couch, query, { timeoutMs: 0 });
		expect(slow.indexing).toBe(false);
		expect(slow.totals).toEqual(after.totals);
		expect(slow.breakdowns).toEqual(after.breakdowns);
	}, 180_000);
});
