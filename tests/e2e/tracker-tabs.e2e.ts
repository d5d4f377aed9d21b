/**
 * Several tabs of one browser opened at the same moment (a restored browser session,
 * links middle-clicked together): one visitor, one session, one entry, and one outbox
 * they share without an error, on a secure origin and on a plain `http:` one. Two sites
 * on one origin: each its own.
 */
import type { Browser, Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import type { ClientRecord, StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import { addSite, ownerPage } from './owner-support';
import {
	CHROME_UA,
	launchVisitorBrowser,
	routeStandalonePage,
	standalonePage,
	startTrackedApp,
	waitForRecords
} from './tracker-support';

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

/** Opens `paths` in `page`, each reached by a link from the one before, the first from elsewhere. */
async function walk(page: Page, paths: string[]) {
	const referers = ['https://news.example/', ...paths.map((p) => app.url + p)];
	for (const [i, path] of paths.entries()) {
		await page.goto(app.url + path, { referer: referers[i] });
		await page.waitForLoadState('networkidle');
	}
}

test('three tabs opened at the same moment are one visitor and one session with one entry', async ({
	browser
}) => {
	for (let round = 0; round < 4; round++) {
		const prefix = `/tabs${round}/`;
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, prefix);
		const pages = await Promise.all([0, 1, 2].map(() => context.newPage()));
		const paths = ['pricing', 'docs', 'blog'].map((p) => prefix + p);
		await Promise.all(pages.map((page, i) => page.goto(app.url + paths[i])));
		const views = (
			await waitForRecords(app, (rs) =>
				paths.every((p) => rs.some((r) => r.type === 'pageview' && r.path === p))
			)
		).filter(
			(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
				r.type === 'pageview' && r.path.startsWith(prefix)
		);
		expect(views).toHaveLength(3);
		expect(new Set(views.map((r) => r.vid)).size, `round ${round}: visitors`).toBe(1);
		expect(new Set(views.map((r) => r.sid)).size, `round ${round}: sessions`).toBe(1);
		expect(
			views.filter((r) => r.entry),
			`round ${round}: entries`
		).toHaveLength(1);
		await context.close();
	}
});

/** What `couchstats.pending()` came to in a page: its records, or how it failed to settle. */
type Settled = ClientRecord[] | 'rejected' | 'not settled in 10 s';

/** Calls `couchstats.pending()` in `page`, waiting at most 10 s for it to settle. */
function settledPending(page: Page): Promise<Settled> {
	return page.evaluate(() => {
		const w = window as unknown as { couchstats: { pending(): Promise<ClientRecord[]> } };
		const late = new Promise<Settled>((resolve) =>
			setTimeout(() => resolve('not settled in 10 s'), 10_000)
		);
		return Promise.race([w.couchstats.pending().catch((): Settled => 'rejected'), late]);
	});
}

/**
 * Opens five tabs of one fresh context of `browser` at `origin` (whose pages, tracked for
 * `site`, are served under `prefix` by `serve`) at the same moment; each moves on by
 * `pushState` and tracks an event. Returns what each tab's console said in red, and what
 * its `pending()` came to: every tab's settled, and empty, or what was last seen in 30 s.
 */
async function fiveTabs(browser: Browser, origin: string, prefix: string) {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	const pages = await Promise.all([0, 1, 2, 3, 4].map(() => context.newPage()));
	const errors: string[] = [];
	for (const [i, page] of pages.entries()) {
		page.on('console', (m) => m.type() === 'error' && errors.push(`tab ${i}: ${m.text()}`));
		page.on('pageerror', (e) => errors.push(`tab ${i}: ${e.message}`));
	}
	await Promise.all(pages.map((page, i) => page.goto(`${origin}${prefix}${i}`)));
	// The deferred part opens the outbox after `load`, in idle time: the tabs' first uses
	// of it meet, and these records' writes with them.
	await Promise.all(
		pages.map(async (page, i) => {
			await page.evaluate(
				([path, i]) => {
					const w = window as unknown as {
						couchstats: { track(n: string, p: object): void };
					};
					history.pushState({}, '', path);
					w.couchstats.track('tab', { tab: i });
				},
				[`${prefix}${i}/next`, String(i)] as const
			);
			await page.waitForFunction(() => 'couchstatsDeferred' in window);
		})
	);
	let settled: Settled[] = [];
	await expect
		.poll(
			async () => {
				settled = await Promise.all(pages.map(settledPending));
				return settled.map((s) => (typeof s === 'string' ? s : s.length));
			},
			{ timeout: 30_000 }
		)
		.toEqual([0, 0, 0, 0, 0])
		.catch(() => {});
	await context.close();
	return { errors, settled };
}

test('five tabs opened at the same moment share the outbox without an error, on secure and plain http origins, and count exactly', async () => {
	// An outside probe: five tabs of a site on plain http (no Web Locks there) printed
	// PouchDB's "Database has a global failure", "Failed to establish transaction
	// safely" and "The database connection is closing" in the visitor's console, and
	// `pending()` rejected with a VersionError in two tabs and never settled in one.
	test.setTimeout(240_000);
	const server = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(standalonePage(app, { 'data-site': site }));
	});
	let site = '';
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	// 127.0.0.1 is a secure context (Web Locks); tabs.test, a name for it, is not.
	const browser = await launchVisitorBrowser(CHROME_UA, [
		'--host-resolver-rules=MAP tabs.test 127.0.0.1'
	]);
	const admin = await ownerPage(browser, app);
	const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
	const query = `from=${day(Date.now() - 86_400_000)}&to=${day(Date.now() + 86_400_000)}&tz=UTC`;
	const rounds = 3;
	try {
		for (const [id, host] of [
			['plain', 'tabs.test'],
			['secure', '127.0.0.1']
		]) {
			site = id;
			await addSite(admin, app.url, { id, name: id, hosts: host });
			const origin = `http://${host}:${port}`;
			for (let round = 0; round < rounds; round++) {
				const { errors, settled } = await fiveTabs(browser, origin, `/five${round}/`);
				expect(errors, `${origin}, round ${round}: console errors`).toEqual([]);
				expect(settled, `${origin}, round ${round}: pending()`).toEqual([[], [], [], [], []]);
			}
			// Each round: 5 page views, 5 more by pushState and 5 events; one visitor, one session.
			await waitForRecords(
				app,
				(rs) => rs.filter((r) => r.site === id && r.type === 'event').length >= 5 * rounds
			);
			const stats = async () => {
				const response = await admin.request.get(`${app.url}/api/v1/stats?site=${id}&${query}`);
				expect(response.status()).toBe(200);
				return response.json();
			};
			await expect
				.poll(async () => (await stats()).indexing ?? false, { timeout: 30_000 })
				.toBe(false);
			const { totals, breakdowns } = await stats();
			expect(totals, origin).toMatchObject({
				pageviews: 10 * rounds,
				visitors: rounds,
				sessions: rounds
			});
			expect(breakdowns.events, origin).toEqual([
				expect.objectContaining({ name: 'tab', count: 5 * rounds })
			]);
		}
	} finally {
		await browser.close();
		server.close();
	}
});

