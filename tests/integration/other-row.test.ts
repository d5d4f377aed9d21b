/**
 * The row summing the rows past the limit is told apart by its mark (`other: true`,
 * breakdowns.ts `topN`), never by its label: a visitor may send "(other)" as a value of
 * their own (a `utm_source=(other)`), and its row must stay a row of its own, with its
 * filter, not be taken for the summary (note46 §10.5).
 */
import { beforeAll, expect, test } from 'vitest';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { importedSite, okWithToken } from './harness';

let token: string;
const SITE = 'other-value';
const RANGE = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;

beforeAll(async () => {
	({ token } = await importedSite(SITE, [
		'timestamp,path,session_id,visitor_id,referrer,utm_source',
		// Three visitors whose own source is "(other)", the busiest.
		'2026-11-10T08:00:00Z,/,o1,o1,,(other)',
		'2026-11-10T08:10:00Z,/,o2,o2,,(other)',
		'2026-11-10T08:20:00Z,/,o3,o3,,(other)',
		'2026-11-10T09:00:00Z,/,a1,a1,,alpha',
		'2026-11-10T09:10:00Z,/,a2,a2,,alpha',
		'2026-11-10T10:00:00Z,/,b1,b1,,beta'
	]));
});

test('a visitor\'s own value "(other)" is a row of its own, and only the summary row is marked', async () => {
	const all = await okWithToken(STATS, '/api/v1/stats', RANGE, token);
	expect(all.breakdowns.referrers).toEqual([
		{ value: '(other)', sessions: 3, visitors: 3 },
		{ value: 'alpha', sessions: 2, visitors: 2 },
		{ value: 'beta', sessions: 1, visitors: 1 }
	]);
	const top = await okWithToken(STATS, '/api/v1/stats', `${RANGE}&limit=1`, token);
	expect(top.breakdowns.referrers).toEqual([
		{ value: '(other)', sessions: 3, visitors: 3 },
		{ value: '(other)', sessions: 3, visitors: null, other: true }
	]);
	expect(top.breakdowns.utm.source).toEqual([
		{ value: '(other)', sessions: 3, visitors: 3 },
		{ value: '(other)', sessions: 3, visitors: null, other: true }
	]);
	expect(top.totalRows.referrers).toBe(3);
});
