/**
 * Half- and quarter-hour time zones on the embedded store: records a millisecond either
 * side of the UTC quarter hours where Asia/Kolkata (+05:30) and Asia/Kathmandu (+05:45)
 * days and hours begin are counted on their own local day and hour, by hand-computed
 * numbers, through the Stats API's read model.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { readSections, readStats } from '../../src/lib/server/stats/read-stats';
import type { StoredRecord } from '../../src/lib/records';
import type { Interval } from '../../src/lib/stats/periods';
import { entryPageview } from '../support/golden';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { indexed, okWithToken, siteWithToken, storeRecords, useCouch } from './harness';

const SITE = 'zones';

/**
 * One entry pageview of a new visitor at each instant (UTC), so each counts 1 pageview,
 * 1 visitor and 1 session wherever it lands. Local times are in the comments:
 * Kolkata | Kathmandu.
 */
const INSTANTS = [
	'2026-11-20T18:14:59.999Z', // A: 20th 23:44 | 20th 23:59
	'2026-11-20T18:15:00.000Z', // B: 20th 23:45 | 21st 00:00
	'2026-11-20T18:29:59.999Z', // C: 20th 23:59 | 21st 00:14
	'2026-11-20T18:30:00.000Z', // D: 21st 00:00 | 21st 00:15
	'2026-11-20T18:59:59.999Z', // E: 21st 00:29 | 21st 00:44
	'2026-11-20T19:00:00.000Z', // F: 21st 00:30 | 21st 00:45
	'2026-11-20T19:14:59.999Z', // G: 21st 00:44 | 21st 00:59
	'2026-11-20T19:15:00.000Z', // H: 21st 00:45 | 21st 01:00
	'2026-11-20T19:30:00.000Z', // I: 21st 01:00 | 21st 01:15
	'2026-11-21T12:00:00.000Z', // J: 21st 17:30 | 21st 17:45
	'2026-11-21T18:14:59.999Z', // K: 21st 23:44 | 21st 23:59
	'2026-11-21T18:15:00.000Z', // L: 21st 23:45 | 22nd 00:00
	'2026-11-21T18:29:59.999Z', // M: 21st 23:59 | 22nd 00:14
	'2026-11-21T18:30:00.000Z' //  N: 22nd 00:00 | 22nd 00:15
];

function records(): StoredRecord[] {
	return INSTANTS.map((iso, i) =>
		entryPageview(SITE, Date.parse(iso), i, `visitor-zone-${String(i).padStart(4, '0')}`, '/')
	);
}

/** A site kept in Australia/Lord_Howe, whose clock changes by 30 minutes. */
const LORD_HOWE = 'lhi';

/**
 * Its records (UTC) on 5 April 2026, when the clock went back from 02:00 (+11:00) to
 * 01:30 (+10:30), and one just after the day. Local times in the comments.
 */
const LORD_HOWE_INSTANTS = [
	'2026-04-04T13:30:00.000Z', // 5th 00:30 +11:00
	'2026-04-04T14:40:00.000Z', // 5th 01:40 +11:00
	'2026-04-04T15:10:00.000Z', // 5th 01:40 +10:30, the half hour repeated
	'2026-04-04T16:40:00.000Z', // 5th 03:10
	'2026-04-05T12:45:00.000Z', // 5th 23:15
	'2026-04-05T13:40:00.000Z' //  6th 00:10
];

let couch: Couch;
let token: string;

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	token = await siteWithToken(couch, LORD_HOWE, 'Lord Howe');
	const lordHowe = LORD_HOWE_INSTANTS.map((iso, i) =>
		entryPageview(
			LORD_HOWE,
			Date.parse(iso),
			i,
			`visitor-lordhowe-${String(i).padStart(4, '0')}`,
			'/'
		)
	);
	await storeRecords(couch, [...records(), ...lordHowe]);
	await indexed(couch);
});

async function series(tz: string, from: string, to: string, interval: Interval) {
	const stats = await readStats(couch, {
		site: SITE,
		range: { from, to, tz },
		interval,
		limit: 10
	});
	return {
		points: Object.fromEntries(
			stats.timeseries.filter((p) => p.pageviews! > 0).map((p) => [p.period, p.pageviews])
		),
		stats
	};
}

