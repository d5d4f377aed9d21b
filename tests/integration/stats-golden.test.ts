/**
 * The golden test: every metric of the Stats API, worked out by hand from
 * tests/support/golden.ts, read through the real route handler from the embedded
 * store.
 */
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { GET } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { GOLDEN_NOW, goldenActiveNow, goldenRecords, goldenSite } from '../support/golden';
import { indexed, useCouch } from './harness';

let couch: Couch;
let token: string;

type User = { name: string; roles: string[]; isAdmin: boolean } | null;

async function call(
	handler: (event: never) => Promise<Response>,
	query: string,
	{ user = null, bearer }: { user?: User; bearer?: string } = {}
): Promise<Response> {
	const url = new URL(`http://localhost/api/v1/stats?${query}`);
	const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
	const request = new Request(url, { headers });
	return handler({ url, request, locals: { user } } as never);
}

async function stats(query: string) {
	const res = await call(GET, query, { bearer: token });
	expect(res.status).toBe(200);
	return res.json();
}

const totalsUtc = {
	pageviews: 11,
	visitors: 7,
	newVisitors: 6,
	sessions: 7,
	actualSessions: 2,
	engagedSessions: 2,
	engagementRate: 1,
	bounceRate: 0.4286,
	engagedTimeMs: 74_000,
	avgEngagedTimeMs: 10_571,
	events: 3
};

/** Both signups of November 1–3 (A's pro plan, D's free plan). */
const signupEvents = {
	name: 'signup',
	count: 2,
	props: {
		plan: [
			{ value: 'free', count: 1 },
			{ value: 'pro', count: 1 }
		]
	}
};

beforeAll(async () => {
	// Every design document, as the app deploys them: the records also pass _design/validate.
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('golden test');
	token = created.secret;
	await couch.sites.insert({ ...goldenSite(), tokens: [created.token] });
	const records = goldenRecords();
	// Every record delivered twice (replication and beacon), one a third time: stored once.
	for (const docs of [records, records, records.slice(10, 11)]) {
		const res = await couch.events.bulk({ docs, new_edits: false });
		expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	}
	// Exact numbers need built indexes: a first read that outlasts the reader's time
	// limit (on a busy machine) answers from the index as it stands, with indexing: true.
	await indexed(couch);
	// The route reads "now" from the clock; active now is asserted separately with GOLDEN_NOW.
});

