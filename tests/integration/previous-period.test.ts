/**
 * The period a range is compared with, read through the Stats API and its CSV export
 * from the embedded store: a whole month with the whole month before, a month so far
 * with the same days of the month before, a year so far with the same dates a year
 * earlier, any other range with the same number of days just before (an outside
 * evaluator: November was compared with October 2–31). Days are the site's
 * (Europe/Berlin): a pageview at 23:30 on September 30 there is no October's.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { entryPageview } from '../support/golden';
import { getWithToken, indexed, okWithToken, useCouch } from './harness';

const SITE = 'compare';

/** One new visitor's pageview of `/` a page, at each Berlin local time. */
const PAGEVIEWS = [
	'2025-12-03T12:00:00+01:00',
	// September's in Berlin, October 1 in UTC.
	'2026-09-30T23:30:00+02:00',
	'2026-10-01T00:30:00+02:00',
	'2026-10-15T12:00:00+02:00',
	'2026-10-31T23:30:00+01:00',
	'2026-11-05T12:00:00+01:00',
	'2026-11-26T09:00:00+01:00',
	'2026-11-26T10:00:00+01:00',
	'2026-12-03T12:00:00+01:00'
];

let couch: Couch;
let token: string;

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('previous period test');
	token = created.secret;
	const site = siteRecord(
		{ id: SITE, name: 'Compare', hostnames: [`${SITE}.example`], timeZone: 'Europe/Berlin' },
		['owner'],
		0
	);
	await couch.sites.insert({
		...site,
		tokens: [created.token],
		goals: [{ id: 'home', kind: 'page', path: '/' }]
	});
	const docs = PAGEVIEWS.map((time, n) =>
		entryPageview(SITE, Date.parse(time), n, `visitor-number-${n}`, '/')
	);
	const res = await couch.events.bulk({ docs, new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	await indexed(couch);
});

describe('the Stats API compares a range with', () => {
	// Query, then the previous period's dates, comparison and pageviews, and the range's.
	test.each([
		// A whole month: all of the month before (November: Oct 1 in Berlin, not Sep 30's).
		['from=2026-11-01&to=2026-11-30', '2026-10-01', '2026-10-31', 'month', 3, 3],
		// A month so far asked to compare by month: the same days of the month before.
		['from=2026-12-01&to=2026-12-07&compare=month', '2026-11-01', '2026-11-07', 'month', 1, 1],
		// Any other range: the same number of days just before.
		['from=2026-12-01&to=2026-12-07', '2026-11-24', '2026-11-30', 'days', 2, 1],
		// A whole month asked to compare by days: the 30 days before.
		['from=2026-11-01&to=2026-11-30&compare=days', '2026-10-02', '2026-10-31', 'days', 2, 3],
		// A year so far asked to compare by year: the same dates a year earlier.
		['from=2026-01-01&to=2026-12-07&compare=year', '2025-01-01', '2025-12-07', 'year', 1, 8]
	])(
		'%s: %s to %s (%s), %i pageviews against %i',
		async (query, from, to, compare, before, now) => {
			const body = await okWithToken(STATS, '/api/v1/stats', `site=${SITE}&${query}`, token);
			expect(body.previous).toMatchObject({ from, to, compare, totals: { pageviews: before } });
			expect(body.totals.pageviews).toBe(now);
		}
	);

	test('goals and their CSV compare as the totals do', async () => {
		const body = await okWithToken(
			STATS,
			'/api/v1/stats',
			`site=${SITE}&from=2026-11-01&to=2026-11-30`,
			token
		);
		expect(body.goals[0].previous.conversions).toBe(3);
		const res = await getWithToken(
			EXPORT,
			'/api/v1/stats/export',
			`site=${SITE}&from=2026-12-01&to=2026-12-07&compare=month&breakdown=goals&format=csv`,
			token
		);
		expect(res.status).toBe(200);
		const [header, row] = (await res.text()).trim().split(/\r?\n/);
		expect(header).toBe(
			'goal,kind,conversions,visitors,conversionRate,previousConversions,previousVisitors,previousConversionRate'
		);
		expect(row.split(',').slice(2, 6)).toEqual(['1', '1', '1', '1']);
	});

	test('a comparison that is none of days, month or year is a 400 saying which there are', async () => {
		const res = await getWithToken(
			STATS,
			'/api/v1/stats',
			`site=${SITE}&from=2026-11-01&to=2026-11-30&compare=week`,
			token
		);
		expect(res.status).toBe(400);
		expect((await res.json()).message).toBe(
			'compare "week" must be days (the same number of days just before), month (the same days of the month before) or year (the same dates a year earlier)'
		);
	});
});
