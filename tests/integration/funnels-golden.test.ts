/**
 * The Funnels API on hand-worked sessions, read through the real route handler from the
 * embedded store. All times are November 10 2026, UTC (the site's zone). The funnel:
 * `/` → `/pricing*` → the event `signup` with `plan = pro`.
 *
 * | session | when               | records in order                                  | steps reached          |
 * | ------- | ------------------ | ------------------------------------------------- | ---------------------- |
 * | A       | 10:00–10:02        | two tabs: / (tab 1), /pricing (tab 2), heartbeats  | 3                      |
 * |         |                    | of both interleaved, signup pro                    |                        |
 * | B       | 10:37–10:39        | the same visitor 35 min after A's last record: a  | 1 (out of order)       |
 * |         |                    | new session; /pricing, signup pro, then /          |                        |
 * | C       | 11:00–11:03        | /pricing/team, /, signup free, /pricing/team       | 2 (free is not pro)    |
 * | D       | 09:00–09:00:10     | /, /pricing, signup pro: offline, delivered a day  | 3                      |
 * |         |                    | late (back-dated to its own time)                  |                        |
 * | E       | Nov 9 23:50–00:06  | / on Nov 9, / and /pricing after midnight          | none on Nov 10 (entered |
 * |         |                    |                                                    | Nov 9); 2 on Nov 9      |
 * | F       | 12:00–12:06        | /, / again, /pricing                               | 2, counted once         |
 * | BOT     | 10:10              | /, /pricing, signup pro, flagged bot               | none                    |
 * | OTHER   | 10:20              | the same, on another site                          | none                    |
 *
 * Nov 10: step 1 = A B C D F = 5; step 2 = A C D F = 4; step 3 = A D = 2.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { MAX_FUNNELS, removeFunnel, saveFunnel } from '../../src/lib/server/accounts/funnels';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { readDesignDocs } from '../../src/lib/server/boot/design-docs';
import type { StoredRecord } from '../../src/lib/records';
import { untilIndexed } from '../../src/lib/server/stats/still-indexing';
import { createToken, hashToken } from '../../src/lib/server/accounts/tokens';
import { handleFunnels } from '../../src/lib/server/funnels/handler';
import { readFunnel } from '../../src/lib/server/funnels/read-funnel';
import {
	CURSOR_OUTDATED,
	type Funnel,
	type FunnelPageData,
	type FunnelResponse
} from '../../src/lib/stats/funnels';
import { GET as FUNNELS } from '../../src/routes/api/v1/funnels/+server';
import { load as loadSharedFunnels } from '../../src/routes/share/[secret]/funnels/+page.server';
import { load as loadSharedSessions } from '../../src/routes/share/[secret]/sessions/+page.server';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { handleSessionList } from '../../src/lib/server/sessions/handler';
import { readSessionsPage } from '../../src/lib/server/sessions/pages';
import type { SessionListResponse, SessionsPageData } from '../../src/lib/stats/sessions';
import { goldenSite, sessionRecords, uuidv7At, type SessionFields } from '../support/golden';
import { storeRecords, useCouch } from './harness';

const t = (h: number, m = 0, s = 0, day = 10) => Date.UTC(2026, 10, day, h, m, s);
const SHARE = 'shr_' + 'c'.repeat(32);
/** The share link of the site `other`, which has the same funnels and one of its own. */
const OTHER_SHARE = 'shr_' + 'o'.repeat(32);

let couch: Couch;
let token: string;

const funnel: Funnel = {
	id: 'f1',
	name: 'Signup',
	steps: [
		{ kind: 'page', path: '/' },
		{ kind: 'page', path: '/pricing*' },
		{ kind: 'event', name: 'signup', prop: { key: 'plan', value: 'pro' } }
	]
};
/** The same steps from the event on: step 1 is an event (one target). */
const fromEvent: Funnel = {
	id: 'f2',
	name: 'After signup',
	steps: [
		{ kind: 'event', name: 'signup' },
		{ kind: 'page', path: '/' }
	]
};
/** A wildcard first step: its rows are read path by path. */
const wildcard: Funnel = {
	id: 'f3',
	name: 'Pricing first',
	steps: [
		{ kind: 'page', path: '/pricing*' },
		{ kind: 'event', name: 'signup' }
	]
};

/** A session's records as the tracker and ingest store them. */
const session = (sid: string, vid: string, list: SessionFields[], extra = {}) =>
	sessionRecords('fun', sid, vid, { browser: 'Firefox', device: 'desktop', ...extra }, list);

const pv = (ts: number, path: string, entry = false): SessionFields => ({
	type: 'pageview',
	ts,
	path,
	entry,
	firstOfDay: entry,
	firstEver: entry
});
const signup = (ts: number, plan: string): SessionFields => ({
	type: 'event',
	ts,
	path: '/pricing',
	name: 'signup',
	props: { plan }
});