describe('the Stats API on the golden data set', () => {
	test('counts every total of November 1–3 in UTC exactly, bots and other sites left out', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		expect(body.totals).toEqual(totalsUtc);
		expect(body.range).toEqual({
			from: '2026-11-01',
			to: '2026-11-03',
			tz: 'UTC',
			interval: 'day'
		});
		expect(body.indexing).toBe(false);
		expect(body.trackingSince).toBe('2026-10-30T12:00:00.000Z');
	});

	test('compares with the previous three days', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		expect(body.previous).toEqual({
			from: '2026-10-29',
			to: '2026-10-31',
			compare: 'days',
			totals: {
				pageviews: 2,
				visitors: 2,
				newVisitors: 2,
				sessions: 2,
				actualSessions: 0,
				engagedSessions: 0,
				engagementRate: 0,
				bounceRate: 1,
				engagedTimeMs: 0,
				avgEngagedTimeMs: 0,
				events: 0
			}
		});
	});

	test('gives a daily time series in UTC, a late offline visit on its own day', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		expect(body.timeseries).toEqual([
			{
				period: '2026-11-01',
				start: '2026-11-01T00:00:00.000Z',
				pageviews: 3,
				visitors: 2,
				newVisitors: 2,
				sessions: 2,
				actualSessions: 1,
				engagedSessions: 1,
				engagementRate: 1,
				bounceRate: 0.5,
				engagedTimeMs: 40_000,
				avgEngagedTimeMs: 20_000,
				events: 1
			},
			{
				period: '2026-11-02',
				start: '2026-11-02T00:00:00.000Z',
				pageviews: 3,
				visitors: 1,
				newVisitors: 0,
				sessions: 1,
				actualSessions: 0,
				engagedSessions: 0,
				engagementRate: 0,
				bounceRate: 0,
				engagedTimeMs: 12_000,
				avgEngagedTimeMs: 12_000,
				events: 1
			},
			{
				period: '2026-11-03',
				start: '2026-11-03T00:00:00.000Z',
				pageviews: 5,
				visitors: 4,
				newVisitors: 4,
				sessions: 4,
				actualSessions: 1,
				engagedSessions: 1,
				engagementRate: 1,
				bounceRate: 0.5,
				engagedTimeMs: 22_000,
				avgEngagedTimeMs: 5_500,
				events: 1
			}
		]);
	});

	test('assembles Paris days from UTC hours: records near midnight move day or leave the range', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=Europe/Paris');
		expect(body.totals).toEqual({
			pageviews: 8,
			visitors: 5,
			newVisitors: 4,
			sessions: 5,
			actualSessions: 2,
			engagedSessions: 2,
			engagementRate: 1,
			bounceRate: 0.4,
			engagedTimeMs: 64_000,
			avgEngagedTimeMs: 12_800,
			events: 3
		});
		const pick = (p: Record<string, unknown>) => [
			p.period,
			p.start,
			p.pageviews,
			p.visitors,
			p.sessions,
			p.engagedTimeMs
		];
		expect(body.timeseries.map(pick)).toEqual([
			['2026-11-01', '2026-10-31T23:00:00.000Z', 3, 2, 2, 35_000],
			['2026-11-02', '2026-11-01T23:00:00.000Z', 4, 2, 2, 17_000],
			['2026-11-03', '2026-11-02T23:00:00.000Z', 1, 1, 1, 12_000]
		]);
		expect(body.previous.totals.pageviews).toBe(1);
	});

	test('defaults the time zone to the site’s (Europe/Paris)', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03');
		expect(body.range.tz).toBe('Europe/Paris');
		expect(body.totals.pageviews).toBe(8);
	});

	test('gives hourly points for a one-day range', async () => {
		const body = await stats('site=golden&from=2026-11-02&to=2026-11-02&tz=UTC');
		expect(body.range.interval).toBe('hour');
		expect(body.timeseries).toHaveLength(24);
		const busy = body.timeseries.filter((p: { pageviews: number }) => p.pageviews > 0);
		expect(busy.map((p: { period: string; pageviews: number }) => [p.period, p.pageviews])).toEqual(
			[['2026-11-02T09:00', 3]]
		);
	});

	test('breaks pages down with visitors, engaged time, entries and exits', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		expect(body.breakdowns.pages).toEqual([
			{ path: '/', pageviews: 6, visitors: 5, engagedTimeMs: 27_000, entries: 5, exits: 4 },
			{ path: '/docs', pageviews: 2, visitors: 2, engagedTimeMs: 30_000, entries: 1, exits: 1 },
			{ path: '/pricing', pageviews: 2, visitors: 2, engagedTimeMs: 5_000, entries: 1, exits: 2 },
			{ path: '/blog', pageviews: 1, visitors: 1, engagedTimeMs: 12_000, entries: 0, exits: 0 }
		]);
		expect(body.breakdowns.entryPages).toEqual([
			{ path: '/', entries: 5 },
			{ path: '/docs', entries: 1 },
			{ path: '/pricing', entries: 1 }
		]);
		expect(body.breakdowns.exitPages).toEqual([
			{ path: '/', exits: 4, pageviews: 6, views: 6, exitRate: 0.6667 },
			{ path: '/pricing', exits: 2, pageviews: 2, views: 2, exitRate: 1 },
			{ path: '/docs', exits: 1, pageviews: 2, views: 2, exitRate: 0.5 }
		]);
	});

	test('breaks sessions down by referrer, UTM, browser, OS, device, country and screen', async () => {
		const b = (await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC')).breakdowns;
		const row = (value: string, n: number) => ({ value, sessions: n, visitors: n });
		expect(b.referrers).toEqual([
			row('(direct)', 4),
			row('duckduckgo.com', 1),
			row('google.com', 1),
			row('news.ycombinator.com', 1)
		]);
		expect(b.utm).toEqual({
			source: [row('newsletter', 2)],
			medium: [row('email', 2)],
			campaign: [row('launch', 2)]
		});
		expect(b.browsers).toEqual([row('Chrome', 3), row('Firefox', 3), row('Safari', 1)]);
		expect(b.os).toEqual([row('Linux', 3), row('Windows', 2), row('Android', 1), row('iOS', 1)]);
		expect(b.devices).toEqual([row('desktop', 5), row('mobile', 2)]);
		expect(b.countries).toEqual([row('FR', 3), row('US', 2), row('DE', 1), row('GB', 1)]);
		expect(b.screens).toEqual([row('laptop', 4), row('mobile', 2), row('desktop', 1)]);
	});

	test('counts events by name and by prop', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		expect(body.breakdowns.events).toEqual([
			signupEvents,
			{ name: 'download', count: 1, props: { file: [{ value: 'a.pdf', count: 1 }] } }
		]);
	});

	test('cuts breakdowns to the limit with an (other) row that keeps the sums', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC&limit=1');
		expect(body.breakdowns.pages).toEqual([
			{ path: '/', pageviews: 6, visitors: 5, engagedTimeMs: 27_000, entries: 5, exits: 4 },
			// Visitors do not add up across rows (one visitor may view several pages, come
			// from several countries): not known here.
			{
				path: '(other)',
				pageviews: 5,
				visitors: null,
				engagedTimeMs: 47_000,
				entries: 2,
				exits: 3,
				other: true
			}
		]);
		expect(body.breakdowns.countries).toEqual([
			{ value: 'FR', sessions: 3, visitors: 3 },
			{ value: '(other)', sessions: 4, visitors: null, other: true }
		]);
	});

	test('pages breakdowns with offset and search, and says how many rows each has', async () => {
		const range = 'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC';
		const all = await stats(range);
		expect(all.totalRows).toMatchObject({ pages: 4, countries: 4, utm: { source: 1 } });
		const page = await stats(`${range}&limit=2&offset=1`);
		expect(page.breakdowns.pages).toEqual([
			{ path: '/docs', pageviews: 2, visitors: 2, engagedTimeMs: 30_000, entries: 1, exits: 1 },
			{ path: '/pricing', pageviews: 2, visitors: 2, engagedTimeMs: 5_000, entries: 1, exits: 2 },
			// "(other)": the rows after the page (here /blog alone), not the ones before it.
			{
				path: '(other)',
				pageviews: 1,
				visitors: 1,
				engagedTimeMs: 12_000,
				entries: 0,
				exits: 0,
				other: true
			}
		]);
		expect(page.totalRows.pages).toBe(4);
		// Matched in any case against the row's value, before the cut.
		const found = await stats(`${range}&search=O&limit=1`);
		expect(found.breakdowns.browsers).toEqual([
			{ value: 'Chrome', sessions: 3, visitors: 3 },
			{ value: '(other)', sessions: 3, visitors: 3, other: true }
		]);
		expect(found.breakdowns.pages.map((r: { path: string }) => r.path)).toEqual([
			'/docs',
			'(other)'
		]);
		expect(found.totalRows).toMatchObject({ pages: 2, browsers: 2, countries: 0 });
		const past = await stats(`${range}&offset=99`);
		expect(past.breakdowns.pages).toEqual([]);
		expect(past.totalRows.pages).toBe(4);
	});

	test('reads a number of view rows set by buckets and distinct values', async () => {
		const body = await stats('site=golden&from=2026-11-01&to=2026-11-03&tz=UTC');
		// metrics: 3 days + 2 previous days with data; pages: 8 (day, path) pairs; dimensions:
		// 40 (day, dimension, value) triples; events 3; props 3; since 1; active now and
		// latest events 0 (the golden records are in the past, one query each); scroll: the
		// 8 (day, path) pairs of pageviews (no
		// heartbeat carries scrollFrom); visitors: 3 (day, new or returning) pairs; not-found
		// and dropped 0. Exact, so any change in what is read shows.
		expect(body.meta).toEqual({ rowsRead: 71, queries: 13 });
	});
});

