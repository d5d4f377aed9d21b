/**
 * The read model (src/lib/server/stats/read-stats.ts) on the golden data set: each
 * section settled on its own, only the asked sections read, and a range that starts at
 * the site's first record (the public /stats page's).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readSections, readStats, type StatsQuery } from '../../src/lib/server/stats/read-stats';
import { GOLDEN_NOW, goldenActiveNow, goldenRecords } from '../support/golden';
import { indexed, notingViewQueries, storeRecords, useCouch } from './harness';

let couch: Couch;
const now = () => GOLDEN_NOW;

beforeAll(async () => {
	({ couch } = await useCouch());
	await storeRecords(couch, goldenRecords());
	await indexed(couch);
});

/** Days whose local mean time (+00:09:21) is no whole number of UTC quarter hours: no range read works. */
const lmtParis: StatsQuery = {
	site: 'golden',
	range: { from: '1900-11-01', to: '1900-11-03', tz: 'Europe/Paris' },
	interval: 'day',
	limit: 10,
	filter: { kind: 'source', value: '(direct)' }
};

describe('the read model', () => {
	test('settles each section on its own: failed range reads leave active now and tracking since standing', async () => {
		const read = await readSections(couch, lmtParis, { now });
		for (const name of ['unfiltered', 'totals', 'previous', 'timeseries', 'breakdowns'] as const) {
			expect(read[name], name).toMatchObject({
				status: 'rejected',
				reason: expect.any(RangeError)
			});
		}
		expect(read.activeNow).toEqual({ status: 'fulfilled', value: goldenActiveNow() });
		expect(read.trackingSince).toEqual({
			status: 'fulfilled',
			value: '2026-10-30T12:00:00.000Z'
		});
	});

	test('fails the Stats API response as a whole with the first error', async () => {
		await expect(readStats(couch, lmtParis, { now })).rejects.toThrow(RangeError);
	});

	test('reads only the asked sections', async () => {
		const read = await readSections(
			couch,
			{ ...lmtParis, range: { ...lmtParis.range, tz: 'UTC' } },
			{ now, sections: ['activeNow', 'trackingSince'] }
		);
		expect(Object.keys(read).sort()).toEqual(
			['activeNow', 'filter', 'indexing', 'meta', 'range', 'site', 'trackingSince'].sort()
		);
		// active, since, per live visitor (G and I) its session's summary, and latest events.
		expect(read.meta.queries).toBe(5);
	});

	test('starts a range at the local day of the first record, read once for both uses', async () => {
		const day = { from: '2026-11-03', to: '2026-11-03', tz: 'UTC' };
		const query = { site: 'golden', range: day, limit: 10, fromFirstRecord: true };
		const read = await readSections(couch, query, { now, sections: ['totals', 'trackingSince'] });
		expect(read.range).toEqual({
			from: '2026-10-30',
			to: '2026-11-03',
			tz: 'UTC',
			interval: 'day'
		});
		const whole = await readStats(couch, { ...query, range: read.range, fromFirstRecord: false });
		expect(read.totals).toEqual({ status: 'fulfilled', value: whole.totals });
		// The `since` query and one `metrics` query (the five days are one run of day buckets).
		expect(read.meta.queries).toBe(2);
	});

	test('checks an interval asked for all time against the range from the first record', async () => {
		const query = { site: 'golden', limit: 10, fromFirstRecord: true, interval: 'hour' as const };
		// Five days of records: hours fit (an outside review got a 400 naming ten years).
		const read = await readSections(
			couch,
			{ ...query, range: { from: '2016-11-08', to: '2026-11-03', tz: 'UTC' } },
			{ now, sections: ['timeseries'] }
		);
		expect(read.range).toEqual({
			from: '2026-10-30',
			to: '2026-11-03',
			tz: 'UTC',
			interval: 'hour'
		});
		expect(read.timeseries).toMatchObject({ status: 'fulfilled' });
		// Two months from the first record: more than hours may slice, the whole read refused.
		const long = { from: '2016-11-08', to: '2026-12-30', tz: 'UTC' };
		await expect(readStats(couch, { ...query, range: long })).rejects.toMatchObject({
			status: 400,
			message:
				'interval hour allows ranges of up to 31 days; the range from 2026-10-30 to 2026-12-30 is 62 days'
		});
	});

	test('starts the range of a site with no record yet on its last day', async () => {
		const range = { from: '2016-11-08', to: '2026-11-03', tz: 'UTC' };
		const query = { site: 'nothing-yet', range, limit: 10, fromFirstRecord: true };
		const read = await readSections(couch, query, { now, sections: ['totals'] });
		expect(read.range).toEqual({
			from: '2026-11-03',
			to: '2026-11-03',
			tz: 'UTC',
			interval: 'hour'
		});
		expect(read.totals).toMatchObject({ status: 'fulfilled', value: { pageviews: 0 } });
	});

	test('reads the site sums once for the totals, the previous period and the goals’ rates', async () => {
		const goals = [{ id: 'g1', kind: 'page' as const, path: '/docs' }];
		const range = { from: '2026-11-01', to: '2026-11-03', tz: 'UTC' };
		const query: StatsQuery = { site: 'golden', range, limit: 10, goals };
		const sections = ['totals', 'previous', 'goals'] as const;
		const read = await readSections(couch, query, { now, sections });
		const alone = await readSections(couch, query, { now, sections: ['goals'] });
		expect(read.goals).toEqual(alone.goals);
		expect(read.goals).toMatchObject({ status: 'fulfilled', value: [{ visitors: 2 }] });
		// `metrics` over the range and the previous period, site-wide (totals, previous and
		// the rates' denominators) and in the goal's page scope: one day run each.
		expect(read.meta.queries).toBe(4);
		// The same with a filter: the filter's scope is one more pair of reads.
		const filtered = await readSections(
			couch,
			{ ...query, filter: { kind: 'source', value: '(direct)' } },
			{ now, sections: ['unfiltered', ...sections] }
		);
		expect(filtered.meta.queries).toBe(6);
	});

	test('makes each view query once for all its sections: goals and journeys read the breakdowns’ rows', async () => {
		const goals = [
			{ id: 'docs', kind: 'page' as const, path: '/do*' },
			{ id: 'pro', kind: 'event' as const, name: 'signup', prop: { key: 'plan', value: 'pro' } }
		];
		const range = { from: '2026-11-01', to: '2026-11-03', tz: 'UTC' };
		const query: StatsQuery = { site: 'golden', range, limit: 10, goals };
		const queries: string[] = [];
		const read = await readSections(notingViewQueries(couch, queries), query, {
			now,
			sections: ['breakdowns', 'goals', 'journeys'],
			compareBreakdowns: true
		});
		const alone = await readSections(couch, query, { now, sections: ['goals'] });
		expect(read.goals).toEqual(alone.goals);
		expect(read.goals).toMatchObject({ status: 'fulfilled' });
		expect(queries.filter((q, i) => queries.indexOf(q) !== i)).toEqual([]);
		expect(read.meta.queries).toBe(queries.length);
	});
});
