/**
 * Journeys and goals, worked out by hand from tests/support/journeys.ts (two tabs, a
 * 30-minute gap, an offline visit delivered late, a bot), read through the real route
 * handlers from the embedded store.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { addGoal, MAX_GOALS, removeGoal } from '../../src/lib/server/accounts/goals';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken } from '../../src/lib/server/accounts/tokens';
import type { Goal } from '../../src/lib/stats/goals';
import { GET as JOURNEYS } from '../../src/routes/api/v1/journeys/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { tripsRecords, tripsSite } from '../support/journeys';
import { everyViewIndexed, useCouch } from './harness';

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

async function get(handler: (event: never) => Promise<Response>, path: string, query: string) {
	const url = new URL(`http://localhost${path}?${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
	return handler({ url, request, locals: { user: null } } as never);
}

async function ok(handler: (event: never) => Promise<Response>, path: string, query: string) {
	const res = await get(handler, path, query);
	expect(res.status).toBe(200);
	return res.json();
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
	await everyViewIndexed(couch);
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
		// Nov 11 has 5 (S7 repeats S6's entry on /pricing).
		expect(body.meta).toEqual({ rowsRead: 11, queries: 1 });
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

describe('goals in the Stats API on hand-worked sessions', () => {
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
				conversions: 1,
				visitors: null,
				conversionRate: null,
				previous: { conversions: 1, visitors: null, conversionRate: null },
				filter: null
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
				filter: null
			},
			{
				goal: goals[4],
				label: '/pri*',
				// One path matched: its page visitors V1 (Nov 10), V4, V5 (Nov 11).
				conversions: 5,
				visitors: 3,
				conversionRate: 0.75,
				previous: { conversions: 1, visitors: 1, conversionRate: 1 },
				filter: null
			}
		]);
	});

	test('a goal’s filter counts the same conversions as the goal', async () => {
		const body = await ok(STATS, '/api/v1/stats', `${RANGE}&event=signup`);
		expect(body.totals).toMatchObject({ events: 2, visitors: 1, sessions: 2 });
		const page = await ok(STATS, '/api/v1/stats', `${RANGE}&page=/thanks`);
		expect(page.totals).toMatchObject({ pageviews: 2, visitors: 1 });
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
		for (let i = 1; i < MAX_GOALS; i++) {
			await addGoal(couch, owner, 'shop', { kind: 'page', path: `/p${i}` });
		}
		await expect(
			addGoal(couch, owner, 'shop', { kind: 'page', path: '/one-more' })
		).rejects.toMatchObject({ status: 400, message: `a site has at most ${MAX_GOALS} goals` });
		await expect(removeGoal(couch, owner, 'shop', 'nope')).rejects.toMatchObject({ status: 404 });
	});
});