describe('active now', () => {
	test('counts sessions active in the last 2 minutes at their latest path', async () => {
		const { readActiveNow } = await import('../../src/lib/server/stats/read-stats');
		const { createViewReader } = await import('../../src/lib/server/stats/view-reader');
		const reader = createViewReader(couch);
		expect(await readActiveNow(reader, 'golden', GOLDEN_NOW)).toEqual(goldenActiveNow());
		// Only the rows of the last few minutes are read (G's two paths and I's one), then
		// each active session's summary: G's 6 rows (at, entry, 2 pages, engaged, nonbounce)
		// and I's 3 (at, entry, 1 page); and the latest events: 4 rows.
		expect(reader.rowsRead).toBe(3 + 6 + 3 + 4);
	});
});

describe('Stats API access', () => {
	const owner = { name: 'owner', roles: [], isAdmin: false };
	const stranger = { name: 'stranger', roles: [], isAdmin: false };
	const admin = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };
	const q = 'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC';

	test('refuses a request without credentials with 401', async () => {
		const res = await call(GET, q);
		expect(res.status).toBe(401);
		expect(res.headers.get('www-authenticate')).toBe('Bearer realm="couchstats"');
	});

	test('lets the owner and an admin in by session', async () => {
		expect((await call(GET, q, { user: owner })).status).toBe(200);
		expect((await call(GET, q, { user: admin })).status).toBe(200);
	});

	test('refuses another account, a wrong token and an unknown site with 403', async () => {
		expect((await call(GET, q, { user: stranger })).status).toBe(403);
		expect((await call(GET, q, { bearer: token + 'x' })).status).toBe(403);
		expect((await call(GET, 'site=nosuchsite', { bearer: token })).status).toBe(403);
	});

	test('tells an admin that a site does not exist with 400', async () => {
		const res = await call(GET, 'site=nosuchsite', { user: admin });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'bad_request',
			message: 'site "nosuchsite" does not exist'
		});
	});

	test.each([
		['site=Golden!', 'site "Golden!" is not a site id (2–32 lowercase letters, digits or -)'],
		['site=golden&from=2026-13-01', 'from "2026-13-01" is not a date written YYYY-MM-DD'],
		[
			'site=golden&from=2026-11-03&to=2026-11-01',
			'the range from 2026-11-03 to 2026-11-01 ends before it starts'
		],
		['site=golden&tz=Nowhere/City', 'tz "Nowhere/City" is not an IANA time zone like Europe/Paris'],
		['site=golden&offset=-1', 'offset "-1" must be a whole number from 0 to 10000000'],
		['site=golden&offset=1.5', 'offset "1.5" must be a whole number from 0 to 10000000'],
		['site=golden&offset=10000001', 'offset "10000001" must be a whole number from 0 to 10000000'],
		[`site=golden&search=${'a'.repeat(201)}`, 'search is 201 characters; the most is 200'],
		['site=golden&search=a%00b', 'search must not hold control characters']
	])('answers %s with 400 naming the problem', async (query, message) => {
		const res = await call(GET, query, { bearer: token });
		expect(res.status).toBe(400);
		expect((await res.json()).message).toBe(message);
	});
});

