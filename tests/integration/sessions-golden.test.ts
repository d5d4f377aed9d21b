/**
 * The Sessions API on hand-worked sessions, read through the real route handlers from
 * the embedded store. All times are November 10 2026, UTC (the site's zone).
 *
 * | session | visitor | when           | what happens                                                        |
 * | ------- | ------- | -------------- | ------------------------------------------------------------------- |
 * | S0      | V3 new  | Nov 9 23:50    | / only: the day before, in no list of Nov 10                        |
 * | S3      | V2 new  | 09:00–09:00:12 | /blog from DuckDuckGo, download, 12 s: offline, delivered a day late |
 * | S1      | V1 new  | 10:00–10:02    | two tabs: / then /pricing from /, heartbeats of both, signup (pro)  |
 * | BOT     | bot     | 10:10          | pageview and event flagged bot: in no list, no timeline             |
 * | OTHER   | V9      | 10:20          | a session of another site                                           |
 * | S2      | V1 back | 10:37–10:37:04 | 35 minutes after S1's last record: a new session, /docs, a bounce    |
 * | S4      | V4 new  | Nov 9 23:58    | lands on /pricing from HN; signup at 00:03 and again at 00:04 (Nov 10) |
 *
 * S4 is stored by the filter tests, last. Under the dashboard's filters (the `metrics`
 * view's sessions, src/lib/stats/filters.ts), November 10 holds:
 * - `source=news.ycombinator.com`: S1 (S4 started on Nov 9); Nov 9–10: S1, S4.
 * - `page=/`: S1 (BOT and OTHER count nowhere here); `page=/pricing`: none (S1 only went
 *   there, it landed on /); on Nov 9, S4.
 * - `event=signup`: S1 (fired at 10:01) then S4 (first fired at 00:03, its repeat at 00:04
 *   not counted), listed by when each first fired it; `event=download`: S3.
 * - `source=(direct)` in Asia/Kolkata (+05:30, Nov 9 18:30Z to Nov 10 18:30Z): S2, S0.
 */
import { isHttpError } from '@sveltejs/kit';
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { readDesignDocs } from '../../src/lib/server/boot/design-docs';
import type { StoredRecord } from '../../src/lib/records';
import { untilIndexed } from '../../src/lib/server/stats/still-indexing';
import { createToken, hashToken } from '../../src/lib/server/accounts/tokens';
import { GET as LIST } from '../../src/routes/api/v1/sessions/+server';
import { GET as TIMELINE } from '../../src/routes/api/v1/sessions/[sid]/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { load as loadOwnerTimeline } from '../../src/routes/sites/[site]/sessions/[sid]/+page.server';
import { load as loadSharedTimeline } from '../../src/routes/share/[secret]/sessions/[sid]/+page.server';
import { load as loadSharedList } from '../../src/routes/share/[secret]/sessions/+page.server';
import { goldenSite, sessionRecords, uuidv7At, type SessionFields } from '../support/golden';
import { useCouch } from './harness';
import { statsFor } from '../../src/lib/server/stats/handler';

const t = (h: number, m = 0, s = 0, day = 10) => Date.UTC(2026, 10, day, h, m, s);
const SHARE = 'shr_' + 'a'.repeat(32);
const OTHER_SHARE = 'shr_' + 'b'.repeat(32);

let couch: Couch;
let token: string;
let otherToken: string;

const sid = {
	S0: uuidv7At(t(23, 50, 0, 9), 0xa0),
	S1: uuidv7At(t(10), 0xa1),
	S2: uuidv7At(t(10, 37), 0xa2),
	S3: uuidv7At(t(9), 0xa3),
	BOT: uuidv7At(t(10, 10), 0xa4),
	OTHER: uuidv7At(t(10, 20), 0xa5),
	S4: uuidv7At(t(23, 58, 0, 9), 0xa6)
};

/** A session's records as the tracker and ingest store them. */
const session = (
	id: string,
	vid: string,
	shared: Record<string, unknown>,
	list: SessionFields[]
): StoredRecord[] => sessionRecords('sess', id, vid, shared, list);

