/**
 * New and returning visitors through the importer's classification (the tracker's rules)
 * and the real route handlers: a visitor is new on their first day, and so are all their
 * sessions that day (an outside review read a new visitor's second session that day as
 * "Returning: 0 visitors, 1 session"); the next day they are returning. Under a source
 * filter, a visitor who came back that day from the source is one of its visitors, and
 * of each page viewed from it.
 */
import { beforeAll, expect, test } from 'vitest';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { importedSite, okWithToken } from './harness';

let token: string;
const SITE = 'newcomers';

beforeAll(async () => {
	const lines = [
		'timestamp,path,visitor_id,referrer',
		// Carol: /docs directly, then again from news.example.
		'2026-11-10T08:00:00Z,/docs,carol,',
		// Alice: two sessions on her first day, one the next.
		'2026-11-10T09:00:00Z,/,alice,https://news.example/',
		'2026-11-10T09:05:00Z,/docs,alice,',
		'2026-11-10T12:00:00Z,/docs,carol,https://news.example/',
		'2026-11-10T15:00:00Z,/pricing,alice,',
		'2026-11-11T09:00:00Z,/,alice,',
		// Bob: one session on his first day.
		'2026-11-11T10:00:00Z,/docs,bob,https://news.example/'
	];
	({ token } = await importedSite(SITE, lines, { milestones: false }));
});

const read = (from: string, to: string, filter = '') =>
	okWithToken(STATS, '/api/v1/stats', `site=${SITE}&from=${from}&to=${to}&tz=UTC${filter}`, token);

test("a new visitor's second session of their first day is a new visitor's session", async () => {
	const first = await read('2026-11-10', '2026-11-10');
	expect(first.totals).toMatchObject({ visitors: 2, newVisitors: 2, sessions: 4 });
	expect(first.breakdowns.newVsReturning).toEqual([{ value: 'new', sessions: 4, visitors: 2 }]);
	// Under a page filter, Alice; under the source, Alice and Carol, who came back from it.
	expect((await read('2026-11-10', '2026-11-10', '&page=/')).totals).toMatchObject({
		visitors: 1,
		newVisitors: 1
	});
	const fromNews = await read('2026-11-10', '2026-11-10', '&source=news.example');
	expect(fromNews.totals).toMatchObject({ visitors: 2, newVisitors: 2, sessions: 2 });
	expect(fromNews.breakdowns.newVsReturning).toEqual([{ value: 'new', sessions: 2, visitors: 2 }]);
	// Carol had seen /docs that day before she came from news.example: a visitor of it there.
	expect(
		fromNews.breakdowns.pages.map((p: { path: string; visitors: number }) => [p.path, p.visitors])
	).toEqual([
		['/docs', 2],
		['/', 1]
	]);
});

test('the next day the visitor is returning, and a visitor on their first day is new', async () => {
	const next = await read('2026-11-11', '2026-11-11');
	expect(next.totals).toMatchObject({ visitors: 2, newVisitors: 1, sessions: 2 });
	expect(next.breakdowns.newVsReturning).toEqual([
		{ value: 'new', sessions: 1, visitors: 1 },
		{ value: 'returning', sessions: 1, visitors: 1 }
	]);
	// Over both days: visitors count once a day each (Alice twice), new visitors once each.
	const both = await read('2026-11-10', '2026-11-11');
	expect(both.totals).toMatchObject({ visitors: 4, newVisitors: 3, sessions: 6 });
});