describe('CSV export', () => {
	test('exports every row of a breakdown as CSV', async () => {
		const res = await call(
			EXPORT,
			'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC&breakdown=pages&format=csv&limit=1',
			{
				bearer: token
			}
		);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="golden-pages-2026-11-01-2026-11-03.csv"'
		);
		// Under a filter, the file says so (an outside review: it was named as the whole site's).
		const filtered = await call(
			EXPORT,
			'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC&breakdown=pages&format=csv&source=google.com',
			{ bearer: token }
		);
		expect(filtered.headers.get('content-disposition')).toBe(
			'attachment; filename="golden-pages-2026-11-01-2026-11-03-source-google.com.csv"'
		);
		expect(await res.text()).toBe(
			[
				'path,pageviews,visitors,engagedTimeMs,entries,exits',
				'/,6,5,27000,5,4',
				'/docs,2,2,30000,1,1',
				'/pricing,2,2,5000,1,2',
				'/blog,1,1,12000,0,0',
				''
			].join('\r\n')
		);
	});

	test('an export reads the views of its own breakdown only', async () => {
		// An outside security probe: an export of one breakdown read every one of them.
		const views = new Set<string>();
		const single = vi.spyOn(couch.events, 'view');
		const batched = vi.spyOn(couch.server, 'relax');
		try {
			const res = await call(
				EXPORT,
				'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC&breakdown=browsers',
				{ bearer: token }
			);
			expect(res.status).toBe(200);
			for (const [, view] of single.mock.calls) views.add(String(view));
			for (const [request] of batched.mock.calls) {
				const path = String((request as { path?: string }).path ?? '');
				const match = /_view\/([^/]+)/.exec(path);
				if (match) views.add(match[1]);
			}
		} finally {
			single.mockRestore();
			batched.mockRestore();
		}
		expect(views).toContain('dimensions');
		for (const other of ['pages', 'events', 'event-props', 'scroll']) {
			expect(views, other).not.toContain(other);
		}
	});

	test('exports events with one line per prop value', async () => {
		const res = await call(
			EXPORT,
			'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC&breakdown=events',
			{ bearer: token }
		);
		expect(await res.text()).toBe(
			[
				'name,prop,value,count',
				'signup,,,2',
				'signup,plan,free,1',
				'signup,plan,pro,1',
				'download,,,1',
				'download,file,a.pdf,1',
				''
			].join('\r\n')
		);
	});

	test('refuses an unknown breakdown with 400, listing every export (as the README does)', async () => {
		const res = await call(EXPORT, 'site=golden&breakdown=nope', { bearer: token });
		expect(res.status).toBe(400);
		expect((await res.json()).message).toBe(
			'breakdown "nope" must be one of timeseries, totals, goals, journeys, paths, pages, hosts, entryPages, exitPages, referrers, utm.source, utm.medium, utm.campaign, browsers, os, devices, countries, screens, events, notFound, scrollDepth, newVsReturning, outboundLinks, downloads, dropped (or leave it out with format=zip for all but journeys and paths in one ZIP)'
		);
	});
});