test('two sites on one origin each count their own visitor, session, entry and source', async ({
	browser
}) => {
	// An outside review: with /blog and /shop tracked as two sites, the shop's first page
	// continued the blog's session: one visitor and session for both, no shop entry, the
	// blog's source and landing page.
	const admin = await ownerPage(browser, app);
	await addSite(admin, app.url, { id: 'shop', name: 'Shop', hosts: new URL(app.url).host });
	await admin.context().close();
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/blog/');
	await routeStandalonePage(context, app, '/shop/', { 'data-site': 'shop' });
	const page = await context.newPage();
	const paths = ['/blog/a', '/shop/b', '/blog/c'];
	await walk(page, paths);
	const views = (
		await waitForRecords(app, (rs) =>
			paths.every((p) => rs.some((r) => r.type === 'pageview' && r.path === p))
		)
	).filter(
		(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
			r.type === 'pageview' && paths.includes(r.path)
	);
	const [a, b, c] = paths.map((p) => views.find((r) => r.path === p)!);
	expect([a.site, b.site, c.site]).toEqual(['demo', 'shop', 'demo']);
	expect(b).toMatchObject({ entry: true, firstEver: true, land: '/shop/b' });
	expect(b.vid).not.toBe(a.vid);
	expect(b.sid).not.toBe(a.sid);
	// Reached from a page of its own origin: no source of its own (as Plausible counts it).
	expect(b).toMatchObject({ src: '(direct)' });
	// The blog's session goes on from its own page, not from the shop's.
	expect(c).toMatchObject({ sid: a.sid, vid: a.vid, land: '/blog/a', src: a.src, from: '/blog/a' });
	expect(c.entry).toBeFalsy();
	await context.close();
});

test("Back to a page loaded again is a return from the page the tab left, not from the page's first referrer", async ({
	browser
}) => {
	// An outside re-check: /a → /b → /c, then Back: the return to /b was recorded from /a
	// (its document.referrer), so journeys showed /a → /b twice and no /c → /b.
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/back/');
	const page = await context.newPage();
	await walk(page, ['/back/a', '/back/b', '/back/c']);
	await page.goBack();
	expect(page.url()).toBe(app.url + '/back/b');
	const returned = (rs: StoredRecord[]) =>
		rs.filter(
			(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
				r.type === 'pageview' && r.path === '/back/b'
		);
	const views = returned(await waitForRecords(app, (rs) => returned(rs).length == 2)).sort((x, y) =>
		x._id.localeCompare(y._id)
	);
	expect(views.map((r) => [r.path, r.from, r.revisit ?? false])).toEqual([
		['/back/b', '/back/a', false],
		['/back/b', '/back/c', true]
	]);
	await context.close();
});

test('a link opened in a new tab under a referrer policy that leaves only the origin is from the page it was on, not from the home page', async ({
	browser
}) => {
	// An outside re-check: under Referrer-Policy strict-origin, a link on /a middle-clicked
	// into a new tab (its sessionStorage empty) was recorded from "/", a step nobody took.
	const origin = new URL(app.url).origin;
	const links = '<a id="a" href="/ref/a">a</a> <a id="out" href="/pricing">pricing</a>';
	/**
	 * A visitor whose pages "/" and "/ref/*" are fixtures sent with `policy` (if any); the
	 * tab a middle click opens shows the app's own page (Playwright routes no request of a
	 * tab opened without its opener), tracked for the same site.
	 */
	const visitor = async (policy?: string) => {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const html = standalonePage(app, {}, `<h1>Fixture</h1><p>${links}</p>`);
		const headers: Record<string, string> = policy ? { 'Referrer-Policy': policy } : {};
		await context.route(
			(url) => url.origin === origin && (url.pathname == '/' || url.pathname.startsWith('/ref/')),
			(route) => route.fulfill({ contentType: 'text/html', headers, body: html })
		);
		const page = await context.newPage();
		await page.goto(app.url + '/', { referer: 'https://news.example/' });
		return page;
	};
	/** The stored page view of `path` by the visitor of `page` (its id in localStorage). */
	const stored = async (page: Page, path: string) => {
		const vid = await (
			await page.waitForFunction(() => localStorage.getItem('couchstats:visitor:demo'))
		).evaluate((v) => JSON.parse(v as string).id);
		const find = (rs: StoredRecord[]) =>
			rs.find(
				(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
					r.type === 'pageview' && r.path === path && r.vid === vid
			);
		return find(await waitForRecords(app, (rs) => !!find(rs)))!;
	};
	/** Middle-clicks the link to /pricing: its page view once stored, and the tab's referrer. */
	const openPricing = async (page: Page) => {
		const [tab] = await Promise.all([
			page.context().waitForEvent('page'),
			page.click('#out', { button: 'middle' })
		]);
		const view = await stored(page, '/pricing');
		return { view, referrer: await tab.evaluate(() => document.referrer) };
	};

	// Under strict-origin: "/" → /ref/a, then /pricing middle-clicked on /ref/a.
	const strict = await visitor('strict-origin');
	await stored(strict, '/');
	await strict.click('#a');
	expect(await stored(strict, '/ref/a')).toMatchObject({ from: '/' });
	const opened = await openPricing(strict);
	expect(opened.view).toMatchObject({ from: '/ref/a' });
	await strict.context().close();

	// The browser's default policy: a link on the home page opened in a new tab sends the
	// very same referrer (Chromium), so the page cannot tell it from the one cut to the
	// origin. It is from the session's last page, which is the home page here.
	const plain = await visitor();
	await stored(plain, '/');
	const fromHome = await openPricing(plain);
	expect([opened.referrer, fromHome.referrer]).toEqual([origin + '/', origin + '/']);
	expect(fromHome.view).toMatchObject({ from: '/' });
	await plain.context().close();
});

test('a page left to two tabs is one exit less, not two: exit pages and journeys keep the exit of another session that ended on it', async ({
	browser
}) => {
	// An outside probe: A went to /ex/a, opened /pricing from it in a new tab, then /ex/b
	// from it in the first tab; B landed on /ex/a and left. /ex/a's two departures
	// cancelled B's exit: exit pages listed /ex/b and /pricing, and /ex/a's journey no
	// (exit), while the sessions list said B left from /ex/a and A from /ex/b.
	const source = 'exits.example';
	const links =
		'<a id="a" href="/ex/a">a</a> <a id="b" href="/ex/b">b</a> <a id="out" href="/pricing">p</a>';
	const visitor = async () => {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/ex/', {}, `<h1>Fixture</h1><p>${links}</p>`);
		return context.newPage();
	};
	const fromSource = (rs: StoredRecord[]) =>
		rs.filter(
			(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
				r.type === 'pageview' && r.src === source
		);
	const stored = (count: number) => waitForRecords(app, (rs) => fromSource(rs).length >= count);

	const a = await visitor();
	await a.goto(app.url + '/ex/home', { referer: `https://${source}/` });
	await stored(1);
	await a.click('#a');
	await stored(2);
	// A middle click opens /pricing in a new tab, from /ex/a (its document.referrer).
	await Promise.all([a.context().waitForEvent('page'), a.click('#out', { button: 'middle' })]);
	await stored(3);
	await a.click('#b');
	await stored(4);
	const b = await visitor();
	await b.goto(app.url + '/ex/a', { referer: `https://${source}/` });
	const views = fromSource(await stored(5));
	expect(views.find((r) => r.path === '/pricing')).toMatchObject({ from: '/ex/a' });
	expect(views.find((r) => r.path === '/ex/b')).toMatchObject({ from: '/ex/a', left: '/pricing' });

	const admin = await ownerPage(browser, app);
	const read = async (path: string) =>
		(await admin.request.get(`${app.url}${path}&site=demo&range=today&source=${source}`)).json();
	await expect
		.poll(
			async () => {
				const exits = await read('/api/v1/stats/export?breakdown=exitPages&format=json');
				return Object.fromEntries(
					(exits as { path: string; exits: number }[]).map((r) => [r.path, r.exits])
				);
			},
			{ timeout: 30_000 }
		)
		.toEqual({ '/ex/a': 1, '/ex/b': 1 });
	const journey = await read('/api/v1/journeys?page=/ex/a&direction=next');
	expect(journey.next).toEqual([
		{ path: '(exit)', count: 1, share: 0.5 },
		{ path: '/ex/b', count: 1, share: 0.5 },
		{ path: '/pricing', count: 1, share: 0.5 }
	]);
	// /pricing's view went on in the first tab: no next page, and the panel says why (an
	// outside probe read "No pageviews of this page" under "Through /pricing: 1 view").
	await admin.goto(`${app.url}/sites/demo?range=today&source=${source}&journey=/pricing`);
	await expect(admin.getByTestId('journey-page')).toHaveText('/pricing');
	await expect(
		admin.getByText('No next page: its visits went on in another tab of their sessions.')
	).toBeVisible();
	await Promise.all([a.context().close(), b.context().close(), admin.context().close()]);
});