const sid = {
	A: uuidv7At(t(10), 0xb1),
	B: uuidv7At(t(10, 37), 0xb2),
	C: uuidv7At(t(11), 0xb3),
	D: uuidv7At(t(9), 0xb4),
	E: uuidv7At(t(23, 50, 0, 9), 0xb5),
	F: uuidv7At(t(12), 0xb6),
	LONG: uuidv7At(t(9, 0, 0, 12), 0xb9),
	SHORT: uuidv7At(t(9, 1, 30, 12), 0xba),
	/** Nov 14: four sessions of six views of / each, their rows taking turns. */
	MANY: [0xc1, 0xc2, 0xc3, 0xc4].map((n, i) => uuidv7At(t(9, 0, i, 14), n)),
	BOT: uuidv7At(t(10, 10), 0xb7),
	OTHER: uuidv7At(t(10, 20), 0xb8)
};

function records(): StoredRecord[] {
	const complete = (ts: number) => [
		pv(ts, '/', true),
		pv(ts + 5_000, '/pricing'),
		signup(ts + 10_000, 'pro')
	];
	const late = session(sid.D, 'V2', complete(t(9))).map((r) => ({
		...r,
		receivedAt: t(12, 0, 0, 11)
	}));
	return [
		...session(sid.A, 'V1', [
			pv(t(10), '/', true),
			pv(t(10, 0, 20), '/pricing'),
			{ type: 'heartbeat', ts: t(10, 0, 30), path: '/', engagedMs: 10_000 },
			{ type: 'heartbeat', ts: t(10, 0, 50), path: '/pricing', engagedMs: 20_000 },
			signup(t(10, 1), 'pro'),
			{ type: 'heartbeat', ts: t(10, 2), path: '/', engagedMs: 5_000 }
		]),
		...session(sid.B, 'V1', [
			pv(t(10, 37), '/pricing', true),
			signup(t(10, 38), 'pro'),
			pv(t(10, 39), '/')
		]),
		...session(sid.C, 'V3', [
			pv(t(11), '/pricing/team', true),
			pv(t(11, 1), '/'),
			signup(t(11, 2), 'free'),
			pv(t(11, 3), '/pricing/team')
		]),
		...late,
		...session(sid.E, 'V4', [
			pv(t(23, 50, 0, 9), '/', true),
			pv(t(0, 5), '/'),
			pv(t(0, 6), '/pricing')
		]),
		...session(sid.F, 'V5', [pv(t(12), '/', true), pv(t(12, 5), '/'), pv(t(12, 6), '/pricing')]),
		// Nov 12: a session of nine views of / (rows of many batches of two), and one
		// between them.
		...session(sid.LONG, 'V6', [
			...Array.from({ length: 9 }, (_, i) => pv(t(9, i, 0, 12), '/', i === 0)),
			pv(t(9, 10, 0, 12), '/pricing')
		]),
		...session(sid.SHORT, 'V7', [pv(t(9, 1, 30, 12), '/', true), pv(t(9, 2, 30, 12), '/pricing')]),
		...sid.MANY.flatMap((s, i) =>
			session(s, `V1${i}`, [
				...Array.from({ length: 6 }, (_, n) => pv(t(9, n, i, 14), '/', n === 0)),
				pv(t(9, 7, i, 14), '/pricing')
			])
		),
		...session(sid.BOT, 'bot', complete(t(10, 10)), { bot: true, browser: 'HeadlessChrome' }),
		...session(sid.OTHER, 'V9', complete(t(10, 20)), { site: 'other' })
	];
}

async function call(query: string, options: { batchRows?: number; share?: boolean } = {}) {
	const url = new URL(`http://localhost/api/v1/funnels?${query}`);
	const headers: Record<string, string> = options.share ? {} : { authorization: `Bearer ${token}` };
	const event = { url, request: new Request(url, { headers }), locals: { user: null } };
	if (options.batchRows) return handleFunnels(event, { batchRows: options.batchRows });
	return FUNNELS(event as never);
}

async function json(query: string, options: { batchRows?: number; share?: boolean } = {}) {
	const res = await call(query, options);
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

/** Every batch of a funnel read, following the cursors. */
async function batches(query: string, batchRows?: number): Promise<FunnelResponse[]> {
	const all: FunnelResponse[] = [await json(query, { batchRows })];
	while (all.at(-1)!.next) {
		all.push(await json(`${query}&cursor=${all.at(-1)!.next}`, { batchRows }));
		expect(all.length).toBeLessThan(50);
	}
	return all;
}

const counts = (body: FunnelResponse) =>
	body.steps.map(({ label, sessions, dropOff, stepRate, conversionRate }) => ({
		label,
		sessions,
		dropOff,
		stepRate,
		conversionRate
	}));

const day = 'site=fun&funnel=f1&from=2026-11-10&to=2026-11-10';

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('funnels test');
	token = created.secret;
	const base = goldenSite();
	const site = { ...base, timeZone: 'UTC', funnels: [funnel, fromEvent, wildcard] };
	await couch.sites.insert({
		...site,
		_id: 'site:fun',
		id: 'fun',
		tokens: [created.token],
		shareHash: hashToken(SHARE),
		// Its share link shows sessions, yet never a funnel's.
		shareSessions: true
	});
	await couch.sites.insert({
		...site,
		_id: 'site:other',
		id: 'other',
		tokens: [],
		shareHash: hashToken(OTHER_SHARE),
		funnels: [...site.funnels, { ...fromEvent, id: 'o1', name: 'Only on other' }]
	});
	await storeRecords(couch, records());
	for (const view of ['funnel-entries', 'session-records']) {
		await untilIndexed(() => couch.events.view('stats', view, { limit: 1, reduce: false }));
	}
	expect(
		Object.keys(readDesignDocs().events.find((d) => d._id === '_design/stats')!.views!)
	).toContain('funnel-entries');
});

