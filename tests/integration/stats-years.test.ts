/**
 * Year buckets on the embedded store: the views of many keys a bucket (`pages`,
 * `dimensions`, `events`, `event-props`, `scroll`, `journeys`) keep UTC years, and a
 * range holding a whole UTC year reads it as one bucket (src/lib/stats/buckets.ts).
 * Records a millisecond either side of the instants where UTC and Asia/Kolkata (+05:30)
 * years begin are counted in their own local year, by hand-computed numbers, through the
 * Stats API's read model.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { revisionFor, type StoredRecord } from '../../src/lib/records';
import { uuidv7At } from '../support/golden';
import { indexed, storeRecords, useCouch } from './harness';

const SITE = 'years';

/**
 * One entry pageview of a new visitor at each instant (UTC), each on its own path, so
 * a range's pages say which it counted; the records of 2025 in UTC also fire `signup`.
 * Local years in the comments: UTC | Kolkata.
 */
const INSTANTS = [
	['/a', '2024-12-31T18:29:59.999Z'], // 2024 | 2024
	['/b', '2024-12-31T18:30:00.000Z'], // 2024 | 2025
	['/c', '2024-12-31T23:59:59.999Z'], // 2024 | 2025
	['/d', '2025-01-01T00:00:00.000Z'], // 2025 | 2025
	['/e', '2025-07-01T12:00:00.000Z'], // 2025 | 2025
	['/f', '2025-12-31T18:29:59.999Z'], // 2025 | 2025
	['/g', '2025-12-31T18:30:00.000Z'], // 2025 | 2026
	['/h', '2025-12-31T23:59:59.999Z'], // 2025 | 2026
	['/i', '2026-01-01T00:00:00.000Z'] //  2026 | 2026
] as const;

function records(): StoredRecord[] {
	return INSTANTS.flatMap(([path, iso], i) => {
		const ts = Date.parse(iso);
		const session = {
			site: SITE,
			sid: uuidv7At(ts, 0xfff00 + i),
			vid: `visitor-year-${String(i).padStart(4, '0')}`,
			path
		};
		const pageview = {
			...session,
			_id: uuidv7At(ts, 1),
			type: 'pageview',
			ts,
			entry: true,
			firstOfDay: true,
			firstEver: true,
			pathFirstOfDay: true
		};
		const utc2025 = iso.startsWith('2025');
		const event = {
			...session,
			_id: uuidv7At(ts, 2),
			type: 'event',
			ts,
			name: 'signup',
			props: { plan: i % 2 ? 'pro' : 'free' },
			firstOfSession: true,
			firstOfDay: true,
			propFirstOfSession: ['plan'],
			propFirstOfDay: ['plan']
		};
		return (utc2025 ? [pageview, event] : [pageview]).map(
			(doc) =>
				({ ...doc, v: 1, receivedAt: doc.ts + 500, _rev: revisionFor(doc._id) }) as StoredRecord
		);
	});
}

let couch: Couch;

beforeAll(async () => {
	({ couch } = await useCouch());
	await storeRecords(couch, records());
	await indexed(couch);
});

const read = (from: string, to: string, tz: string) =>
	readStats(couch, { site: SITE, range: { from, to, tz }, interval: 'month', limit: 20 });

const paths = (stats: Awaited<ReturnType<typeof read>>) =>
	stats.breakdowns.pages.map((p: { path: string; pageviews: number }) => [p.path, p.pageviews]);

describe('a whole year', () => {
	test('in UTC is one year bucket: totals and breakdowns count its records only', async () => {
		const stats = await read('2025-01-01', '2025-12-31', 'UTC');
		expect(stats.totals).toMatchObject({ pageviews: 5, visitors: 5, sessions: 5, events: 5 });
		expect(paths(stats).sort()).toEqual([
			['/d', 1],
			['/e', 1],
			['/f', 1],
			['/g', 1],
			['/h', 1]
		]);
		expect(stats.breakdowns.entryPages).toHaveLength(5);
		// /d, /f and /h are i = 3, 5, 7: pro; /e and /g free.
		expect(stats.breakdowns.events).toEqual([
			{
				name: 'signup',
				count: 5,
				props: {
					plan: [
						{ value: 'pro', count: 3 },
						{ value: 'free', count: 2 }
					]
				}
			}
		]);
	});

	test('in Asia/Kolkata starts and ends at 18:30 UTC, read without the year bucket', async () => {
		const stats = await read('2025-01-01', '2025-12-31', 'Asia/Kolkata');
		expect(stats.totals).toMatchObject({ pageviews: 5, visitors: 5, sessions: 5 });
		expect(paths(stats).sort()).toEqual([
			['/b', 1],
			['/c', 1],
			['/d', 1],
			['/e', 1],
			['/f', 1]
		]);
		expect(stats.breakdowns.events).toEqual([
			expect.objectContaining({ name: 'signup', count: 3 })
		]);
	});

	test('with a day either side is days, the year, days', async () => {
		const stats = await read('2024-12-31', '2026-01-01', 'UTC');
		expect(stats.totals).toMatchObject({ pageviews: 9, visitors: 9, sessions: 9, events: 5 });
		expect(paths(stats)).toHaveLength(9);
		// The previous period, as long, ends on 2024-12-30: none of the records.
		expect(stats.previous.totals.pageviews).toBe(0);
	});
});
