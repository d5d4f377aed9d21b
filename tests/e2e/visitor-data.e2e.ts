/**
 * Visitor transparency: a visitor of a tracked site sees exactly the records the server
 * holds under their browser's visitor id and erases them, with the tracker's calls
 * (`couchstats.myData()`, `couchstats.erase()`) from a page on another origin than
 * couchstats, and from the demo site's "Your data" page. After the erasure every number
 * of the site's stats, totals and breakdowns, has dropped by exactly their records,
 * while another visitor's remain. Real Chromium, the built app, its CouchDB.
 */
import {
	request as playwrightRequest,
	type APIRequestContext,
	type Browser,
	type BrowserContext,
	type Page
} from '@playwright/test';
import { expect, test } from './fixtures';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	emulateFocus,
	launchVisitorBrowser,
	pending,
	standalonePage,
	startTrackedApp,
	storedRecords,
	waitForRecords
} from './tracker-support';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

let app: RunningApp;
let visitorBrowser: Browser;
/** The owner's session, for the Stats API. */
let owner: APIRequestContext;

test.beforeAll(async () => {
	app = await startTrackedApp();
	visitorBrowser = await launchVisitorBrowser();
	owner = await playwrightRequest.newContext({ baseURL: app.url });
	const login = await owner.post('/login', {
		form: { name: app.adminName, password: 'test-admin-password' },
		headers: { origin: app.url, accept: 'text/html' },
		maxRedirects: 0
	});
	expect(login.status()).toBe(303);
});
// Playwright requires the fixtures argument to be a destructuring pattern.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, info) => {
	if (info.status !== info.expectedStatus) console.log(app.output().slice(-4000));
});
test.afterAll(async () => {
	await owner?.dispose();
	await visitorBrowser?.close();
	await app?.stop();
});

/**
 * A visitor's own browser context. Its pages never have focus, so they count no engaged
 * time: the records of a scripted visit are exactly its pageviews, events and milestones.
 */
async function visitor(): Promise<BrowserContext> {
	const context = await visitorBrowser.newContext();
	await context.addInitScript(() => {
		Document.prototype.hasFocus = () => false;
	});
	return context;
}

/** The visitor id the page's tracker keeps, once it has made one. */
async function visitorId(page: Page): Promise<string> {
	const kept = await page.waitForFunction(() => localStorage.getItem('couchstats:visitor:demo'));
	return JSON.parse((await kept.jsonValue())!).id;
}

/**
 * Opens `url` and waits until the network is idle: the tracker's core, which captures
 * clicks, arrives asynchronously, and its deferred part after `load`.
 */
async function open(page: Page, url: string) {
	await page.goto(url);
	await page.waitForLoadState('networkidle');
}

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The demo site's stats around today, read once every index is up to date. */
async function stats() {
	const query = `site=demo&from=${isoDay(Date.now() - DAY)}&to=${isoDay(Date.now() + DAY)}&tz=UTC`;
	for (;;) {
		const response = await owner.get(`/api/v1/stats?${query}`);
		expect(response.status()).toBe(200);
		const body = await response.json();
		if (!body.indexing) return body;
	}
}

type Stats = Awaited<ReturnType<typeof stats>>;
const pageviews = (s: Stats) =>
	Object.fromEntries(
		s.breakdowns.pages.map((p: { path: string; pageviews: number }) => [p.path, p.pageviews])
	);
const events = (s: Stats) =>
	Object.fromEntries(
		s.breakdowns.events.map((e: { name: string; count: number }) => [e.name, e.count])
	);
const byVisitor = (records: StoredRecord[], vid: string) => records.filter((r) => r.vid === vid);
const ids = (records: { _id: string }[]) => records.map((r) => r._id).sort();