describe('a funnel report on hand-worked sessions', () => {
	test('counts the sessions entering each step in order, with drop-off and rates', async () => {
		const body = await json(day);
		expect(counts(body)).toEqual([
			{ label: '/', sessions: 5, dropOff: 0, stepRate: 1, conversionRate: 1 },
			{ label: '/pricing*', sessions: 4, dropOff: 1, stepRate: 0.8, conversionRate: 0.8 },
			{ label: 'signup (plan = pro)', sessions: 2, dropOff: 2, stepRate: 0.5, conversionRate: 0.4 }
		]);
		expect(body).toMatchObject({
			site: 'fun',
			funnel: { id: 'f1', name: 'Signup' },
			range: { from: '2026-11-10', to: '2026-11-10', tz: 'UTC' },
			// Rows of / on Nov 10: A, B, C, D, E after midnight, F twice; six sessions read.
			progress: { read: 7, total: 7, sessionsRead: 6, done: true },
			next: null,
			indexing: false
		});
	});

	test('in batches of two rows: the same counts, each session counted once', async () => {
		const all = await batches(day, 2);
		expect(all).toHaveLength(4);
		expect(all.map((b) => b.progress.read)).toEqual([2, 4, 6, 7]);
		expect(all.map((b) => b.progress.done)).toEqual([false, false, false, true]);
		expect(all.every((b) => b.progress.total === 7)).toBe(true);
		expect(counts(all.at(-1)!)).toEqual(counts(await json(day)));
		expect(all.at(-1)!.progress.sessionsRead).toBeGreaterThanOrEqual(6);
	});

	test('a session with step-1 rows in many batches is read once, and counted once', async () => {
		// An outside security probe: a session was read whole in each batch naming it, so a
		// long one cost the square of its length.
		const all = await batches('site=fun&funnel=f1&from=2026-11-12&to=2026-11-12', 2);
		// Five full batches, and a last that finds no more rows.
		expect(all).toHaveLength(6);
		expect(all.at(-1)!.steps.map((step) => step.sessions)).toEqual([2, 2, 0]);
		expect(all.at(-1)!.progress).toMatchObject({
			read: 10,
			total: 10,
			sessionsRead: 2,
			done: true
		});
	});

	test('sessions running at once, each with step-1 rows in many batches, are each read once', async () => {
		// An outside security probe: only the ten sessions with most rows in the batch before
		// went on as walked, so 24 sessions running at once were read 416 times.
		const all = await batches('site=fun&funnel=f1&from=2026-11-14&to=2026-11-14', 2);
		expect(all).toHaveLength(13);
		expect(all.at(-1)!.steps.map((step) => step.sessions)).toEqual([4, 4, 0]);
		expect(all.at(-1)!.progress).toMatchObject({ read: 24, sessionsRead: 4, done: true });
	});

	test('a session that entered the day before counts on its own day only', async () => {
		const body = await json('site=fun&funnel=f1&from=2026-11-09&to=2026-11-09');
		expect(body.steps.map((s: { sessions: number }) => s.sessions)).toEqual([1, 1, 0]);
	});

	test('an event first step and a wildcard first step', async () => {
		const after = await json('site=fun&funnel=f2&from=2026-11-10&to=2026-11-10');
		// signup: A (no / after it), B (/ after), C (/pricing/team after, not /), D (none).
		expect(after.steps.map((s: { sessions: number }) => s.sessions)).toEqual([4, 1]);
		const all = await batches('site=fun&funnel=f3&from=2026-11-10&to=2026-11-10', 1);
		// /pricing*: A, B, C (twice, by /pricing/team), D, E (after midnight) and F entered;
		// signup after it: A, B, C (free counts here: no prop), D.
		expect(all.at(-1)!.steps.map((s) => s.sessions)).toEqual([6, 4]);
		expect(all.at(-1)!.progress).toMatchObject({ read: 7, total: 7, done: true });
	});

	test('the median time from each step to the next, as its histogram bucket in seconds', async () => {
		// Step 2 (/pricing* after /): A 20 s, C 120 s (from its / at 11:01), D 5 s, F 360 s
		// (from its first /): the 2nd of 5, 20, 120, 360 is in [20, 30). Step 3 (signup pro
		// after /pricing*): A 40 s, D 5 s: the 1st of two is in [5, 7).
		const expected = [
			null,
			{ sessions: 4, median: { low: 20, high: 30 } },
			{ sessions: 2, median: { low: 5, high: 7 } }
		];
		expect((await json(day)).steps.map((s: { time: unknown }) => s.time)).toEqual(expected);
		// Carried across batches of two rows in the cursor: the same.
		expect((await batches(day, 2)).at(-1)!.steps.map((s) => s.time)).toEqual(expected);
		// A wildcard first step, one row a batch (each session in its own batch): signup after
		// /pricing*: A 40 s, B 60 s, C 120 s, D 5 s; the 2nd of them is 40 s, in [30, 45).
		const all = await batches('site=fun&funnel=f3&from=2026-11-10&to=2026-11-10', 1);
		expect(all.length).toBeGreaterThan(4);
		expect(all.at(-1)!.steps.map((s) => s.time)).toEqual([
			null,
			{ sessions: 4, median: { low: 30, high: 45 } }
		]);
		// Nine views of / and /pricing a minute after the last: from the first, 10 min; the
		// other session's 1 min. The 1st of two is in [60, 90).
		const long = await batches('site=fun&funnel=f1&from=2026-11-12&to=2026-11-12', 2);
		expect(long.at(-1)!.steps.map((s) => s.time)).toEqual([
			null,
			{ sessions: 2, median: { low: 60, high: 90 } },
			{ sessions: 0, median: null }
		]);
	});

	test('a cursor whose histograms do not fit its counts is refused', async () => {
		const first = await json(day, { batchRows: 2 });
		const cursor = JSON.parse(Buffer.from(first.next, 'base64url').toString());
		expect(cursor.d).toHaveLength(2);
		const forge = (d: unknown) =>
			Buffer.from(JSON.stringify({ ...cursor, d })).toString('base64url');
		const more = cursor.d.map((h: number[]) => h.map((n, b) => (b === 3 ? n + 1 : n)));
		for (const d of [undefined, [], more, [cursor.d[0], cursor.d[1].slice(1)], 'x']) {
			const res = await call(`${day}&cursor=${forge(d)}`);
			expect(res.status, JSON.stringify(d)).toBe(400);
		}
		expect((await call(`${day}&cursor=${forge(cursor.d)}`)).status).toBe(200);
	});

	test('a cursor an older couchstats wrote, before cursors carried step times, is refused once, saying so; the read starts again and is exact', async () => {
		// A reader who upgraded mid-read holds a cursor without histograms: the times of the
		// sessions it counted are in no cursor, so the report could not say each step's time
		// over all its sessions.
		const first = await json(day, { batchRows: 2 });
		const { d, ...older } = JSON.parse(Buffer.from(first.next, 'base64url').toString());
		expect(d).toHaveLength(2);
		const res = await call(
			`${day}&cursor=${Buffer.from(JSON.stringify(older)).toString('base64url')}`,
			{
				batchRows: 2
			}
		);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: CURSOR_OUTDATED,
			message:
				'this cursor is from an older version of couchstats, before funnels carried the time between steps: read the funnel again from its first batch, without cursor (the funnels page does so by itself; an older page: reload it)'
		});
		expect((await batches(day, 2)).at(-1)).toEqual((await batches(day)).at(-1));
	});

	test('exports CSV, the next batch in a Link header', async () => {
		const res = await call(`${day}&format=csv`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('link')).toBeNull();
		expect(await res.text()).toBe(
			'step,label,sessions,dropOff,stepRate,conversionRate,timedSessions,medianSecondsLow,medianSecondsHigh\r\n' +
				'1,/,5,0,1,1,,,\r\n' +
				'2,/pricing*,4,1,0.8,0.8,4,20,30\r\n' +
				'3,signup (plan = pro),2,2,0.5,0.4,2,5,7\r\n'
		);
		const first = await handleFunnels(
			{
				url: new URL(`http://localhost/api/v1/funnels?${day}&format=csv`),
				request: new Request('http://localhost', { headers: { authorization: `Bearer ${token}` } }),
				locals: { user: null }
			},
			{ batchRows: 2 }
		);
		expect(first.headers.get('link')).toMatch(
			/^<\/api\/v1\/funnels\?.*cursor=[\w-]+>; rel="next"$/
		);
	});

	test('lists the site’s funnels without a funnel id; a share link reads the counts', async () => {
		const list = await json('site=fun');
		expect(list.funnels.map((f: Funnel) => f.id)).toEqual(['f1', 'f2', 'f3']);
		expect(list.funnels[0].steps[2].label).toBe('signup (plan = pro)');
		const shared = await json(`${day}&share=${SHARE}`, { share: true });
		expect(shared.steps.map((s: { sessions: number }) => s.sessions)).toEqual([5, 4, 2]);
	});

	test.each([
		['site=fun&funnel=nope', 404, 'site "fun" has no funnel "nope"'],
		[`${day}&cursor=bm9wZQ`, 400, 'cursor is not one this API returned'],
		[`${day}&format=xml`, 400, 'format "xml" must be json or csv'],
		[
			`${day}&source=x.org`,
			400,
			'funnels count every session of the site: they take no filter (source was given)'
		],
		[
			`${day}&country=IN`,
			400,
			'funnels count every session of the site: they take no filter (country was given)'
		],
		['site=other&funnel=f1', 403, 'you cannot read the stats of site "other"']
	])('%s answers %i', async (query, status, message) => {
		const res = await call(query);
		expect(res.status).toBe(status);
		expect((await res.json()).message).toContain(message);
	});

	test('a made-up cursor whose row time is outside the range is refused with 400, not 500', async () => {
		// An outside security probe: the cursor's check is a fingerprint anyone can compute.
		const first = await json(day, { batchRows: 2 });
		const cursor = JSON.parse(Buffer.from(first.next, 'base64url').toString());
		for (const ts of [99_999_999_999_999, 0]) {
			const forged = Buffer.from(JSON.stringify({ ...cursor, k: [ts, 'x', 'y'] })).toString(
				'base64url'
			);
			const res = await call(`${day}&cursor=${forged}`);
			expect(res.status, String(ts)).toBe(400);
			expect((await res.json()).message).toContain('cursor is not one this API returned');
		}
	});

	test('a cursor of another range is refused', async () => {
		const first = await json(day, { batchRows: 2 });
		const res = await call(`site=fun&funnel=f1&from=2026-11-09&to=2026-11-10&cursor=${first.next}`);
		expect(res.status).toBe(400);
	});

	test('a cursor of another funnel of the same steps is refused', async () => {
		// README and docs/DESIGN.md say so (review42: the fingerprint held the steps only).
		const first = await json(day, { batchRows: 2 });
		const twin: Funnel = { ...funnel, id: 'twin', name: 'Twin' };
		const range = { from: '2026-11-10', to: '2026-11-10', tz: 'UTC' };
		await expect(
			readFunnel(couch, { site: 'fun', funnel: twin, range, cursor: first.next }, { batchRows: 2 })
		).rejects.toMatchObject({ status: 400 });
	});

	test("a cursor of another site's funnel of the same steps is refused", async () => {
		// Its counts so far are the other site's: carried on, they would be added to these.
		const first = await json(day, { batchRows: 2 });
		const res = await call(
			`site=other&funnel=f1&from=2026-11-10&to=2026-11-10&share=${OTHER_SHARE}&cursor=${first.next}`,
			{ share: true }
		);
		expect(res.status, await res.clone().text()).toBe(400);
	});
});