describe.each([
	{
		tz: 'Asia/Kolkata',
		days: { '2026-11-20': 3, '2026-11-21': 10, '2026-11-22': 1 },
		hours: {
			'2026-11-21T00:00': 5,
			'2026-11-21T01:00': 1,
			'2026-11-21T17:00': 1,
			'2026-11-21T23:00': 3
		},
		starts: ['2026-11-20T18:30:00.000Z', '2026-11-20T19:30:00.000Z']
	},
	{
		tz: 'Asia/Kathmandu',
		days: { '2026-11-20': 1, '2026-11-21': 10, '2026-11-22': 3 },
		hours: {
			'2026-11-21T00:00': 6,
			'2026-11-21T01:00': 2,
			'2026-11-21T17:00': 1,
			'2026-11-21T23:00': 1
		},
		starts: ['2026-11-20T18:15:00.000Z', '2026-11-20T19:15:00.000Z']
	}
])('in $tz', ({ tz, days, hours, starts }) => {
	test('each record counts on its local day', async () => {
		const { points, stats } = await series(tz, '2026-11-20', '2026-11-22', 'day');
		expect(points).toEqual(days);
		expect(stats.totals).toMatchObject({ pageviews: 14, visitors: 14, sessions: 14 });
	});

	test('each record counts in its local hour, and the day in totals and breakdowns', async () => {
		const { points, stats } = await series(tz, '2026-11-21', '2026-11-21', 'hour');
		expect(points).toEqual(hours);
		expect(stats.timeseries).toHaveLength(24);
		expect(stats.timeseries.slice(0, 2).map((p) => p.start)).toEqual(starts);
		expect(stats.totals).toMatchObject({ pageviews: 10, visitors: 10, sessions: 10 });
		// Breakdowns read the day's cover, quarter hours at its ends included.
		expect(stats.breakdowns.pages).toEqual([expect.objectContaining({ path: '/', pageviews: 10 })]);
		expect(stats.breakdowns.entryPages).toEqual([{ path: '/', entries: 10 }]);
	});

	test('the previous period reads the quarter hours at its ends too', async () => {
		const { stats } = await series(tz, '2026-11-22', '2026-11-22', 'hour');
		expect(stats.totals.pageviews).toBe(days['2026-11-22']);
		expect(stats.previous.totals.pageviews).toBe(10);
	});
});

test('a day-by-day series in a half-hour zone is one keyed query, not one per run', async () => {
	const read = await readSections(
		couch,
		{
			site: SITE,
			range: { from: '2026-11-01', to: '2026-11-30', tz: 'Asia/Kolkata' },
			interval: 'day',
			limit: 10
		},
		{ sections: ['timeseries'] }
	);
	expect(read.timeseries.status).toBe('fulfilled');
	// 30 days × (4 quarter hours + 23 hours) buckets in 1 query; rows only for buckets
	// holding records: q 18:00, 18:15 and h 19 of the 20th, h 12 and q 18:00, 18:15 of
	// the 21st, q 18:30 of the 20th and 21st and q 18:45 of the 20th: 9.
	expect(read.meta).toEqual({ rowsRead: 9, queries: 1 });
});

test('the Stats API cuts a day of a 30-minute clock change into the hours its clock shows', async () => {
	const query = (interval: string) =>
		`site=${LORD_HOWE}&from=2026-04-05&to=2026-04-05&tz=Australia/Lord_Howe&interval=${interval}`;
	const hours = await okWithToken(STATS, '/api/v1/stats', query('hour'), token);
	const byDay = await okWithToken(STATS, '/api/v1/stats', query('day'), token);
	// The day is 24.5 hours: 00:00 and 01:00 at +11:00, the repeated half hour from 01:30,
	// then 02:00 to 23:00 at +10:30; it ends before the next day's first record.
	expect(hours.timeseries).toHaveLength(25);
	const busy = hours.timeseries
		.filter((p: { pageviews: number }) => p.pageviews > 0)
		.map((p: { period: string; start: string }) => [p.period, p.start]);
	expect(busy).toEqual([
		['2026-04-05T00:00', '2026-04-04T13:00:00.000Z'],
		['2026-04-05T01:00', '2026-04-04T14:00:00.000Z'],
		['2026-04-05T01:30', '2026-04-04T15:00:00.000Z'],
		['2026-04-05T03:00', '2026-04-04T16:30:00.000Z'],
		['2026-04-05T23:00', '2026-04-05T12:30:00.000Z']
	]);
	expect(hours.totals).toMatchObject({ pageviews: 5, visitors: 5, sessions: 5 });
	expect(byDay.totals).toMatchObject({ pageviews: 5, visitors: 5, sessions: 5 });
});