test('a visitor on another origin sees exactly their records with couchstats.myData(), erases them with couchstats.erase(), and every number drops by exactly them', async () => {
	// The site's pages are served on 127.0.0.1 (an origin the demo site registers) and load
	// the tracker from couchstats on localhost: every call to couchstats is cross-origin,
	// as from any tracked site.
	const body = '<button data-track="cta">Start</button><a id="next" href="/visit/2">Next</a>';
	const server = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(standalonePage(app, {}, body));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	// Visitor A: lands on /visit/1, clicks the call to action, follows the link to
	// /visit/2, and the page moves on to /visit/3 by pushState.
	const contextA = await visitor();
	const a = await contextA.newPage();
	await open(a, `${site}/visit/1`);
	await a.getByRole('button', { name: 'Start' }).click();
	await a.getByRole('link', { name: 'Next' }).click();
	await a.waitForURL(`${site}/visit/2`);
	await a.waitForLoadState('networkidle');
	await a.evaluate(() => history.pushState({}, '', '/visit/3'));
	// Visitor B: /visit/1, then /visit/b.
	const contextB = await visitor();
	const b = await contextB.newPage();
	await open(b, `${site}/visit/1`);
	await b.evaluate(() => history.pushState({}, '', '/visit/b'));
	const [vidA, vidB] = [await visitorId(a), await visitorId(b)];
	expect(vidA).not.toBe(vidB);

	// Everything each page made has been delivered (nothing waits in memory or the outbox).
	await expect.poll(async () => (await pending(a)).length + (await pending(b)).length).toBe(0);
	const stored = await storedRecords(app);
	const mine = byVisitor(stored, vidA);
	// By hand: three pageviews, the click, and the session's non-bounce milestone (the
	// click, an action, made it).
	expect(mine.map((r) => `${r.type} ${r.path}`).sort()).toEqual([
		'event /visit/1',
		'milestone /visit/1',
		'pageview /visit/1',
		'pageview /visit/2',
		'pageview /visit/3'
	]);
	expect(byVisitor(stored, vidB).map((r) => r.type)).toEqual(
		expect.arrayContaining(['pageview', 'pageview'])
	);
	const before = await stats();

	const sent: { method: string; url: string; body: string; cookie?: string }[] = [];
	contextA.on('request', (r) => {
		if (r.url().includes('/api/v1/visitor'))
			sent.push({
				method: r.method(),
				url: r.url(),
				body: r.postData() ?? '',
				cookie: r.headers().cookie
			});
	});
	type Global = {
		couchstats: {
			myData(): Promise<{ records: StoredRecord[]; error?: string }>;
			erase(): Promise<{ deleted: number; error?: string }>;
		};
	};
	const data = await a.evaluate(() => (window as unknown as Global).couchstats.myData());
	expect(data.error).toBeUndefined();
	expect(ids(data.records)).toEqual(ids(mine));
	expect(data.records.every((r) => r.vid === vidA && r.site === 'demo')).toBe(true);
	// Oldest first, as stored: the enrichment the server added is there too.
	expect(data.records.map((r) => r.ts)).toEqual(mine.map((r) => r.ts).sort((x, y) => x - y));
	expect(data.records[0]).toMatchObject({ browser: 'Chrome', receivedAt: expect.any(Number) });

	const erased = await a.evaluate(() => (window as unknown as Global).couchstats.erase());
	expect(erased).toEqual({ deleted: mine.length });
	// The id travelled in the body of a POST, never in the URL, and without cookies.
	expect(sent.map((r) => [r.method, r.url])).toEqual([
		['POST', `${app.url}/api/v1/visitor`],
		['POST', `${app.url}/api/v1/visitor`]
	]);
	expect(sent.every((r) => r.body.includes(vidA) && r.cookie === undefined)).toBe(true);
	// The browser forgot the old id; the server holds nothing under it, and B's are all there.
	expect(await a.evaluate(() => localStorage.getItem('couchstats:visitor:demo'))).toBeNull();
	const after = await storedRecords(app);
	expect(byVisitor(after, vidA)).toEqual([]);
	expect(ids(byVisitor(after, vidB))).toEqual(ids(byVisitor(stored, vidB)));
	expect(await a.evaluate(() => (window as unknown as Global).couchstats.myData())).toEqual({
		records: []
	});

	// Every number drops by exactly A's records.
	const now = await stats();
	const t = before.totals;
	expect(now.totals).toMatchObject({
		pageviews: t.pageviews - 3,
		visitors: t.visitors - 1,
		newVisitors: t.newVisitors - 1,
		sessions: t.sessions - 1,
		actualSessions: t.actualSessions,
		engagedSessions: t.engagedSessions,
		engagedTimeMs: t.engagedTimeMs,
		events: t.events - 1
	});
	expect(pageviews(before)).toMatchObject({
		'/visit/1': 2,
		'/visit/2': 1,
		'/visit/3': 1,
		'/visit/b': 1
	});
	const left = pageviews(now);
	expect([left['/visit/1'], left['/visit/2'], left['/visit/3'], left['/visit/b']]).toEqual([
		1,
		undefined,
		undefined,
		1
	]);
	expect(events(before).cta).toBe(1);
	expect(events(now).cta).toBeUndefined();
	await contextA.close();
	await contextB.close();
	server.close();
});