describe('a share link’s funnel page', () => {
	/** The page's load as SvelteKit runs it for `/share/SECRET/funnels?QUERY`. */
	const sharedPage = (secret: string, query: string) =>
		loadSharedFunnels({
			params: { secret },
			url: new URL(`http://localhost/share/${secret}/funnels?${query}`),
			setHeaders: () => {}
		} as never) as Promise<{ funnels: FunnelPageData }>;
	const day = 'range=custom&from=2026-11-10&to=2026-11-10&tz=UTC';
	const sessionsOf = (data: FunnelPageData) =>
		data.report && 'steps' in data.report ? data.report.steps.map((s) => s.sessions) : null;

	test('shows its own site’s funnels and counts, never another site’s', async () => {
		// Another site's funnel id is no funnel of the link's site, said as the API says it.
		const foreign = (await sharedPage(SHARE, `${day}&funnel=o1`)).funnels;
		expect(foreign.site.id).toBe('fun');
		expect(foreign.funnels.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
		expect(foreign.report).toEqual({ problem: 'site "fun" has no funnel "o1"' });
		expect(JSON.stringify(foreign)).not.toContain('Only on other');
		const own = (await sharedPage(SHARE, day)).funnels;
		expect(own.report).toMatchObject({ site: 'fun', funnel: { id: 'f1' } });
		expect(sessionsOf(own)).toEqual([5, 4, 2]);
		// The times between steps too, as the Funnels API answers them.
		expect(
			own.report && 'steps' in own.report ? own.report.steps.map((s) => s.time?.median) : null
		).toEqual([undefined, { low: 20, high: 30 }, { low: 5, high: 7 }]);

		// The same funnel id on the other site counts that site's sessions only (OTHER).
		const other = (await sharedPage(OTHER_SHARE, `${day}&funnel=f1`)).funnels;
		expect(other.site.id).toBe('other');
		expect(other.funnels.map((f) => f.id)).toEqual(['f1', 'f2', 'f3', 'o1']);
		expect(sessionsOf(other)).toEqual([1, 1, 1]);
	});

	test.each([
		['range=bogus', 'range "bogus" must be one of'],
		['range=today&from=2026-11-10', 'range=today sets the dates itself'],
		[`${day}&range=today`, 'range is given 2 times; give it once'],
		[
			`${day}&source=google.test`,
			'funnels count every session of the site: they take no filter (source was given)'
		]
	])(
		'says what is wrong with %s, as the Funnels API does, rather than show another funnel',
		async (query, problem) => {
			// An outside review: the page showed 7 days, and an unfiltered funnel, without a word.
			const { report } = (await sharedPage(SHARE, query)).funnels;
			expect(report).toEqual({ problem: expect.stringContaining(problem) });
		}
	);

	test('a revoked, unknown or malformed link is 404', async () => {
		const secret = 'shr_' + 'r'.repeat(32);
		const doc = { ...goldenSite(), _id: 'site:revoked', id: 'revoked', funnels: [funnel] };
		const { rev } = await couch.sites.insert({ ...doc, shareHash: hashToken(secret) });
		expect((await sharedPage(secret, day)).funnels.site.id).toBe('revoked');
		await couch.sites.insert({ ...doc, _rev: rev });
		for (const link of [secret, 'shr_' + 'n'.repeat(32), 'not-a-share-link']) {
			await expect(sharedPage(link, day)).rejects.toMatchObject({ status: 404 });
		}
	});
});

describe('funnels in the sites database', () => {
	const owner: User = { name: 'owner', roles: [], isAdmin: false };
	const stranger: User = { name: 'stranger', roles: [], isAdmin: false };
	const input = { id: 'shop', name: 'Shop', hostnames: ['shop.example'], timeZone: 'UTC' };
	const steps = funnel.steps;

	test('an owner adds, edits and removes funnels; they are stored with the site', async () => {
		await couch.sites.insert(siteRecord(input, ['owner'], 0));
		const added = await saveFunnel(couch, owner, 'shop', { name: 'Signup', steps });
		const saved = added.funnels![0];
		expect(saved).toEqual({ id: expect.stringMatching(/^[0-9a-f]{8}$/), name: 'Signup', steps });
		const edited = await saveFunnel(couch, owner, 'shop', {
			id: saved.id,
			name: 'Signup 2',
			steps: steps.slice(0, 2)
		});
		expect(edited.funnels).toEqual([{ id: saved.id, name: 'Signup 2', steps: steps.slice(0, 2) }]);
		expect((await couch.sites.get('site:shop')).funnels).toEqual(edited.funnels);
		await removeFunnel(couch, owner, 'shop', saved.id);
		expect((await couch.sites.get('site:shop')).funnels).toEqual([]);
	});

	test('someone who is not an owner gets 404 and changes nothing', async () => {
		await expect(saveFunnel(couch, stranger, 'shop', { name: 'X', steps })).rejects.toMatchObject({
			status: 404
		});
		expect((await couch.sites.get('site:shop')).funnels).toEqual([]);
	});

	test('a name in use is 409 (any case); past the limit 400; an unknown id 404', async () => {
		await saveFunnel(couch, owner, 'shop', { name: 'Signup', steps });
		await expect(saveFunnel(couch, owner, 'shop', { name: 'SIGNUP', steps })).rejects.toMatchObject(
			{
				status: 409,
				message: 'a funnel named "SIGNUP" exists already'
			}
		);
		for (let i = 1; i < MAX_FUNNELS; i++) {
			await saveFunnel(couch, owner, 'shop', { name: `F${i}`, steps });
		}
		await expect(saveFunnel(couch, owner, 'shop', { name: 'More', steps })).rejects.toMatchObject({
			status: 400,
			message: `a site has at most ${MAX_FUNNELS} funnels`
		});
		await expect(
			saveFunnel(couch, owner, 'shop', { id: 'nope', name: 'Z', steps })
		).rejects.toMatchObject({ status: 404 });
		await expect(removeFunnel(couch, owner, 'shop', 'nope')).rejects.toMatchObject({ status: 404 });
	});
});

describe('the sessions behind a funnel step (Sessions API, funnel=)', () => {
	async function list(query: string, options: { batchRows?: number; share?: boolean } = {}) {
		const url = new URL(`http://localhost/api/v1/sessions?${query}`);
		const headers: Record<string, string> = options.share
			? {}
			: { authorization: `Bearer ${token}` };
		const event = { url, request: new Request(url, { headers }), locals: { user: null } };
		return options.batchRows
			? handleSessionList(event, { batchRows: options.batchRows })
			: SESSIONS(event as never);
	}
	/** Every page of a step's list, following the cursors: the sessions in order. */
	async function pages(query: string, batchRows?: number): Promise<SessionListResponse[]> {
		const all: SessionListResponse[] = [];
		let cursor: string | null = null;
		do {
			const res = await list(cursor ? `${query}&cursor=${cursor}` : query, { batchRows });
			expect(res.status, await res.clone().text()).toBe(200);
			all.push(await res.json());
			cursor = all.at(-1)!.next;
			expect(all.length).toBeLessThan(50);
		} while (cursor);
		return all;
	}
	const sidsOf = (all: SessionListResponse[]) => all.flatMap((p) => p.sessions.map((s) => s.sid));

	// In the order the report counts them (by the row of / that entered each): D 09:00,
	// A 10:00, B 10:39, C 11:01, F 12:00 (E's / after midnight entered on Nov 9).
	test.each([
		['step=1', [sid.D, sid.A, sid.B, sid.C, sid.F]],
		['step=2', [sid.D, sid.A, sid.C, sid.F]],
		['step=3', [sid.D, sid.A]],
		['step=1&dropped=1', [sid.B]],
		['step=2&dropped=1', [sid.C, sid.F]]
	])('%s lists the sessions the report counts there, whatever the pages', async (step, sids) => {
		const report = counts(await json(day));
		const query = `${day}&${step}`;
		const n = Number(/step=(\d)/.exec(step)![1]);
		const counted = step.includes('dropped') ? report[n].dropOff : report[n - 1].sessions;
		for (const [limit, batchRows] of [
			[50, undefined],
			[1, undefined],
			[2, 2],
			[50, 1]
		] as const) {
			const all = await pages(`${query}&limit=${limit}`, batchRows);
			expect(sidsOf(all), `limit ${limit}, batch ${batchRows}`).toEqual(sids);
			expect(sidsOf(all)).toHaveLength(counted);
			expect(all.every((p) => p.sessions.length <= limit && p.total === null)).toBe(true);
		}
		const [first] = await pages(query);
		expect(first).toMatchObject({
			site: 'fun',
			range: { from: '2026-11-10', to: '2026-11-10', tz: 'UTC' },
			funnel: {
				id: 'f1',
				name: 'Signup',
				step: n,
				dropped: step.includes('dropped'),
				label: report[n - 1].label,
				progress: { read: 7, total: 7 }
			},
			next: null
		});
		// Each session as the session list shows it.
		expect(first.sessions[0]).toMatchObject({ sid: sids[0], entryPage: expect.any(String) });
	});

	test('the same counts on other days and funnels: an event first step, a wildcard one', async () => {
		for (const query of [
			'site=fun&funnel=f1&from=2026-11-09&to=2026-11-14',
			'site=fun&funnel=f2&from=2026-11-10&to=2026-11-10',
			'site=fun&funnel=f3&from=2026-11-10&to=2026-11-10'
		]) {
			const report = counts((await batches(query)).at(-1)!);
			// Pages ending at a batch's end, and inside one (Nov 14's sessions take turns).
			for (const [limit, batchRows] of [
				[3, 2],
				[1, 3]
			]) {
				const read = (step: string) => pages(`${query}&${step}&limit=${limit}`, batchRows);
				for (let n = 1; n <= report.length; n++) {
					const reached = sidsOf(await read(`step=${n}`));
					expect(reached, `${query} step ${n}`).toHaveLength(report[n - 1].sessions);
					expect(new Set(reached).size).toBe(reached.length);
					if (n === report.length) continue;
					const dropped = sidsOf(await read(`step=${n}&dropped=1`));
					expect(dropped, `${query} dropped after ${n}`).toHaveLength(report[n].dropOff);
				}
			}
		}
	});

	test('each session with its time from the step before, as the report’s median takes it', async () => {
		// Step 2 (/pricing* after /): D 5 s, A 20 s, C 120 s (from its / at 11:01, not its
		// /pricing/team before it), F 360 s (from its first /). Step 3 (signup pro after
		// /pricing*): D 5 s, A 40 s. Step 1 has no step before it.
		const times = async (step: string, limit = 50, batchRows?: number) =>
			(await pages(`${day}&${step}&limit=${limit}`, batchRows)).flatMap((p) =>
				p.sessions.map((s) => [s.sid, s.fromStepBeforeMs])
			);
		expect(await times('step=2')).toEqual([
			[sid.D, 5_000],
			[sid.A, 20_000],
			[sid.C, 120_000],
			[sid.F, 360_000]
		]);
		// The same a page of one at a time, and in batches of one row.
		expect(await times('step=2', 1, 1)).toEqual(await times('step=2'));
		expect(await times('step=3')).toEqual([
			[sid.D, 5_000],
			[sid.A, 40_000]
		]);
		expect(await times('step=2&dropped=1')).toEqual([
			[sid.C, 120_000],
			[sid.F, 360_000]
		]);
		expect(await times('step=1')).toEqual(
			[sid.D, sid.A, sid.B, sid.C, sid.F].map((s) => [s, null])
		);
		// In the CSV, a last column.
		const res = await list(`${day}&step=3&format=csv`);
		const lines = (await res.text()).trim().split('\r\n');
		expect(lines[0]).toMatch(/,bounced,fromStepBeforeMs$/);
		expect(lines.slice(1).map((line) => [line.split(',')[0], line.split(',').at(-1)])).toEqual([
			[sid.D, '5000'],
			[sid.A, '40000']
		]);
		// The range's own list has no such column.
		const plain = await list('site=fun&from=2026-11-10&to=2026-11-10&format=csv');
		expect((await plain.text()).split('\r\n')[0]).toMatch(/,bounced$/);
	});

	test('CSV of a page, its next page in a Link header', async () => {
		const res = await list(`${day}&step=2&limit=2&format=csv`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-disposition')).toContain(
			'fun-sessions-funnel-f1-step-2-2026-11-10-2026-11-10.csv'
		);
		expect(res.headers.get('link')).toMatch(/cursor=[\w-]+>; rel="next"$/);
		const lines = (await res.text()).trim().split('\r\n');
		expect(lines.map((line) => line.split(',')[0])).toEqual(['sid', sid.D, sid.A]);
	});

	test.each([
		[`${day}&step=0`, 400, 'step must be a step of funnel "Signup": a number from 1 to 3'],
		[`${day}&step=4`, 400, 'step must be a step of funnel "Signup": a number from 1 to 3'],
		[`${day}&step=two`, 400, 'step must be a step of funnel "Signup"'],
		[day, 400, 'step must be a step of funnel "Signup"'],
		[`${day}&step=3&dropped=1`, 400, 'step 3 is the last of funnel "Signup"'],
		[`${day}&step=1&dropped=yes`, 400, 'dropped must be 1'],
		[`${day}&step=1&step=2`, 400, 'step is given 2 times'],
		['site=fun&step=1', 400, 'step= goes with funnel=, which is missing'],
		['site=fun&dropped=1', 400, 'dropped= goes with funnel=, which is missing'],
		[
			`${day}&step=1&source=x.org`,
			400,
			'funnels count every session of the site: they take no filter (source was given)'
		],
		[`${day}&step=1&cursor=bm9wZQ`, 400, 'cursor is not one this API returned'],
		['site=fun&funnel=o1&step=1', 404, 'site "fun" has no funnel "o1"'],
		['site=other&funnel=f1&step=1', 403, 'you cannot read the stats of site "other"']
	])('%s answers %i', async (query, status, message) => {
		const res = await list(query);
		expect(res.status).toBe(status);
		expect((await res.json()).message).toContain(message);
	});

	test('a cursor fits its own step: a report’s or another step’s is refused', async () => {
		const report = await json(day, { batchRows: 2 });
		const page = await (await list(`${day}&step=2&limit=1`)).json();
		expect(page.next).toEqual(expect.any(String));
		for (const [query, cursor] of [
			[`${day}&step=2`, report.next],
			[`${day}&step=3`, page.next],
			[`${day}&step=2&dropped=1`, page.next]
		]) {
			const res = await list(`${query}&cursor=${cursor}`);
			expect(res.status, query).toBe(400);
		}
		const res = await call(`${day}&cursor=${page.next}`);
		expect(res.status).toBe(400);
	});

	test('a share link gets no funnel’s sessions, though it shows sessions', async () => {
		const own = await list(`site=fun&from=2026-11-10&to=2026-11-10&share=${SHARE}`, {
			share: true
		});
		expect(own.status).toBe(200);
		const res = await list(`${day}&step=1&share=${SHARE}`, { share: true });
		expect(res.status).toBe(403);
		const body = await res.json();
		expect(body.message).toBe('a share link shows a funnel’s counts only, never its sessions');
		expect(JSON.stringify(body)).not.toContain(sid.A);
		const page = (await loadSharedSessions({
			params: { secret: SHARE },
			url: new URL(
				`http://localhost/share/${SHARE}/sessions?from=2026-11-10&to=2026-11-10&funnel=f1&step=1`
			),
			setHeaders: () => {}
		} as never)) as { sessions: SessionsPageData };
		expect(page.sessions.list).toEqual({
			problem: 'a share link shows a funnel’s counts only, never its sessions'
		});
		expect(page.sessions.funnel).toBeNull();
	});

	test('the owner’s session page lists a step’s sessions with the funnel it is of', async () => {
		const site = await couch.sites.get('site:fun');
		const data = await readSessionsPage(
			couch,
			site,
			new URLSearchParams('from=2026-11-10&to=2026-11-10&tz=UTC&funnel=f1&step=2&dropped=1'),
			t(13),
			false
		);
		expect(data.funnel).toEqual({
			id: 'f1',
			name: 'Signup',
			step: 2,
			dropped: true,
			label: '/pricing*'
		});
		expect(data.filter).toBeNull();
		// Each with its time from step 1 (C 120 s, F 360 s), which the page shows.
		expect(
			'sessions' in data.list && data.list.sessions.map((s) => [s.sid, s.fromStepBeforeMs])
		).toEqual([
			[sid.C, 120_000],
			[sid.F, 360_000]
		]);
	});
});
