/**
 * Returns to a page (revisits, records.ts) through the real route handlers from the store:
 * no count takes them, and exit pages, a session's exit page and journeys follow them.
 * An outside new-user review: / → /about → / and out gave /about as the exit page. A
 * session resumed on a page left open opens with a return that is its entry (review15 F2).
 */
import { beforeAll, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { GET as JOURNEYS } from '../../src/routes/api/v1/journeys/+server';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { sessionRecords, uuidv7At } from '../support/golden';
import { indexed, okWithToken, siteWithToken, useCouch, type GetHandler } from './harness';

let couch: Couch;
let token: string;
const SITE = 'returns';
const RANGE = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;
const t = (h: number, m: number) => Date.UTC(2026, 10, 10, h, m);
const MIN = 60_000;

function ok(handler: GetHandler, path: string, query: string) {
	return okWithToken(handler, path, query, token);
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	token = await siteWithToken(couch, SITE, 'Returns');
	const first = { firstOfDay: false, firstEver: false, pathFirstOfDay: true, entry: false };
	const docs = [
		// / → /about → back to / (a revisit) and out.
		...sessionRecords(SITE, uuidv7At(t(10, 0), 1), 'v1', { land: '/' }, [
			{ type: 'pageview', ts: t(10, 0), path: '/', ...first, entry: true, firstOfDay: true },
			{ type: 'pageview', ts: t(10, 1), path: '/about', ...first, from: '/' },
			{
				type: 'pageview',
				ts: t(10, 2),
				path: '/',
				...first,
				pathFirstOfDay: false,
				from: '/about',
				revisit: true
			},
			{ type: 'heartbeat', ts: t(10, 3), path: '/', engagedMs: 20_000 }
		]),
		// /pricing → /about and out.
		...sessionRecords(SITE, uuidv7At(t(11, 0), 2), 'v2', { land: '/pricing' }, [
			{ type: 'pageview', ts: t(11, 0), path: '/pricing', ...first, entry: true, firstOfDay: true },
			{ type: 'pageview', ts: t(11, 1), path: '/about', ...first, from: '/pricing' }
		]),
		// /about left open until that session ended, then read again for 15 s: the next
		// session opens on it with a return (records.ts revisit and entry), from (direct).
		...sessionRecords(SITE, uuidv7At(t(11, 45), 3), 'v2', { land: '/about', src: '(direct)' }, [
			{
				type: 'pageview',
				ts: t(11, 45),
				path: '/about',
				...first,
				pathFirstOfDay: false,
				entry: true,
				revisit: true,
				trail: []
			},
			{ type: 'heartbeat', ts: t(11, 46), path: '/about', engagedMs: 15_000, since: MIN },
			{ type: 'milestone', ts: t(11, 46), path: '/about', milestone: 'actual', since: MIN },
			{ type: 'milestone', ts: t(11, 46), path: '/about', milestone: 'nonbounce', since: MIN }
		])
	];
	const res = await couch.events.bulk({ docs, new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	await indexed(couch);
});

test('a return counts no pageview, and the session that ended there exits there', async () => {
	const stats = await ok(STATS, '/api/v1/stats', RANGE);
	expect(stats.totals.pageviews).toBe(4);
	// The third session is the one resumed on /about (below).
	expect(stats.totals.sessions).toBe(3);
	expect(
		stats.breakdowns.pages.map((p: { path: string; pageviews: number; exits: number }) => [
			p.path,
			p.pageviews,
			p.exits
		])
	).toEqual([
		['/about', 2, 2],
		['/', 1, 1],
		['/pricing', 1, 0]
	]);
	expect(
		stats.breakdowns.exitPages.map((p: { path: string; exits: number }) => [p.path, p.exits])
	).toEqual([
		['/about', 2],
		['/', 1]
	]);
});

test('a session resumed on a page left open counts a session and an entry of the page, no pageview or visitor; it exits there again', async () => {
	const stats = await ok(STATS, '/api/v1/stats', `${RANGE}&page=/about`);
	expect(stats.totals).toMatchObject({ pageviews: 2, visitors: 2, sessions: 1, bounceRate: 0 });
	const site = await ok(STATS, '/api/v1/stats', RANGE);
	expect(site.totals).toMatchObject({ pageviews: 4, visitors: 2, sessions: 3 });
	const row = (list: { path?: string; source?: string }[], key: string) =>
		list.find((r) => (r.path ?? r.source) === key);
	expect(row(site.breakdowns.entryPages, '/about')).toMatchObject({ entries: 1 });
	// Its exit rate counts the return among its views: 2 of 3, not 2 of 2 pageviews.
	expect(row(site.breakdowns.exitPages, '/about')).toMatchObject({
		exits: 2,
		pageviews: 2,
		views: 3,
		exitRate: 0.6667
	});
	const list = await ok(SESSIONS, '/api/v1/sessions', RANGE);
	const resumed = list.sessions.find((s: { entryPage: string }) => s.entryPage === '/about');
	expect(resumed).toMatchObject({ pages: 0, exitPage: '/about', source: '(direct)' });
	expect(resumed).toMatchObject({ engagedMs: 15_000, actual: true, bounced: false });
});

test('the session lists its exit page and two pageviews; journeys follow the way back', async () => {
	const list = await ok(SESSIONS, '/api/v1/sessions', RANGE);
	const first = list.sessions.find((s: { entryPage: string }) => s.entryPage === '/');
	expect(first).toMatchObject({ pages: 2, exitPage: '/' });
	const journey = await ok(JOURNEYS, '/api/v1/journeys', `${RANGE}&page=/`);
	expect(journey.views).toBe(2);
	expect(journey.previous).toEqual([
		{ path: '(entrance)', count: 1, share: 0.5 },
		{ path: '/about', count: 1, share: 0.5 }
	]);
	expect(journey.next).toEqual([
		{ path: '(exit)', count: 1, share: 0.5 },
		{ path: '/about', count: 1, share: 0.5 }
	]);
});