describe('filters', () => {
	const range = 'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC';
	const totals = (fields: Partial<typeof totalsUtc>) => ({
		...Object.fromEntries(Object.keys(totalsUtc).map((k) => [k, 0])),
		...fields
	});

	test('source keeps every record of the sessions from it: B, G, H and I are direct', async () => {
		const body = await stats(`${range}&source=(direct)`);
		expect(body.filter).toEqual({ kind: 'source', value: '(direct)' });
		expect(body.totals).toEqual(
			totals({
				pageviews: 5,
				visitors: 4,
				newVisitors: 4,
				sessions: 4,
				bounceRate: 0.75,
				engagedTimeMs: 15_000,
				avgEngagedTimeMs: 3_750
			})
		);
		expect(body.unfiltered).toEqual({ totals: totalsUtc });
		// October 29–31: F and J, both direct.
		expect(body.previous.totals).toMatchObject({ pageviews: 2, visitors: 2, sessions: 2 });
		expect(body.breakdowns.pages.map((p: { path: string }) => p.path)).toEqual([
			'/',
			'/pricing',
			'/docs'
		]);
		expect(body.breakdowns.referrers).toEqual([{ value: '(direct)', sessions: 4, visitors: 4 }]);
		expect(body.breakdowns.events).toEqual([]);
		// Active now is the whole site's, filtered or not.
		expect(body.activeNow).toEqual((await stats(range)).activeNow);
	});

	test('source keeps session A from Hacker News whole: its later page, event and milestones', async () => {
		const body = await stats(`${range}&source=news.ycombinator.com`);
		expect(body.totals).toEqual(
			totals({
				pageviews: 2,
				visitors: 1,
				newVisitors: 1,
				sessions: 1,
				actualSessions: 1,
				engagedSessions: 1,
				engagementRate: 1,
				engagedTimeMs: 35_000,
				avgEngagedTimeMs: 35_000,
				events: 1
			})
		);
		expect(body.breakdowns.events.map((e: { name: string }) => e.name)).toEqual(['signup']);
	});

	test('page counts the page’s views, visitors, time and events, and the sessions that landed on it', async () => {
		const body = await stats(`${range}&page=/`);
		expect(body.totals).toEqual(
			totals({
				pageviews: 6,
				visitors: 5,
				newVisitors: 4,
				sessions: 5,
				actualSessions: 2,
				engagedSessions: 2,
				engagementRate: 1,
				bounceRate: 0.4,
				engagedTimeMs: 27_000,
				avgEngagedTimeMs: 5_400,
				events: 1
			})
		);
		// The same numbers as the page's own row in the unfiltered pages breakdown.
		expect(body.breakdowns.pages).toEqual([
			{ path: '/', pageviews: 6, visitors: 5, engagedTimeMs: 27_000, entries: 5, exits: 4 }
		]);
		const row = (value: string, n: number) => ({ value, sessions: n, visitors: n });
		expect(body.breakdowns.referrers).toEqual([
			row('(direct)', 2),
			row('duckduckgo.com', 1),
			row('google.com', 1),
			row('news.ycombinator.com', 1)
		]);
		expect(body.breakdowns.events.map((e: { name: string }) => e.name)).toEqual(['signup']);
	});

	test('event counts its conversions: events, converting sessions and visitors', async () => {
		const body = await stats(`${range}&event=signup`);
		// What the firings alone cannot tell is null, not 0 or 1 (an outside probe read
		// `bounceRate 1` for sessions none of which bounced).
		expect(body.totals).toEqual({
			events: 2,
			sessions: 2,
			visitors: 2,
			pageviews: null,
			newVisitors: null,
			actualSessions: null,
			engagedSessions: null,
			engagementRate: null,
			bounceRate: null,
			engagedTimeMs: null,
			avgEngagedTimeMs: null
		});
		for (const point of body.timeseries) {
			expect(point).toMatchObject({ pageviews: null, bounceRate: null });
		}
		expect(body.unfiltered.totals.visitors).toBe(7);
		expect(body.breakdowns.pages).toEqual([
			{ path: '/', pageviews: 1, visitors: 0, engagedTimeMs: 0, entries: 0, exits: 0 },
			{ path: '/docs', pageviews: 1, visitors: 0, engagedTimeMs: 0, entries: 0, exits: 0 }
		]);
		expect(body.breakdowns.entryPages).toEqual([]);
		expect(body.breakdowns.exitPages).toEqual([]);
		const row = (value: string, n: number) => ({ value, sessions: n, visitors: n });
		expect(body.breakdowns.referrers).toEqual([
			row('duckduckgo.com', 1),
			row('news.ycombinator.com', 1)
		]);
		expect(body.breakdowns.browsers).toEqual([row('Firefox', 1), row('Safari', 1)]);
		expect(body.breakdowns.countries).toEqual([]);
		expect(body.breakdowns.events).toEqual([signupEvents]);
	});

	test('a filter’s time series sums to its totals', async () => {
		const body = await stats(`${range}&source=(direct)`);
		const points = body.timeseries.map((p: { period: string; pageviews: number }) => [
			p.period,
			p.pageviews
		]);
		expect(points).toEqual([
			['2026-11-01', 1],
			['2026-11-02', 0],
			['2026-11-03', 4]
		]);
	});

	test('exports a filtered breakdown', async () => {
		const res = await call(EXPORT, `${range}&page=/blog&breakdown=pages`, { bearer: token });
		expect(await res.text()).toBe(
			['path,pageviews,visitors,engagedTimeMs,entries,exits', '/blog,1,1,12000,0,0', ''].join(
				'\r\n'
			)
		);
	});

	test.each([
		['page=/a&event=signup', 'only one filter at a time: the request has page and event'],
		['page=blog', 'page "blog" must be a path starting with /']
	])('answers %s with 400 naming the problem', async (query, message) => {
		const res = await call(GET, `${range}&${query}`, { bearer: token });
		expect(res.status).toBe(400);
		expect((await res.json()).message).toBe(message);
	});
});