test('a visitor of the demo site sees their records on the "Your data" page and erases them there', async () => {
	const context = await visitor();
	const page = await context.newPage();
	await open(page, `${app.url}/pricing`);
	await page.getByRole('button', { name: 'Start now' }).click();
	await page.getByRole('link', { name: 'About' }).click();
	await page.getByRole('link', { name: /See or erase what this site/ }).click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your data');
	// Who can see the records: whoever holds the id, the owners' raw export included (not
	// "only this browser", which an outside privacy probe found false).
	await expect(page.locator('main p').first()).toContainText(
		"Whoever holds the id can see or erase them: this browser, and this site's owners"
	);
	await expect(page.locator('main p').first()).toContainText('for at most 13 months');
	const vid = await visitorId(page);
	const others = (await storedRecords(app)).filter((r) => r.vid !== vid);
	// By hand: three pageviews, the click, and the non-bounce milestone.
	const expected = ['event', 'milestone', 'pageview', 'pageview', 'pageview'];
	const mine = byVisitor(
		await waitForRecords(app, (records) => byVisitor(records, vid).length >= expected.length),
		vid
	);
	expect(mine.map((r) => r.type).sort()).toEqual(expected);

	await page.getByRole('button', { name: 'Show my data' }).click();
	await expect(page.getByRole('status')).toHaveText(
		`The server holds ${mine.length} records under this browser's id.`
	);
	const rows = page.locator('tbody tr');
	await expect(rows).toHaveCount(mine.length);
	await expect(rows.filter({ hasText: 'cta-start' })).toHaveCount(1);

	await page.getByRole('button', { name: 'Erase my data' }).click();
	await expect(page.getByRole('status')).toHaveText(
		`Erased ${mine.length} records. Nothing more of this page is counted; the next page you open is counted under a new random id.`
	);
	await expect(rows).toHaveCount(0);
	const after = await storedRecords(app);
	expect(byVisitor(after, vid)).toEqual([]);
	// Everyone else's records are all still there.
	expect(ids(after.filter((r) => r.vid !== vid))).toEqual(expect.arrayContaining(ids(others)));
	await context.close();
});