const firefox = { browser: 'Firefox', os: 'Linux', device: 'desktop' };
const safari = { browser: 'Safari', os: 'iOS', device: 'mobile' };
const entry = { entry: true, firstOfDay: true, firstEver: true, pathFirstOfDay: true };
const next = { entry: false, firstOfDay: false, firstEver: false, pathFirstOfDay: true };

function onTime(): StoredRecord[] {
	const hn = { ...firefox, src: 'news.ycombinator.com', land: '/' };
	return [
		...session(sid.S0, 'V3', { ...firefox, src: '(direct)', land: '/' }, [
			{ type: 'pageview', ts: t(23, 50, 0, 9), path: '/', ...entry, country: 'GB' }
		]),
		// Two tabs of one session: tab 1 on /, tab 2 opens /pricing; their heartbeats interleave.
		...session(sid.S1, 'V1', hn, [
			{
				type: 'pageview',
				ts: t(10),
				path: '/',
				...entry,
				country: 'FR',
				title: 'Home',
				ref: 'https://news.ycombinator.com/item?id=1'
			},
			{ type: 'pageview', ts: t(10, 0, 20), path: '/pricing', ...next, from: '/' },
			{ type: 'milestone', ts: t(10, 0, 20), path: '/pricing', milestone: 'nonbounce' },
			{ type: 'heartbeat', ts: t(10, 0, 30), path: '/', engagedMs: 10_000, scroll: 40 },
			{ type: 'milestone', ts: t(10, 0, 30), path: '/', milestone: 'actual' },
			{ type: 'heartbeat', ts: t(10, 0, 50), path: '/pricing', engagedMs: 20_000 },
			{
				type: 'event',
				ts: t(10, 1),
				path: '/pricing',
				name: 'signup',
				props: { plan: 'pro', seats: 3 },
				firstOfSession: true,
				firstOfDay: true
			},
			{ type: 'milestone', ts: t(10, 1), path: '/pricing', milestone: 'engaged' },
			{ type: 'heartbeat', ts: t(10, 2), path: '/', engagedMs: 5_000 }
		]),
		...session(sid.BOT, 'bot', { browser: 'HeadlessChrome', device: 'desktop', bot: true }, [
			{ type: 'pageview', ts: t(10, 10), path: '/', ...entry },
			{ type: 'event', ts: t(10, 10, 5), path: '/', name: 'signup' }
		]),
		...session(sid.OTHER, 'V9', { ...firefox, site: 'other' }, [
			{ type: 'pageview', ts: t(10, 20), path: '/', ...entry }
		]),
		// 35 minutes after S1's last record: the tracker started a new session.
		...session(sid.S2, 'V1', { ...firefox, src: '(direct)', land: '/docs' }, [
			{ type: 'pageview', ts: t(10, 37), path: '/docs', ...entry, firstEver: false, country: 'FR' },
			{ type: 'heartbeat', ts: t(10, 37, 4), path: '/docs', engagedMs: 4_000 }
		])
	];
}

/** S3, made offline at 09:00 and delivered the next day. */
function late(): StoredRecord[] {
	const records = session(sid.S3, 'V2', { ...safari, src: 'duckduckgo.com', land: '/blog' }, [
		{
			type: 'pageview',
			ts: t(9),
			path: '/blog',
			...entry,
			country: 'US',
			ref: 'https://duckduckgo.com/'
		},
		{
			type: 'event',
			ts: t(9, 0, 10),
			path: '/blog',
			name: 'download',
			props: { file: 'a.pdf' },
			firstOfSession: true,
			firstOfDay: true
		},
		{ type: 'heartbeat', ts: t(9, 0, 12), path: '/blog', engagedMs: 12_000 },
		{ type: 'milestone', ts: t(9, 0, 12), path: '/blog', milestone: 'actual' },
		{ type: 'milestone', ts: t(9, 0, 12), path: '/blog', milestone: 'nonbounce' }
	]);
	return records.map((r) => ({ ...r, receivedAt: t(12, 0, 0, 11) }));
}

