/**
 * Visitors of a source through the real route handlers from the store (an outside
 * review: three people who came from one source were counted as two, the one who had
 * come from another source earlier that day being no visitor of it): by referrer, by UTM
 * campaign and under the source filter, a visitor counts once a day for each source a
 * session of theirs came from (`srcFirstOfDay`); the site's own visitors stay once a day.
 */
import { beforeAll, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { sessionRecords, uuidv7At } from '../support/golden';
import { indexed, okWithToken, siteWithToken, useCouch } from './harness';

let couch: Couch;
let token: string;
const SITE = 'sources';
const RANGE = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;
const t = (h: number) => Date.UTC(2026, 10, 10, h);

/** A session's one entry pageview, flagged as the tracker flags it. */
function visit(n: number, vid: string, h: number, src: string, day: boolean, srcDay: boolean) {
	return sessionRecords(SITE, uuidv7At(t(h), n), vid, { src, land: '/' }, [
		{
			type: 'pageview',
			ts: t(h),
			path: '/',
			entry: true,
			firstOfDay: day,
			firstEver: false,
			pathFirstOfDay: day,
			srcFirstOfDay: srcDay,
			ref: `https://${src}/`,
			utm: { campaign: src === 'b.example' ? 'launch' : 'other' }
		}
	]);
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	token = await siteWithToken(couch, SITE, 'Sources');
	const docs = [
		// v1 from a.example, back later from b.example: first of the day for each.
		...visit(1, 'v1', 9, 'a.example', true, true),
		...visit(2, 'v1', 10, 'b.example', false, true),
		// v2 from b.example once; v3 from b.example twice.
		...visit(3, 'v2', 11, 'b.example', true, true),
		...visit(4, 'v3', 12, 'b.example', true, true),
		...visit(5, 'v3', 13, 'b.example', false, false)
	];
	const res = await couch.events.bulk({ docs, new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	await indexed(couch);
});

test('a visitor counts once a day for each source a session came from, by referrer, UTM and under the filter', async () => {
	const site = await okWithToken(STATS, '/api/v1/stats', RANGE, token);
	expect(site.totals).toMatchObject({ visitors: 3, sessions: 5 });
	expect(site.breakdowns.referrers).toEqual([
		{ value: 'b.example', sessions: 4, visitors: 3 },
		{ value: 'a.example', sessions: 1, visitors: 1 }
	]);
	expect(site.breakdowns.utm.campaign).toEqual([
		{ value: 'launch', sessions: 4, visitors: 3 },
		{ value: 'other', sessions: 1, visitors: 1 }
	]);
	const fromB = await okWithToken(STATS, '/api/v1/stats', `${RANGE}&source=b.example`, token);
	expect(fromB.totals).toMatchObject({ visitors: 3, sessions: 4 });
	// New vs returning under the filter counts its visitors the same way, and sums to them
	// (an outside review: v1, back from b.example, was a returning session of no visitor).
	expect(fromB.breakdowns.newVsReturning).toEqual([
		{ value: 'returning', sessions: 4, visitors: 3 }
	]);
});