test('"Stop counting me" on the Your data page opts the browser out: it keeps nothing but that choice, on this page and the next', async () => {
	const context = await visitor();
	const page = await context.newPage();
	await open(page, `${app.url}/about`);
	await page.getByRole('link', { name: /See or erase what this site/ }).click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your data');
	await visitorId(page);
	await page.getByRole('button', { name: 'Stop counting me' }).click();
	await expect(page.getByRole('status')).toHaveText(
		'This browser is no longer counted on this site; it keeps nothing but that choice.'
	);
	const kept = () =>
		page.evaluate(() =>
			Object.keys(localStorage)
				.filter((k) => k.includes('couchstats') || k.startsWith('_pouch'))
				.sort()
		);
	expect(await kept()).toEqual(['couchstats:optout']);
	await open(page, `${app.url}/blog`);
	expect(await kept()).toEqual(['couchstats:optout']);
	await context.close();
});

test('after "Erase my data" nothing of the erased visit comes back, from this tab or another, and the visitor is recorded again from their next page only, as a new visitor', async () => {
	const base = await stats();
	const earlier = new Set((await storedRecords(app)).map((r) => r._id));
	// Focused pages, so that both tabs count engaged time until they close.
	const context = await visitorBrowser.newContext();
	const page = await context.newPage();
	await emulateFocus(page);
	await open(page, `${app.url}/pricing`);
	await page.getByRole('link', { name: 'About' }).click();
	await page.getByRole('link', { name: /See or erase what this site/ }).click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your data');
	const tab = await context.newPage();
	await emulateFocus(tab);
	await open(tab, `${app.url}/`);
	const vid = await visitorId(page);
	await waitForRecords(
		app,
		(records) => byVisitor(records, vid).filter((r) => r.type === 'pageview').length >= 4
	);

	await page.getByRole('button', { name: 'Erase my data' }).click();
	await expect(page.getByRole('status')).toHaveText(/^Erased \d+ records\./);
	// Both tabs leave, with engaged time counted since the erasure (and before it, since
	// their last heartbeat): neither records anything.
	await tab.close();
	await page.close();
	// The next page is a new visitor's first. It adopts what the closed tabs left in
	// their journals, so once its pageview is stored, anything they sent is stored too.
	const next = await context.newPage();
	await open(next, `${app.url}/blog`);
	const fresh = await visitorId(next);
	expect(fresh).not.toBe(vid);
	const after = await waitForRecords(app, (records) =>
		byVisitor(records, fresh).some((r) => r.type === 'pageview')
	);
	expect(byVisitor(after, vid)).toEqual([]);
	const added = after.filter((r) => !earlier.has(r._id));
	expect(added.filter((r) => r.vid !== fresh || r.path !== '/blog')).toEqual([]);
	expect(added.filter((r) => r.type !== 'heartbeat')).toMatchObject([
		{ type: 'pageview', entry: true, firstEver: true }
	]);

	// Every number is what it was before the visit, plus the new visitor's one page.
	const engaged = added.reduce((sum, r) => sum + (r.type === 'heartbeat' ? r.engagedMs : 0), 0);
	const now = await stats();
	const t = base.totals;
	expect(now.totals).toMatchObject({
		pageviews: t.pageviews + 1,
		visitors: t.visitors + 1,
		newVisitors: t.newVisitors + 1,
		sessions: t.sessions + 1,
		actualSessions: t.actualSessions,
		engagedSessions: t.engagedSessions,
		engagedTimeMs: t.engagedTimeMs + engaged,
		events: t.events
	});
	await context.close();
});

test('a page on an origin no site registers can neither read nor erase, and the CSRF rule still guards the app', async () => {
	const api = await playwrightRequest.newContext({ baseURL: app.url });
	const vid = '019a8f00-0000-7000-8000-000000000001';
	const foreign = await api.post('/api/v1/visitor', {
		headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
		data: JSON.stringify({ site: 'demo', visitor: vid, action: 'erase' })
	});
	expect(foreign.status()).toBe(403);
	expect(foreign.headers()['access-control-allow-origin']).toBeUndefined();
	// Another route below /api/v1 is not exempt from the CSRF rule.
	const logout = await api.post('/logout', { headers: { origin: 'https://evil.example' } });
	expect(logout.status()).toBe(403);
	await api.dispose();
});