/** S4: started the evening before, signed up (twice) after midnight. */
function evening(): StoredRecord[] {
	const hn = { ...firefox, src: 'news.ycombinator.com', land: '/pricing' };
	const signup = { type: 'event', path: '/pricing', name: 'signup', props: { plan: 'team' } };
	return session(sid.S4, 'V4', hn, [
		{ type: 'pageview', ts: t(23, 58, 0, 9), path: '/pricing', ...entry, country: 'DE' },
		{ ...signup, ts: t(0, 3), firstOfSession: true, firstOfDay: true } as SessionFields,
		{ ...signup, ts: t(0, 4), firstOfSession: false, firstOfDay: false } as SessionFields
	]);
}

const S1 = {
	sid: sid.S1,
	startedAt: '2026-11-10T10:00:00.000Z',
	endedAt: '2026-11-10T10:02:00.000Z',
	durationMs: 120_000,
	engagedMs: 35_000,
	pages: 2,
	events: 1,
	entryPage: '/',
	exitPage: '/pricing',
	source: 'news.ycombinator.com',
	device: 'desktop',
	browser: 'Firefox',
	country: 'FR',
	newVisitor: true,
	actual: true,
	engaged: true,
	bounced: false
};
const S2 = {
	sid: sid.S2,
	startedAt: '2026-11-10T10:37:00.000Z',
	endedAt: '2026-11-10T10:37:04.000Z',
	durationMs: 4_000,
	engagedMs: 4_000,
	pages: 1,
	events: 0,
	entryPage: '/docs',
	exitPage: '/docs',
	source: '(direct)',
	device: 'desktop',
	browser: 'Firefox',
	country: 'FR',
	newVisitor: false,
	actual: false,
	engaged: false,
	bounced: true
};
const S3 = {
	sid: sid.S3,
	startedAt: '2026-11-10T09:00:00.000Z',
	endedAt: '2026-11-10T09:00:12.000Z',
	durationMs: 12_000,
	engagedMs: 12_000,
	pages: 1,
	events: 1,
	entryPage: '/blog',
	exitPage: '/blog',
	source: 'duckduckgo.com',
	device: 'mobile',
	browser: 'Safari',
	country: 'US',
	newVisitor: true,
	actual: true,
	engaged: false,
	bounced: false
};

type User = { name: string; roles: string[]; isAdmin: boolean } | null;

async function call(
	path: string,
	query: string,
	{ user = null, bearer = token }: { user?: User; bearer?: string | null } = {}
): Promise<Response> {
	const url = new URL(`http://localhost/api/v1/sessions${path}?${query}`);
	const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
	const event = { url, request: new Request(url, { headers }), locals: { user } };
	if (!path) return LIST(event as never);
	return TIMELINE({ ...event, params: { sid: path.slice(1) } } as never);
}

