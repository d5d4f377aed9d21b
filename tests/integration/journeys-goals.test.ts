/**
 * Journeys, paths from entry and goals, worked out by hand from tests/support/journeys.ts (two tabs, a
 * 30-minute gap, an offline visit delivered late, a bot), read through the real route
 * handlers from the embedded store.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { addGoal, MAX_GOALS, removeGoal } from '../../src/lib/server/accounts/goals';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { readDashboard } from '../../src/lib/server/stats/dashboard';
import { createToken } from '../../src/lib/server/accounts/tokens';
import type { Goal } from '../../src/lib/stats/goals';
import { GET as JOURNEYS } from '../../src/routes/api/v1/journeys/+server';
import { GET as PATHS } from '../../src/routes/api/v1/paths/+server';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { revisionFor } from '../../src/lib/records';
import { MAX_PATTERN_PATHS } from '../../src/lib/stats/filters';
import { MAX_PREFIX_PATHS } from '../../src/lib/server/stats/page-paths';
import { emptySums, totalsFrom } from '../../src/lib/stats/metrics';
import { entryPageview, uuidv7At } from '../support/golden';
import { tripsRecords, tripsSite } from '../support/journeys';
import { getWithToken, indexed, okWithToken, useCouch, type GetHandler } from './harness';

let couch: Couch;
let token: string;

const goals: Goal[] = [
	{ id: 'g1', kind: 'event', name: 'signup' },
	{ id: 'g2', kind: 'event', name: 'signup', prop: { key: 'plan', value: 'pro' } },
	{ id: 'g3', kind: 'page', path: '/thanks' },
	{ id: 'g4', kind: 'page', path: '/docs/*' },
	{ id: 'g5', kind: 'page', path: '/pri*' }
];

const RANGE = 'site=trips&from=2026-11-10&to=2026-11-11&tz=UTC';

function get(handler: GetHandler, path: string, query: string) {
	return getWithToken(handler, path, query, token);
}

function ok(handler: GetHandler, path: string, query: string) {
	return okWithToken(handler, path, query, token);
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('journeys test');
	token = created.secret;
	await couch.sites.insert({ ...tripsSite(), tokens: [created.token], goals });
	const records = tripsRecords();
	// Delivered twice (a retry after an offline spell): stored once.
	for (const docs of [records, records]) {
		const res = await couch.events.bulk({ docs, new_edits: false });
		expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	}
	await indexed(couch);
});

describe('the Journeys API on hand-worked sessions', () => {
	test('without a page: the busiest page, where its viewers came from and went next', async () => {
		const body = await ok(JOURNEYS, '/api/v1/journeys', RANGE);
		expect(body.page).toBe('/pricing');
		// S1 twice (tabs), S2 after the gap, S6, S7; the bot's view is not counted.
		expect(body.views).toBe(5);
		expect(body.previous).toEqual([
			{ path: '(entrance)', count: 3, share: 0.6 },
			{ path: '/', count: 1, share: 0.2 },
			{ path: '/docs', count: 1, share: 0.2 }
		]);
		expect(body.next).toEqual([
			{ path: '/thanks', count: 2, share: 0.4 },
			{ path: '(exit)', count: 1, share: 0.2 },
			{ path: '/', count: 1, share: 0.2 },
			{ path: '/docs', count: 1, share: 0.2 }
		]);
		expect(body.pages).toEqual([
			{ path: '/pricing', views: 5 },
			{ path: '/', views: 3 },
			{ path: '/thanks', views: 2 },
			{ path: '/docs', views: 1 },
			{ path: '/docs/api', views: 1 },
			{ path: '/docs/setup', views: 1 }
		]);
		expect(body.indexing).toBe(false);
	});

	test('walks to another page: / with the late offline visit counted on its own day', async () => {
		const body = await ok(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=/`);
		expect(body).toMatchObject({
			page: '/',
			views: 3,
			previous: [
				{ path: '(entrance)', count: 2, share: 0.6667 },
				{ path: '/pricing', count: 1, share: 0.3333 }
			],
			next: [
				{ path: '(exit)', count: 1, share: 0.3333 },
				{ path: '/docs/setup', count: 1, share: 0.3333 },
				{ path: '/pricing', count: 1, share: 0.3333 }
			]
		});
		const late = await ok(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=/docs/setup`);
		expect(late).toMatchObject({
			views: 1,
			previous: [{ path: '/', count: 1, share: 1 }],
			next: [{ path: '/docs/api', count: 1, share: 1 }]
		});
	});

	test('reads one row per distinct transition and day, not one per pageview', async () => {
		const body = await ok(JOURNEYS, '/api/v1/journeys', RANGE);
		// 13 pageviews; Nov 10 has 6 distinct (from, path) pairs (S2 repeats two of S1's),
		// Nov 11 has 5 (S7 repeats S6's entry on /pricing); and the exits, from the pages
		// view: its 8 rows of the two days' distinct pages.
		expect(body.meta).toEqual({ rowsRead: 11 + 8, queries: 2 });
	});

	test('a whole week reads its distinct transitions once, not once a day', async () => {
		// Monday Nov 9 to Sunday Nov 15: S5 (Nov 9) joins the range's sessions.
		const body = await ok(
			JOURNEYS,
			'/api/v1/journeys',
			'site=trips&from=2026-11-09&to=2026-11-15&tz=UTC'
		);
		expect(body).toMatchObject({
			page: '/pricing',
			views: 6,
			previous: [
				{ path: '(entrance)', count: 4, share: 0.6667 },
				{ path: '/', count: 1, share: 0.1667 },
				{ path: '/docs', count: 1, share: 0.1667 }
			],
			next: [
				{ path: '/thanks', count: 3, share: 0.5 },
				{ path: '(exit)', count: 1, share: 0.1667 },
				{ path: '/', count: 1, share: 0.1667 },
				{ path: '/docs', count: 1, share: 0.1667 }
			]
		});
		// The week's 9 distinct pairs, one week bucket: day by day it was 2 + 6 + 5 rows;
		// and its 6 distinct pages, from the pages view.
		expect(body.meta).toEqual({ rowsRead: 9 + 6, queries: 2 });
	});

	test('answers 400 for a page that is not a path, 401 without credentials', async () => {
		const bad = await get(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=pricing`);
		expect(bad.status).toBe(400);
		expect((await bad.json()).message).toMatch(/must be a path starting with \//);
		const url = new URL(`http://localhost/api/v1/journeys?${RANGE}`);
		const res = await JOURNEYS({ url, request: new Request(url), locals: { user: null } } as never);
		expect(res.status).toBe(401);
	});
});

describe('the Journeys API: one direction, and a source filter', () => {
	test('direction=next answers the pages after the page only; previous the pages before it', async () => {
		const next = await ok(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=/&direction=next`);
		expect(next).toMatchObject({ page: '/', views: 3 });
		expect(next.next.map((step: { path: string }) => step.path)).toEqual([
			'(exit)',
			'/docs/setup',
			'/pricing'
		]);
		expect(next).not.toHaveProperty('previous');
		const previous = await ok(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=/&direction=previous`);
		expect(previous.previous).toEqual([
			{ path: '(entrance)', count: 2, share: 0.6667 },
			{ path: '/pricing', count: 1, share: 0.3333 }
		]);
		expect(previous).not.toHaveProperty('next');
	});

	test('source=news.example counts only the journeys of the sessions from it (S6)', async () => {
		const body = await ok(
			JOURNEYS,
			'/api/v1/journeys',
			`${RANGE}&page=/pricing&source=news.example`
		);
		expect(body).toMatchObject({
			filter: { kind: 'source', value: 'news.example' },
			page: '/pricing',
			views: 1,
			previous: [{ path: '(entrance)', count: 1, share: 1 }],
			next: [{ path: '/', count: 1, share: 1 }],
			pages: [
				{ path: '/', views: 1 },
				{ path: '/pricing', views: 1 }
			]
		});
	});

	test.each([
		['direction=sideways', /^direction "sideways" must be next .* or previous/],
		['event=signup', /^journeys and paths can be filtered by source only, not by event:/],
		['prop=plan=pro', /^prop=key=value goes with event=/],
		['source=', /^source must be a non-empty value/],
		['page=/docs/*', /^page takes one path, not a pattern with \*: journeys are about one page$/]
	])('answers 400 for %s, saying what was wrong', async (query, message) => {
		const res = await get(JOURNEYS, '/api/v1/journeys', `${RANGE}&${query}`);
		expect(res.status).toBe(400);
		expect((await res.json()).message).toMatch(message);
	});
});

describe('the Paths API on hand-worked sessions', () => {
	const paths = (query = '') => ok(PATHS, '/api/v1/paths', RANGE + query);

	test('without steps: the entry pages of the sessions that began in the range', async () => {
		const body = await paths();
		// S1 and S3 entered on /; S2 (after S1's 30-minute gap), S6 and S7 on /pricing. Not
		// the bot's S4, nor S5 of the previous period.
		expect(body).toMatchObject({
			steps: [],
			sessions: 5,
			next: [
				{ path: '/pricing', count: 3, share: 0.6 },
				{ path: '/', count: 2, share: 0.4 }
			],
			filter: null,
			final: false,
			indexing: false
		});
		// One key range over the range's days: a row per entry page and day.
		expect(body.meta).toEqual({ rowsRead: 4, queries: 1 });
	});

	test('walks forward from an entry: the 2-, 3- and 4-page paths with their exits', async () => {
		expect(await paths('&step=/pricing')).toMatchObject({
			steps: ['/pricing'],
			sessions: 3,
			// S2 went on to /thanks, S6 to /, S7 left.
			next: [
				{ path: '(exit)', count: 1, share: 0.3333 },
				{ path: '/', count: 1, share: 0.3333 },
				{ path: '/thanks', count: 1, share: 0.3333 }
			]
		});
		expect(await paths('&step=/')).toMatchObject({
			sessions: 2,
			next: [
				{ path: '/docs/setup', count: 1, share: 0.5 },
				{ path: '/pricing', count: 1, share: 0.5 }
			]
		});
		// S1's second tab viewed /docs third: the tabs share the session's path.
		expect(await paths('&step=/&step=/pricing')).toMatchObject({
			sessions: 1,
			next: [{ path: '/docs', count: 1, share: 1 }]
		});
		// Its fourth page; its fifth (/thanks) is past the counted steps.
		expect(await paths('&step=/&step=/pricing&step=/docs')).toMatchObject({
			steps: ['/', '/pricing', '/docs'],
			sessions: 1,
			next: [{ path: '/pricing', count: 1, share: 1 }],
			final: true
		});
		// The late offline visit, counted on the day it happened.
		expect(await paths('&step=/&step=/docs/setup')).toMatchObject({
			sessions: 1,
			next: [{ path: '/docs/api', count: 1, share: 1 }]
		});
	});

	test('reads the rows after the path and after its parent, not the sessions', async () => {
		const body = await paths('&step=/pricing');
		// After /pricing: /thanks on Nov 10, / on Nov 11; the entries: 4 rows.
		expect(body.meta).toEqual({ rowsRead: 6, queries: 2 });
	});

	test('a path nobody took has no sessions and no pages after it', async () => {
		expect(await paths('&step=/thanks')).toMatchObject({ sessions: 0, next: [] });
	});

	test('source=news.example counts only the paths of the sessions from it', async () => {
		expect(await paths('&source=news.example')).toMatchObject({
			filter: { kind: 'source', value: 'news.example' },
			sessions: 1,
			next: [{ path: '/pricing', count: 1, share: 1 }]
		});
		expect(await paths('&source=news.example&step=/pricing')).toMatchObject({
			sessions: 1,
			next: [{ path: '/', count: 1, share: 1 }]
		});
	});

	test.each([
		['step=pricing', /^step 1 "pricing" must be a path starting with \//],
		['step=/&step=/a&step=/b&step=/c', /^step is given 4 times; paths are counted up to 4 pages/],
		['page=/pricing', /^journeys and paths can be filtered by source only, not by page:/],
		['event=signup', /^journeys and paths can be filtered by source only, not by event:/],
		['prop=plan=pro', /^prop=key=value goes with event=/]
	])('answers 400 for %s, saying what was wrong', async (query, message) => {
		const res = await get(PATHS, '/api/v1/paths', `${RANGE}&${query}`);
		expect(res.status).toBe(400);
		expect((await res.json()).message).toMatch(message);
	});

	test('answers 401 without credentials', async () => {
		const url = new URL(`http://localhost/api/v1/paths?${RANGE}`);
		const res = await PATHS({ url, request: new Request(url), locals: { user: null } } as never);
		expect(res.status).toBe(401);
	});
});

describe('goals in the Stats API on hand-worked sessions', () => {
	test('over a whole week (read as one week bucket), goals and breakdowns count its days', async () => {
		const body = await ok(
			STATS,
			'/api/v1/stats',
			'site=trips&from=2026-11-09&to=2026-11-15&tz=UTC'
		);
		// S5 (Nov 9) joins: signups S5, S1, S2 (plan pro: S5, S1); /thanks after each;
		// /docs/* S3's two pages; /pricing 6 views.
		const conversions = body.goals.map((goal: { conversions: number }) => goal.conversions);
		expect(conversions).toEqual([3, 2, 3, 2, 6]);
		expect(body.breakdowns.events).toEqual([
			{
				name: 'signup',
				count: 3,
				props: {
					plan: [
						{ value: 'pro', count: 2 },
						{ value: 'free', count: 1 }
					]
				}
			},
			{ name: 'download', count: 1, props: {} }
		]);
		expect(body.breakdowns.pages.slice(0, 3)).toEqual([
			// V1 once a day, V3, V4, V5; entered by S5, S2, S6, S7; S7 left from it.
			{ path: '/pricing', pageviews: 6, visitors: 4, engagedTimeMs: 0, entries: 4, exits: 1 },
			{ path: '/', pageviews: 3, visitors: 3, engagedTimeMs: 0, entries: 2, exits: 1 },
			{ path: '/thanks', pageviews: 3, visitors: 2, engagedTimeMs: 0, entries: 0, exits: 3 }
		]);
		// Read by week where a view keeps weeks (day by day, each day's keys again); active
		// now and latest events one query each; the /docs/* goal's `pages` rows are the
		// pages breakdown's, read once for both (view-reader.ts `readingOnce`).
		expect(body.meta).toEqual({ rowsRead: 36, queries: 20 });
	});

	test('each goal’s conversions, converting visitors and rate, with the previous period', async () => {
		const body = await ok(STATS, '/api/v1/stats', RANGE);
		// Site visitors: V1 on Nov 10; V2, V4, V5 on Nov 11 = 4. Previous: V3 = 1.
		expect(body.totals.visitors).toBe(4);
		expect(body.goals).toEqual([
			{
				goal: goals[0],
				label: 'signup',
				// S1 and S2 (V1 twice the same day: one converting visitor); not the bot.
				conversions: 2,
				visitors: 1,
				conversionRate: 0.25,
				previous: { conversions: 1, visitors: 1, conversionRate: 1 },
				filter: { kind: 'event', value: 'signup' }
			},
			{
				goal: goals[1],
				label: 'signup (plan = pro)',
				// S1's; S2's signup is plan free. V1 on Nov 10.
				conversions: 1,
				visitors: 1,
				conversionRate: 0.25,
				previous: { conversions: 1, visitors: 1, conversionRate: 1 },
				filter: { kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } }
			},
			{
				goal: goals[2],
				label: '/thanks',
				conversions: 2,
				visitors: 1,
				conversionRate: 0.25,
				previous: { conversions: 1, visitors: 1, conversionRate: 1 },
				filter: { kind: 'page', value: '/thanks' }
			},
			{
				goal: goals[3],
				label: '/docs/*',
				// /docs/setup and /docs/api, not /docs: two paths, so visitors are not exact.
				conversions: 2,
				visitors: null,
				conversionRate: null,
				previous: { conversions: 0, visitors: 0, conversionRate: 0 },
				filter: { kind: 'page', value: '/docs/*' }
			},
			{
				goal: goals[4],
				label: '/pri*',
				// One path matched: its page visitors V1 (Nov 10), V4, V5 (Nov 11).
				conversions: 5,
				visitors: 3,
				conversionRate: 0.75,
				previous: { conversions: 1, visitors: 1, conversionRate: 1 },
				filter: { kind: 'page', value: '/pri*' }
			}
		]);
	});

	test('the goals export holds each goal’s line of the Stats API, as CSV and as JSON', async () => {
		const body = await ok(STATS, '/api/v1/stats', RANGE);
		const res = await get(EXPORT, '/api/v1/stats/export', `${RANGE}&breakdown=goals`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-disposition')).toContain('goals');
		const lines = (await res.text()).trim().split(/\r?\n/);
		expect(lines[0]).toBe(
			'goal,kind,conversions,visitors,conversionRate,previousConversions,previousVisitors,previousConversionRate'
		);
		// A null (a wildcard's visitors) is an empty cell.
		expect(lines.slice(1)).toEqual([
			'signup,event,2,1,0.25,1,1,1',
			'signup (plan = pro),event,1,1,0.25,1,1,1',
			'/thanks,page,2,1,0.25,1,1,1',
			'/docs/*,page,2,,,0,0,0',
			'/pri*,page,5,3,0.75,1,1,1'
		]);
		const json = await ok(EXPORT, '/api/v1/stats/export', `${RANGE}&breakdown=goals&format=json`);
		expect(json.map((line: { conversions: number }) => line.conversions)).toEqual(
			body.goals.map((goal: { conversions: number }) => goal.conversions)
		);
	});

	test('a goal’s filter counts the same conversions as the goal', async () => {
		const body = await ok(STATS, '/api/v1/stats', `${RANGE}&event=signup`);
		expect(body.totals).toMatchObject({ events: 2, visitors: 1, sessions: 2 });
		const prop = await ok(STATS, '/api/v1/stats', `${RANGE}&event=signup&prop=plan=pro`);
		expect(prop.totals).toMatchObject({ events: 1, visitors: 1, sessions: 1 });
		const page = await ok(STATS, '/api/v1/stats', `${RANGE}&page=/thanks`);
		expect(page.totals).toMatchObject({ pageviews: 2, visitors: 1 });
	});
});

describe('a wildcard page goal as a filter (the union of its paths’ page filters)', () => {
	const zero = totalsFrom(emptySums());

	test('/docs/*: its two paths’ views and events add up; their visitors do not, so they are null', async () => {
		const body = await ok(STATS, '/api/v1/stats', `${RANGE}&page=${encodeURIComponent('/docs/*')}`);
		expect(body.filter).toEqual({ kind: 'page', value: '/docs/*' });
		// S3 (offline, Nov 11): /docs/setup and /docs/api, the download on /docs/api; no
		// session landed on either (S3 landed on /), and not /docs itself (no slash after).
		// New visitors neither (an outside review read 2 new visitors for one under /docs/*).
		const inexact = { visitors: null, newVisitors: null };
		expect(body.totals).toEqual({ ...zero, ...inexact, pageviews: 2, events: 1 });
		expect(body.previous.totals).toEqual({ ...zero, ...inexact });
		// Hourly points: both views in the hour of 08:00 on Nov 11.
		const points = body.timeseries as {
			period: string;
			pageviews: number;
			visitors: null;
			newVisitors: null;
		}[];
		expect(points.filter((p) => p.pageviews).map((p) => [p.period, p.pageviews])).toEqual([
			['2026-11-11T08:00', 2]
		]);
		expect(points.every((p) => p.visitors === null && p.newVisitors === null)).toBe(true);
		// Each page row is its own path's: exact, visitors included. /docs/setup's view went
		// on to /docs/api (no exit); /docs/api was S3's last page.
		expect(body.breakdowns.pages).toEqual([
			{ path: '/docs/api', pageviews: 1, visitors: 1, engagedTimeMs: 0, entries: 0, exits: 1 },
			{ path: '/docs/setup', pageviews: 1, visitors: 1, engagedTimeMs: 0, entries: 0, exits: 0 }
		]);
		expect(body.breakdowns.events).toEqual([{ name: 'download', count: 1, props: {} }]);
		// The pages' first-of-day views by browser: sessions exact (none landed), visitors not.
		expect(body.breakdowns.browsers).toEqual([{ value: '(unknown)', sessions: 0, visitors: null }]);
		// And by their session's source, as the technology rows (an outside review: the
		// referrers left out a page's visitors who did not land on it).
		expect(body.breakdowns.referrers).toEqual([{ value: '(direct)', sessions: 0, visitors: null }]);
	});

	test('a pattern matching one path counts exactly as that page’s filter, visitors included', async () => {
		const pattern = await ok(
			STATS,
			'/api/v1/stats',
			`${RANGE}&page=${encodeURIComponent('/pri*')}`
		);
		const page = await ok(STATS, '/api/v1/stats', `${RANGE}&page=/pricing`);
		// /pricing: S1 twice, S2, S6, S7; visitors V1 (Nov 10), V4, V5 (Nov 11); entries S2, S6, S7.
		expect(pattern.totals).toMatchObject({ pageviews: 5, visitors: 3, sessions: 3, events: 2 });
		expect(pattern.totals).toEqual(page.totals);
		expect(pattern.previous).toEqual(page.previous);
		expect(pattern.timeseries).toEqual(page.timeseries);
		expect(pattern.breakdowns).toEqual(page.breakdowns);
	});

	test('/* keeps every page: pageviews, sessions, bounces and events are the site’s', async () => {
		const body = await ok(STATS, '/api/v1/stats', `${RANGE}&page=${encodeURIComponent('/*')}`);
		const site = await ok(STATS, '/api/v1/stats', RANGE);
		// 13 pageviews (S1 5, S2 2, S3 3, S6 2, S7 1), 5 sessions each landing on one page,
		// 3 events (two signups, a download), no milestone: every session bounced.
		expect(body.totals).toEqual({
			...zero,
			pageviews: 13,
			visitors: null,
			newVisitors: null,
			sessions: 5,
			bounceRate: 1,
			events: 3
		});
		expect(body.totals).toEqual({ ...site.totals, visitors: null, newVisitors: null });
		// Each session by its source (its records' src: S6's is news.example, the others
		// came direct), the site's, without visitors.
		expect(body.breakdowns.referrers).toEqual([
			{ value: '(direct)', sessions: 4, visitors: null },
			{ value: 'news.example', sessions: 1, visitors: null }
		]);
		expect(site.breakdowns.referrers).toEqual([
			{ value: '(direct)', sessions: 4, visitors: 3 },
			{ value: 'news.example', sessions: 1, visitors: 1 }
		]);
		expect(body.breakdowns.entryPages).toEqual(site.breakdowns.entryPages);
	});

	test('the session list under a pattern: the sessions that landed on a matching page, paged', async () => {
		const query = `${RANGE}&page=${encodeURIComponent('/*')}&limit=2`;
		const all = await ok(SESSIONS, '/api/v1/sessions', `${RANGE}&limit=10`);
		const seen: string[] = [];
		let body = await ok(SESSIONS, '/api/v1/sessions', query);
		expect(body.total).toBe(5);
		for (;;) {
			seen.push(...body.sessions.map((s: { sid: string }) => s.sid));
			if (!body.next) break;
			body = await ok(SESSIONS, '/api/v1/sessions', `${query}&cursor=${body.next}`);
		}
		expect(seen).toEqual(all.sessions.map((s: { sid: string }) => s.sid));
		const pricing = await ok(
			SESSIONS,
			'/api/v1/sessions',
			`${RANGE}&page=${encodeURIComponent('/pri*')}`
		);
		// S7, S6 (Nov 11) and S2 (Nov 10): the sessions that landed on /pricing.
		expect(pricing.total).toBe(3);
		expect(pricing.sessions.map((s: { entryPage: string }) => s.entryPage)).toEqual([
			'/pricing',
			'/pricing',
			'/pricing'
		]);
	});

	test('a pattern matching no path counts nothing; one matching more than the bound is refused', async () => {
		const none = await ok(STATS, '/api/v1/stats', `${RANGE}&page=${encodeURIComponent('/nope/*')}`);
		expect(none.totals).toEqual(zero);
		const wide = await couch.sites.get('site:trips');
		const many = Array.from({ length: MAX_PATTERN_PATHS + 1 }, (_, i) => `/many/${i}`);
		await storeLandings('wide', many, (i) => Date.UTC(2026, 10, 10, 20, i));
		const wideRange = RANGE.replace('site=trips', 'site=wide');
		const res = await get(
			STATS,
			'/api/v1/stats',
			`${wideRange}&page=${encodeURIComponent('/many/*')}`
		);
		expect(res.status).toBe(400);
		expect((await res.json()).message).toMatch(
			`page /many/* matches ${MAX_PATTERN_PATHS + 1} paths, more than ${MAX_PATTERN_PATHS}`
		);
		const narrower = await ok(
			STATS,
			'/api/v1/stats',
			`${wideRange}&page=${encodeURIComponent('/many/1*')}`
		);
		// /many/1 and /many/10 … /many/19: 11 paths, one entry each.
		expect(narrower.totals).toMatchObject({ pageviews: 11, sessions: 11, visitors: null });
		// The dashboard states the refusal instead of its widgets; so does the session list.
		const params = new URLSearchParams(`${wideRange}&range=custom&page=/many/*`);
		const dashboard = await readDashboard(couch, { ...wide, id: 'wide' }, params);
		expect(dashboard.problem).toMatch(`page /many/* matches ${MAX_PATTERN_PATHS + 1} paths`);
		expect(dashboard.totals).toBeUndefined();
		const sessions = await get(SESSIONS, '/api/v1/sessions', `${wideRange}&page=/many/*`);
		expect(sessions.status).toBe(400);
	});

	test('a pattern whose literal prefix holds more paths than a read goes through is refused, even when it would match few', async () => {
		// An outside review: a pattern read every path under its prefix (5,000 junk paths
		// anyone could send) before its answer said it matched too many.
		const junk = Array.from({ length: MAX_PREFIX_PATHS + 1 }, (_, i) => `/junk/${i}`);
		await storeLandings('wider', junk, (i) => Date.UTC(2026, 10, 10, 12) + i * 1000);
		const range = RANGE.replace('site=trips', 'site=wider');
		const res = await get(
			STATS,
			'/api/v1/stats',
			`${range}&page=${encodeURIComponent('/junk/*-old')}`
		);
		expect(res.status).toBe(400);
		expect((await res.json()).message).toBe(
			`page /junk/*-old: more than ${MAX_PREFIX_PATHS} paths were viewed under /junk/; narrow the pattern`
		);
		// A longer prefix goes through fewer paths: /junk/177 and /junk/1770 … /junk/1779.
		const narrow = await ok(
			STATS,
			'/api/v1/stats',
			`${range}&page=${encodeURIComponent('/junk/177*')}`
		);
		expect(narrow.totals).toMatchObject({ pageviews: 11, sessions: 11 });
	});

	test('a pattern of many stars against a long stored path answers at once (it once held the server for minutes)', async () => {
		const ts = Date.UTC(2026, 10, 11, 22, 0);
		const _id = uuidv7At(ts, 0xabc00);
		const path = '/' + 'a'.repeat(500);
		const doc = {
			_id,
			_rev: revisionFor(_id),
			v: 1,
			site: 'trips',
			type: 'pageview',
			ts,
			receivedAt: ts,
			sid: uuidv7At(ts, 0xabc01),
			vid: 'visitor-long0000',
			path,
			entry: true,
			firstOfDay: true,
			firstEver: false,
			pathFirstOfDay: true
		};
		const stored = await couch.events.bulk({ docs: [doc], new_edits: false });
		expect(stored.filter((r) => 'error' in r && r.error)).toEqual([]);
		await indexed(couch);
		const stars = '/' + '*a'.repeat(10);
		const none = await ok(
			STATS,
			'/api/v1/stats',
			`${RANGE}&page=${encodeURIComponent(stars + '*b')}`
		);
		expect(none.totals).toEqual(zero);
		const one = await ok(
			STATS,
			'/api/v1/stats',
			`${RANGE}&page=${encodeURIComponent(stars + '*')}`
		);
		expect(one.totals).toMatchObject({ pageviews: 1, sessions: 1 });
		await couch.events.destroy(_id, (await couch.events.get(_id))._rev);
		await indexed(couch);
	});
});

describe('goals in the sites database', () => {
	const owner: User = { name: 'owner', roles: [], isAdmin: false };
	const stranger: User = { name: 'stranger', roles: [], isAdmin: false };
	const input = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timeZone: 'UTC' };

	test('an owner adds and removes goals; they are stored with the site', async () => {
		await couch.sites.insert(siteRecord(input, ['owner'], 0));
		const added = await addGoal(couch, owner, 'shop', { kind: 'page', path: '/thanks' });
		const goal = added.goals![0];
		expect(goal).toEqual({
			id: expect.stringMatching(/^[0-9a-f]{8}$/),
			kind: 'page',
			path: '/thanks'
		});
		expect((await couch.sites.get('site:shop')).goals).toEqual([goal]);
		await removeGoal(couch, owner, 'shop', goal.id);
		expect((await couch.sites.get('site:shop')).goals).toEqual([]);
	});

	test('someone who is not an owner gets 404 and changes nothing', async () => {
		await expect(
			addGoal(couch, stranger, 'shop', { kind: 'event', name: 'buy' })
		).rejects.toMatchObject({ status: 404 });
		const { goals: before } = await couch.sites.get('site:shop');
		await addGoal(couch, owner, 'shop', { kind: 'event', name: 'buy' });
		const id = (await couch.sites.get('site:shop')).goals![0].id;
		await expect(removeGoal(couch, stranger, 'shop', id)).rejects.toMatchObject({ status: 404 });
		expect(before).toEqual([]);
		expect((await couch.sites.get('site:shop')).goals).toHaveLength(1);
	});

	test('a goal the site has already is 409; past the limit is 400; an unknown id 404', async () => {
		await expect(
			addGoal(couch, owner, 'shop', { kind: 'event', name: 'buy' })
		).rejects.toMatchObject({ status: 409, message: 'the goal buy exists already' });
		// Two recorded paths that read alike are two goals (an outside re-check had the second
		// refused as a duplicate); the same one again is not.
		await addGoal(couch, owner, 'shop', { kind: 'page', path: '/caf%C3%A9' });
		await addGoal(couch, owner, 'shop', { kind: 'page', path: '/caf%c3%a9' });
		await expect(
			addGoal(couch, owner, 'shop', { kind: 'page', path: '/caf%C3%A9' })
		).rejects.toMatchObject({ status: 409, message: 'the goal /café exists already' });
		for (let i = 3; i < MAX_GOALS; i++) {
			await addGoal(couch, owner, 'shop', { kind: 'page', path: `/p${i}` });
		}
		await expect(
			addGoal(couch, owner, 'shop', { kind: 'page', path: '/one-more' })
		).rejects.toMatchObject({ status: 400, message: `a site has at most ${MAX_GOALS} goals` });
		await expect(removeGoal(couch, owner, 'shop', 'nope')).rejects.toMatchObject({ status: 404 });
	});
});

/**
 * Registers `site` (the trips site's settings under another id) and stores one session
 * landing on each of `paths`, the i-th at `at(i)`, then waits for the index.
 */
async function storeLandings(site: string, paths: string[], at: (i: number) => number) {
	const trips = await couch.sites.get('site:trips');
	await couch.sites.insert({ ...trips, _id: `site:${site}`, _rev: undefined, id: site });
	const vid = `visitor-${site}`.padEnd(16, '0');
	const docs = paths.map((path, i) => entryPageview(site, at(i), i, vid, path));
	const stored = await couch.events.bulk({ docs, new_edits: false });
	expect(stored.filter((r) => 'error' in r && r.error)).toEqual([]);
	await indexed(couch);
}