async function json(path: string, query: string) {
	const res = await call(path, query);
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

async function store(docs: StoredRecord[]) {
	const res = await couch.events.bulk({ docs, new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	const { views } = readDesignDocs().events.find((d) => d._id === '_design/stats')!;
	// The list's total is the `metrics` view's sessions.
	const read = Object.keys(views ?? {}).filter((v) => v.startsWith('session-') || v === 'metrics');
	for (const view of read) {
		await untilIndexed(() => couch.events.view('stats', view, { limit: 1, reduce: false }));
	}
}

const day = 'site=sess&from=2026-11-10&to=2026-11-10';

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('sessions test');
	token = created.secret;
	const other = createToken('other site');
	otherToken = other.secret;
	const base = goldenSite();
	await couch.sites.insert({
		...base,
		_id: 'site:sess',
		id: 'sess',
		timeZone: 'UTC',
		tokens: [created.token],
		shareHash: hashToken(SHARE)
	});
	await couch.sites.insert({
		...base,
		_id: 'site:other',
		id: 'other',
		timeZone: 'UTC',
		tokens: [other.token],
		shareHash: hashToken(OTHER_SHARE),
		shareSessions: true
	});
	await store(onTime());
});

describe('the session list', () => {
	test('lists the sessions that started on the day, newest first, bots and other sites left out', async () => {
		const body = await json('', day);
		expect(body).toEqual({
			site: 'sess',
			range: { from: '2026-11-10', to: '2026-11-10', tz: 'UTC' },
			total: 2,
			sessions: [S2, S1],
			next: null,
			indexing: false
		});
	});

	test('the list page says a range that is no preset, rather than read the last 7 days', async () => {
		// An outside review: `range=bogus` listed the last 7 days' sessions without a word.
		const page = (await loadSharedList({
			params: { secret: OTHER_SHARE },
			url: new URL(`http://localhost/share/${OTHER_SHARE}/sessions?range=bogus`),
			setHeaders: () => {}
		} as never)) as { sessions: { list: unknown } };
		expect(page.sessions.list).toEqual({
			problem: expect.stringContaining('range "bogus" must be one of')
		});
	});

	test('places an offline session that arrives a day late at its own start', async () => {
		await store(late());
		const body = await json('', day);
		expect(body.total).toBe(3);
		expect(body.sessions).toEqual([S2, S1, S3]);
	});

	test('pages with a cursor: each page starts where the previous one ended', async () => {
		const first = await json('', `${day}&limit=2`);
		expect(first.sessions.map((s: { sid: string }) => s.sid)).toEqual([sid.S2, sid.S1]);
		expect(first.next).toEqual(expect.any(String));
		const second = await json('', `${day}&limit=2&cursor=${first.next}`);
		expect(second.sessions).toEqual([S3]);
		expect(second.next).toBeNull();
		expect(second.total).toBe(3);
	});

	test('keeps the range: the session of the day before is in its own day only', async () => {
		const body = await json('', 'site=sess&from=2026-11-09&to=2026-11-09');
		expect(body.sessions.map((s: { sid: string }) => s.sid)).toEqual([sid.S0]);
	});

	test('exports the list as CSV, with the next page in a Link header', async () => {
		const res = await call('', `${day}&format=csv&limit=2`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('link')).toMatch(/^<\/api\/v1\/sessions\?.*cursor=[\w-]+>; rel="next"$/);
		expect(await res.text()).toBe(
			'sid,startedAt,endedAt,durationMs,engagedMs,pages,events,entryPage,exitPage,source,device,browser,country,newVisitor,actual,engaged,bounced\r\n' +
				`${sid.S2},2026-11-10T10:37:00.000Z,2026-11-10T10:37:04.000Z,4000,4000,1,0,/docs,/docs,(direct),desktop,Firefox,FR,false,false,false,true\r\n` +
				`${sid.S1},2026-11-10T10:00:00.000Z,2026-11-10T10:02:00.000Z,120000,35000,2,1,/,/pricing,news.ycombinator.com,desktop,Firefox,FR,true,true,true,false\r\n`
		);
	});

	test('refuses a malformed cursor, limit or format with 400', async () => {
		// A well-formed cursor dated before the range (an outside security probe: 500).
		const early = Buffer.from(JSON.stringify([1, 'x'])).toString('base64url');
		for (const q of ['cursor=nope', `cursor=${early}`, 'limit=0', 'limit=1001', 'format=xml']) {
			const res = await call('', `${day}&${q}`);
			expect(res.status, q).toBe(400);
			expect((await res.json()).message).toMatch(/cursor|limit|format/);
		}
	});

	test('states one range for a limit, however far over it', async () => {
		for (const limit of ['0', '5000', '100000']) {
			const res = await call('', `${day}&limit=${limit}`);
			expect([res.status, (await res.json()).message]).toEqual([
				400,
				`limit "${limit}" must be a whole number from 1 to 1000`
			]);
		}
	});
});

describe('a session timeline', () => {
	test('shows both tabs of a session in time order, with time and engaged time on each page', async () => {
		const body = await json(`/${sid.S1}`, 'site=sess');
		expect(body.session).toEqual(S1);
		expect(body.next).toBeNull();
		expect(body.records.map(({ id: _, ...r }: { id: string }) => r)).toEqual([
			{
				at: '2026-11-10T10:00:00.000Z',
				type: 'pageview',
				path: '/',
				title: 'Home',
				timeOnPageMs: 20_000,
				engagedOnPageMs: 15_000
			},
			{
				at: '2026-11-10T10:00:20.000Z',
				type: 'pageview',
				path: '/pricing',
				from: '/',
				timeOnPageMs: 100_000,
				engagedOnPageMs: 20_000
			},
			{
				at: '2026-11-10T10:00:20.000Z',
				type: 'milestone',
				path: '/pricing',
				milestone: 'nonbounce'
			},
			{
				at: '2026-11-10T10:00:30.000Z',
				type: 'heartbeat',
				path: '/',
				engagedMs: 10_000,
				scroll: 40
			},
			{ at: '2026-11-10T10:00:30.000Z', type: 'milestone', path: '/', milestone: 'actual' },
			{ at: '2026-11-10T10:00:50.000Z', type: 'heartbeat', path: '/pricing', engagedMs: 20_000 },
			{
				at: '2026-11-10T10:01:00.000Z',
				type: 'event',
				path: '/pricing',
				name: 'signup',
				props: { plan: 'pro', seats: 3 }
			},
			{ at: '2026-11-10T10:01:00.000Z', type: 'milestone', path: '/pricing', milestone: 'engaged' },
			{ at: '2026-11-10T10:02:00.000Z', type: 'heartbeat', path: '/', engagedMs: 5_000 }
		]);
	});

	test('reads a long timeline in pages after a cursor', async () => {
		const first = await json(`/${sid.S1}`, 'site=sess&limit=3');
		expect(first.records.map((r: { type: string }) => r.type)).toEqual([
			'pageview',
			'pageview',
			'milestone'
		]);
		// The last pageview's time runs into a later page: not known from this one.
		expect(first.records[1].timeOnPageMs).toBeNull();
		const rest = await json(`/${sid.S1}`, `site=sess&limit=10&after=${first.next}`);
		expect(rest.records).toHaveLength(6);
		expect(rest.records[0].at).toBe('2026-11-10T10:00:30.000Z');
		expect(rest.next).toBeNull();
		// A cursor fits its own session's timeline: in another's it would start anywhere.
		const other = await call(`/${sid.S2}`, `site=sess&limit=10&after=${first.next}`);
		expect(other.status).toBe(400);
		expect((await other.json()).message).toBe(
			'after is not one this API returned for this session'
		);
	});

	test('shows the late offline session like any other', async () => {
		const body = await json(`/${sid.S3}`, 'site=sess');
		expect(body.session).toEqual(S3);
		expect(body.records.map((r: { type: string }) => r.type)).toEqual([
			'pageview',
			'event',
			'heartbeat',
			'milestone',
			'milestone'
		]);
		expect(body.records[0]).toMatchObject({ timeOnPageMs: 12_000, engagedOnPageMs: 12_000 });
	});

	test("is 404 for a bot's session and for another site's session", async () => {
		for (const id of [sid.BOT, sid.OTHER]) {
			const res = await call(`/${id}`, 'site=sess');
			expect(res.status).toBe(404);
		}
	});

	test('refuses a session id that is not a UUIDv7 with 400', async () => {
		expect((await call('/not-a-session', 'site=sess')).status).toBe(400);
	});
});

describe('Sessions API access', () => {
	const owner = { name: 'owner', roles: [], isAdmin: false };
	const stranger = { name: 'stranger', roles: [], isAdmin: false };

	test('the owner reads by session, anyone else without a token of the site gets 401 or 403', async () => {
		expect((await call('', day, { user: owner, bearer: null })).status).toBe(200);
		expect((await call(`/${sid.S1}`, 'site=sess', { user: owner, bearer: null })).status).toBe(200);
		expect((await call('', day, { bearer: null })).status).toBe(401);
		expect((await call('', day, { user: stranger, bearer: null })).status).toBe(403);
		expect((await call(`/${sid.S1}`, 'site=sess', { user: stranger, bearer: null })).status).toBe(
			403
		);
	});

	test("another site's token reads none of this site's sessions, nor them through its own site", async () => {
		expect((await call('', day, { bearer: otherToken })).status).toBe(403);
		expect((await call(`/${sid.S1}`, 'site=sess', { bearer: otherToken })).status).toBe(403);
		expect((await call(`/${sid.S1}`, 'site=other', { bearer: otherToken })).status).toBe(404);
	});

	test('a share link shows no sessions unless the owner switched them on for the site', async () => {
		const shared = (path: string, q: string) => call(path, q, { bearer: null });
		const off = await shared('', `${day}&share=${SHARE}`);
		expect(off.status).toBe(403);
		expect((await off.json()).message).toMatch(/does not show sessions/);
		expect((await shared(`/${sid.S1}`, `site=sess&share=${SHARE}`)).status).toBe(403);
		// The other site's owner switched them on: its own link reads its own sessions only.
		const on = await shared('', `site=other&from=2026-11-10&to=2026-11-10&share=${OTHER_SHARE}`);
		expect(on.status).toBe(200);
		expect((await on.json()).sessions.map((s: { sid: string }) => s.sid)).toEqual([sid.OTHER]);
		expect((await shared('', `${day}&share=${OTHER_SHARE}`)).status).toBe(403);
	});
});

test('a share link lists the live visitors one by one only if the owner switched sessions on; owners and tokens always', async () => {
	// An outside security probe: a share link listed them, with their pages, countries and
	// browsers, with sessions off.
	const activeNow = async (site: string, at: number, auth: Record<string, string>, share = '') => {
		const query = `site=${site}&from=2026-11-10&to=2026-11-10${share}`;
		const url = new URL(`http://localhost/api/v1/stats?${query}`);
		const request = new Request(url, { headers: auth });
		const body = await statsFor({ url, request, locals: { user: null } } as never, {
			couch,
			now: () => at
		});
		return { visitors: body.activeNow.visitors, listed: body.activeNow.sessions.length };
	};
	// S1 is active at 10:01; the other site's session at 10:21.
	const sessOwner = await activeNow('sess', t(10, 1), { authorization: `Bearer ${token}` });
	expect(sessOwner).toEqual({ visitors: 1, listed: 1 });
	expect(await activeNow('sess', t(10, 1), {}, `&share=${SHARE}`)).toEqual({
		visitors: 1,
		listed: 0
	});
	const bearer = { authorization: `Bearer ${otherToken}` };
	expect(await activeNow('other', t(10, 21), bearer)).toEqual({ visitors: 1, listed: 1 });
	expect(await activeNow('other', t(10, 21), {}, `&share=${OTHER_SHARE}`)).toEqual({
		visitors: 1,
		listed: 1
	});
});

describe('the timeline pages', () => {
	const admin = { name: 'admin', roles: ['_admin'], isAdmin: true };
	/** The HTTP status SvelteKit answers a load with: 500 for anything but an HttpError. */
	async function statusOf(load: Promise<unknown>): Promise<number> {
		try {
			await load;
			return 200;
		} catch (e) {
			return isHttpError(e) ? e.status : 500;
		}
	}
	const ownerPage = (sid: string, query = '') =>
		loadOwnerTimeline({
			locals: { user: admin },
			params: { site: 'other', sid },
			url: new URL(`http://localhost/sites/other/sessions/${sid}?${query}`)
		} as never);
	const sharedPage = (sid: string, query = '') =>
		loadSharedTimeline({
			params: { secret: OTHER_SHARE, sid },
			url: new URL(`http://localhost/share/${OTHER_SHARE}/sessions/${sid}?${query}`),
			setHeaders: () => {}
		} as never);

	test('answer 404 for a malformed session id and 400 for a cursor they never gave, not 500', async () => {
		for (const page of [ownerPage, sharedPage]) {
			expect(await statusOf(page(sid.OTHER))).toBe(200);
			expect(await statusOf(page('not-a-sid'))).toBe(404);
			expect(await statusOf(page(sid.OTHER, 'after=zzz'))).toBe(400);
			expect(await statusOf(page(sid.S1))).toBe(404);
		}
	});
});

describe("the session list under the dashboard's filters", () => {
	const sids = (body: { sessions: { sid: string }[] }) => body.sessions.map((s) => s.sid);
	/** The Stats API's sessions for the same query: the dashboard's headline number. */
	async function statsSessions(query: string): Promise<number> {
		const url = new URL(`http://localhost/api/v1/stats?${query}`);
		const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
		const res = await STATS({ url, request, locals: { user: null } } as never);
		expect(res.status, await res.clone().text()).toBe(200);
		return (await res.json()).totals.sessions;
	}

	beforeAll(() => store(evening()));

	test.each([
		['source=news.ycombinator.com', day, [sid.S1]],
		['source=news.ycombinator.com', 'site=sess&from=2026-11-09&to=2026-11-10', [sid.S1, sid.S4]],
		['page=/', day, [sid.S1]],
		['page=/pricing', day, []],
		['page=/pricing', 'site=sess&from=2026-11-09&to=2026-11-09', [sid.S4]],
		['event=signup', day, [sid.S1, sid.S4]],
		['event=download', day, [sid.S3]],
		['source=(direct)', `${day}&tz=Asia/Kolkata`, [sid.S2, sid.S0]]
	])(
		'%s (%s) lists the sessions it keeps, its total the Stats API sessions',
		async (filter, range, expected) => {
			const query = `${range}&${filter.replace(/=(.*)$/, (_, v) => '=' + encodeURIComponent(v))}`;
			const body = await json('', query);
			expect(sids(body)).toEqual(expected);
			expect(body.total).toBe(expected.length);
			expect(body.total).toBe(await statsSessions(query));
			const [kind, value] = filter.split('=');
			expect(body.filter).toEqual({ kind, value });
			expect(body.next).toBeNull();
		}
	);

	test('lists a session under an event by when it first fired it, which may follow its start', async () => {
		const body = await json('', `${day}&event=signup`);
		expect(body.sessions[1]).toMatchObject({
			sid: sid.S4,
			startedAt: '2026-11-09T23:58:00.000Z',
			events: 2,
			entryPage: '/pricing'
		});
		// Unfiltered, S4 is a session of November 9, not of the 10th.
		expect(sids(await json('', day))).not.toContain(sid.S4);
	});

	test('pages a filtered list with its cursor', async () => {
		const range = 'site=sess&from=2026-11-09&to=2026-11-10&source=news.ycombinator.com';
		const first = await json('', `${range}&limit=1`);
		expect(sids(first)).toEqual([sid.S1]);
		expect(first.total).toBe(2);
		const second = await json('', `${range}&limit=1&cursor=${first.next}`);
		expect(sids(second)).toEqual([sid.S4]);
		expect(second.next).toBeNull();
	});

	test('exports the filtered list as CSV', async () => {
		const res = await call('', `${day}&event=signup&format=csv`);
		expect(res.status).toBe(200);
		const lines = (await res.text()).trim().split('\r\n');
		expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([sid.S1, sid.S4]);
	});

	test('refuses a bad filter with 400 saying what was wrong, as the Stats API does', async () => {
		for (const [q, message] of [
			['page=pricing', /page "pricing" must be a path starting with \//],
			['page=/&event=signup', /only one filter at a time/],
			['event=', /event must be a non-empty value/]
		] as const) {
			const res = await call('', `${day}&${q}`);
			expect(res.status, q).toBe(400);
			expect((await res.json()).message).toMatch(message);
		}
	});
});
