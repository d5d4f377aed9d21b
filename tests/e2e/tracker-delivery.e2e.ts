/**
 * Delivery: every record reaches CouchDB exactly once — across reloads, two tabs,
 * offline periods and an app-server restart — and a visit that closes right after
 * `load` is still delivered. Real Chromium, the built app, its embedded store.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
	revisionFor,
	type ClientRecord,
	type EventRecord,
	type HeartbeatRecord,
	type MilestoneRecord,
	type StoredRecord
} from '../../src/lib/records';
import { ACTUAL_MS } from '../../src/lib/classify/rules';
import { reachedMilestones } from '../../src/lib/tracker/session';
import type { RunningApp } from '../support/app';
import {
	CHROME_UA,
	holdScript,
	pending,
	routeStandalonePage,
	scriptVisibility,
	startTrackedApp,
	storedRecords,
	waitForRecords
} from './tracker-support';

test.describe.configure({ timeout: 180_000 });

/** Waits until the page's deferred part (PouchDB outbox) has loaded. */
async function outboxLoaded(page: Page) {
	await page.waitForFunction(() => 'couchstatsDeferred' in window);
}

/** Tracks events `n` numbered `from` … `from + count - 1`. */
async function trackNumbered(page: Page, from: number, count: number) {
	await page.evaluate(
		([from, count]) => {
			const api = (window as unknown as { couchstats: { track(n: string, p: object): void } })
				.couchstats;
			for (let i = from; i < from + count; i++) api.track('n', { i });
		},
		[from, count]
	);
}

const numbered = (records: StoredRecord[]) =>
	records.filter((r): r is EventRecord & StoredRecord => r.type === 'event' && r.name === 'n');

test('at least 200 records made across reloads, two tabs, offline periods and an app restart reach CouchDB exactly once', async ({
	browser
}) => {
	let app: RunningApp = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/fx/', { 'data-max-wait': '2000' });
		let next = 0;
		const track = (page: Page, count: number) => {
			const from = next;
			next += count;
			return trackNumbered(page, from, count);
		};

		// Reloads: three pages in a row in one tab.
		const tab1 = await context.newPage();
		for (const path of ['/fx/1', '/fx/2', '/fx/3']) {
			await tab1.goto(app.url + path);
			await outboxLoaded(tab1);
			await track(tab1, 30);
		}

		// Two tabs at once.
		const tab2 = await context.newPage();
		await tab2.goto(app.url + '/fx/4');
		await outboxLoaded(tab2);
		await Promise.all([track(tab1, 30), track(tab2, 30)]);

		// Offline: both tabs keep tracking, then the network returns.
		await context.setOffline(true);
		await track(tab1, 25);
		await track(tab2, 25);
		await tab1.waitForTimeout(1500);
		await context.setOffline(false);

		// App-server restart: records made while it is down arrive after it is back.
		const { port, dataDir } = app;
		await app.stop();
		await track(tab1, 20);
		await track(tab2, 20);
		await tab1.waitForTimeout(1500);
		app = await startTrackedApp({ port, dataDir });
		// Coming back online (as a browser does) retries at once instead of after backoff.
		await context.setOffline(true);
		await context.setOffline(false);

		const made = next;
		const records = await waitForRecords(app, (rs) => numbered(rs).length >= made, 90_000);
		await tab1.close();
		await tab2.close();

		const events = numbered(records);
		const byNumber = new Map<number, number>();
		for (const e of events)
			byNumber.set(Number(e.props?.i), (byNumber.get(Number(e.props?.i)) ?? 0) + 1);
		const missing = Array.from({ length: made }, (_, i) => i).filter((i) => !byNumber.has(i));
		const duplicated = [...byNumber].filter(([, n]) => n > 1);
		console.log('missing', JSON.stringify(missing));
		console.log(
			`exactly-once: ${made} numbered events made, ${events.length} stored, ${records.length} records in all, missing ${missing.length}, duplicated ${duplicated.length}`
		);
		expect(made).toBeGreaterThanOrEqual(200);
		expect(missing).toEqual([]);
		expect(duplicated).toEqual([]);
		expect(events).toHaveLength(made);

		const all = await storedRecords(app);
		expect(all.length).toBeGreaterThanOrEqual(200);
		expect(all.filter((r) => (r as { _conflicts?: string[] })._conflicts)).toEqual([]);
		expect(all.filter((r) => r._rev !== revisionFor(r._id))).toEqual([]);
		// One pageview per path: the four pages, each recorded once.
		expect(
			all
				.filter((r) => r.type === 'pageview')
				.map((r) => r.path)
				.sort()
		).toEqual(['/fx/1', '/fx/2', '/fx/3', '/fx/4']);
		expect(await context.cookies()).toEqual([]);
		await context.close();
	} finally {
		await app.stop();
	}
});

test('a visit closed at load or 300 ms after is still delivered, with the standalone script and the Svelte component', async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		// Both cores run before `load`: the standalone one is an async script injected by
		// the loader; the component's is started by an inline module script the component
		// renders into the page's head, before hydration.
		for (const [path, wait] of [
			['/short', 300],
			['/short-at-load', 0],
			['/about', 300],
			['/pricing', 0]
		] as const) {
			const context = await browser.newContext({ userAgent: CHROME_UA });
			await routeStandalonePage(context, app, '/short');
			const page = await context.newPage();
			await page.goto(app.url + path);
			if (wait) await page.waitForTimeout(wait);
			await page.close();

			// The closing page's heartbeat (a beacon) may be stored before its pageview.
			const pageviews = (rs: StoredRecord[]) =>
				rs.filter((r) => r.type === 'pageview' && r.path === path);
			const records = await waitForRecords(app, (rs) => pageviews(rs).length > 0, 15_000);
			expect(pageviews(records)).toHaveLength(1);
			expect(await context.cookies()).toEqual([]);
			await context.close();
		}
	} finally {
		await app.stop();
	}
});

test("a visit that goes offline and closes arrives complete on the next page: every record once, each page's engaged time, milestones that agree with it", async ({
	browser
}) => {
	let app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		// Pages start hidden: engaged time starts when the test shows them.
		await scriptVisibility(context);
		await routeStandalonePage(
			context,
			app,
			'/oc/',
			{},
			`<button data-track="cta">Start</button>
<form id="signup" onsubmit="event.preventDefault()"><button>Send</button></form>`
		);
		const page = await context.newPage();
		await page.goto(app.url + '/oc/1');
		await outboxLoaded(page);
		const shownAt = await page.evaluate(() => {
			(window as unknown as { __setVisible(v: boolean): void }).__setVisible(true);
			return Date.now();
		});
		// Another tab of the origin takes the outbox's lock and keeps it until the visit has
		// closed, so none of the visit's IndexedDB writes completes: the case of a closing
		// tab whose last write is cut off, made certain.
		const blocker = await context.newPage();
		await blocker.goto(app.url + '/healthz');
		await blocker.evaluate(
			() =>
				new Promise<void>((held) => {
					void navigator.locks.request('couchstats:outbox', () => {
						held();
						return new Promise(() => {});
					});
				})
		);
		await page.waitForTimeout(3000);
		// Offline. Chromium sends requests made while a page unloads outside Playwright's
		// network emulation, so the server goes away too: nothing can get through.
		await context.setOffline(true);
		const { port, dataDir } = app;
		await app.stop();
		const navigatedAt = await page.evaluate(() => {
			history.pushState(null, '', '/oc/2');
			return Date.now();
		});
		await page.getByRole('button', { name: 'Start' }).click();
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForTimeout(8000);
		// Closing a tab hides it first (`visibilitychange`), then `pagehide`.
		const closedAt = await page.evaluate(() => {
			(window as unknown as { __setVisible(v: boolean): void }).__setVisible(false);
			return Date.now();
		});
		await page.close();
		await blocker.close();

		// Later, online again, the visitor opens another page of the site.
		app = await startTrackedApp({ port, dataDir });
		await context.setOffline(false);
		const next = await context.newPage();
		await next.goto(app.url + '/oc/3');
		// It has delivered all it took over: the journal, and what the outbox held.
		await outboxLoaded(next);
		await expect.poll(() => pending(next).then((p) => p.length), { timeout: 20_000 }).toBe(0);
		const records = await waitForRecords(
			app,
			(rs) =>
				rs.filter((r) => r.type === 'pageview').length >= 3 &&
				rs.some((r) => r.type === 'heartbeat' && r.path === '/oc/2')
		);
		await context.close();

		expect(records.filter((r) => r._rev !== revisionFor(r._id))).toEqual([]);
		// Made offline, stored later, with the time it was made.
		const second = records.find((r) => r.type === 'pageview' && r.path === '/oc/2')!;
		expect(Math.abs(second.ts - navigatedAt)).toBeLessThan(1000);
		expect(second.receivedAt).toBeGreaterThan(closedAt);

		const engaged = (path: string) =>
			records
				.filter(
					(r): r is HeartbeatRecord & StoredRecord => r.type === 'heartbeat' && r.path === path
				)
				.reduce((sum, r) => sum + r.engagedMs, 0);
		const shown = { '/oc/1': navigatedAt - shownAt, '/oc/2': closedAt - navigatedAt };
		console.log(
			`offline close: engaged time stored ${engaged('/oc/1')} ms and ${engaged('/oc/2')} ms, visible and focused ${shown['/oc/1']} ms and ${shown['/oc/2']} ms`
		);
		expect(Math.abs(engaged('/oc/1') - shown['/oc/1'])).toBeLessThanOrEqual(500);
		expect(Math.abs(engaged('/oc/2') - shown['/oc/2'])).toBeLessThanOrEqual(500);
		// `actual` (over 10 s engaged) and `nonbounce` with it land on /oc/1 when the set-up
		// above kept it visible that long on a busy machine, else on /oc/2 (its pageview
		// makes the session non-bouncing); `engaged` needs the interaction after the opening
		// pageview, so it is on /oc/2 either way.
		const early = engaged('/oc/1') > ACTUAL_MS ? '/oc/1' : '/oc/2';
		const facts = records
			.filter((r) => r.type !== 'heartbeat')
			.map((r) => [r.type, r.path, r.type === 'event' ? r.name : undefined].join(' '))
			.sort();
		expect(facts).toEqual(
			[
				'event /oc/2 cta',
				'event /oc/2 form',
				`milestone ${early} `,
				`milestone ${early} `,
				'milestone /oc/2 ',
				'pageview /oc/1 ',
				'pageview /oc/2 ',
				'pageview /oc/3 '
			].sort()
		);
		// The session's milestones are those its stored records imply (docs/DESIGN.md §4).
		const milestones = records
			.filter((r): r is MilestoneRecord & StoredRecord => r.type === 'milestone')
			.map((r) => r.milestone)
			.sort();
		expect(milestones).toEqual(
			reachedMilestones({ pv: 2, ms: engaged('/oc/1') + engaged('/oc/2'), ix: 3 }).sort()
		);
		expect(milestones).toContain('actual');
	} finally {
		await app.stop();
	}
});

test('calls made before the standalone core arrives wait in the loader and run once it does', async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		// The loader without `defer`, then an inline script: it runs before the async core can.
		await context.route(`${app.url}/early`, (route) =>
			route.fulfill({
				contentType: 'text/html',
				body: `<!doctype html><title>Early</title><script data-site="demo" data-allow-automation="true" data-max-wait="0" src="${app.url}/couchstats.js"></script>
<script>
	window.coreWasThere = 'enabled' in couchstats;
	couchstats.track('early', { n: 1 });
	window.early = couchstats.pending();
</script>`
			})
		);
		const page = await context.newPage();
		await page.goto(`${app.url}/early`);
		expect(
			await page.evaluate(() => (window as unknown as { coreWasThere: boolean }).coreWasThere)
		).toBe(false);
		// The queued pending() settles with the records waiting when the core replayed it:
		// the pageview and the event, a record at once like the pageview, and the session's
		// non-bounce milestone the event (an action) completed.
		const waiting = await page.evaluate(
			() => (window as unknown as { early: Promise<{ type: string }[]> }).early
		);
		expect(waiting.map((r) => r.type)).toEqual(['pageview', 'event', 'milestone']);
		const records = await waitForRecords(
			app,
			(rs) => rs.filter((r) => r.path === '/early').length >= 3
		);
		// In time order; the milestone, made in the event's millisecond, by itself.
		const early = records.filter((r) => r.path === '/early').sort((a, b) => a.ts - b.ts);
		expect(
			early
				.filter((r) => r.type !== 'milestone')
				.map((r) => [r.type, r.type === 'event' ? r.props : undefined])
		).toEqual([
			['pageview', undefined],
			['event', { n: 1 }]
		]);
		expect(early.filter((r) => r.type === 'milestone')).toMatchObject([{ milestone: 'nonbounce' }]);
		await context.close();
	} finally {
		await app.stop();
	}
});

test('pending() called before the deferred part has loaded lists the records waiting in the outbox', async ({
	browser
}) => {
	// An outside probe (CPU slowed 6×): on a page picking up a backlog, pending() answered
	// [] while 900 records waited in the outbox, before its deferred part had loaded.
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/backlog/');
		// Nothing is delivered: every record waits, in the outbox once it is attached.
		await context.route('**/api/ingest/**', (route) => route.abort());
		const first = await context.newPage();
		await first.goto(app.url + '/backlog/1');
		await outboxLoaded(first);
		await trackNumbered(first, 0, 5);

		// A second tab whose deferred part arrives only once pending() has been called.
		const release = await holdScript(context, 'couchstats-deferred.js', '/backlog/2');
		const second = await context.newPage();
		await second.goto(app.url + '/backlog/2');
		await second.waitForFunction(
			() => 'enabled' in (window as unknown as { couchstats: object }).couchstats
		);
		await second.evaluate(() => {
			type Api = { pending(): Promise<unknown> };
			const w = window as unknown as { early: Promise<unknown>; couchstats: Api };
			w.early = w.couchstats.pending();
		});
		expect(await second.evaluate(() => 'couchstatsDeferred' in window)).toBe(false);
		release();
		const early = (await second.evaluate(
			() => (window as unknown as { early: Promise<unknown> }).early
		)) as StoredRecord[];
		expect(numbered(early).map((r) => r.props)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
		await context.close();
	} finally {
		await app.stop();
	}
});

/**
 * Runs `visit` on a page of the standalone script at `path` (its script element's other
 * `attributes`), once its core has arrived,
 * in a browser whose deferred part (the outbox) never arrives, and returns the events
 * the store then holds, as `[path, name, props]`.
 */
async function eventsWithoutDeferred(
	browser: Browser,
	path: string,
	body: string | undefined,
	visit: (page: Page) => Promise<void>,
	attributes: Record<string, string> = {}
) {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await context.route('**/couchstats-deferred.js', (route) => route.abort());
		await routeStandalonePage(context, app, path, attributes, body);
		const page = await context.newPage();
		await page.goto(`${app.url}${path}`);
		await page.waitForFunction(
			() => 'enabled' in (window as unknown as { couchstats: object }).couchstats
		);
		await visit(page);
		const records = await waitForRecords(app, (rs) => rs.some((r) => r.type === 'event'));
		await context.close();
		return records.flatMap((r) => (r.type === 'event' ? [[r.path, r.name, r.props]] : []));
	} finally {
		await app.stop();
	}
}

test('an event tracked before the deferred part has loaded leaves with the page when it goes at once', async ({
	browser
}) => {
	const events = await eventsWithoutDeferred(browser, '/gone', undefined, async (page) => {
		await page.evaluate(() =>
			(window as unknown as { couchstats: { track(n: string, p: object): void } }).couchstats.track(
				'signup',
				{ plan: 'pro' }
			)
		);
		await page.close();
	});
	expect(events).toEqual([['/gone', 'signup', { plan: 'pro' }]]);
});

test('an outbound link followed before the deferred part has loaded is captured', async ({
	browser
}) => {
	const link = '<a href="https://elsewhere.example/docs?ref=1">Docs</a>';
	const events = await eventsWithoutDeferred(browser, '/early', link, async (page) => {
		await page
			.context()
			.route('https://elsewhere.example/**', (route) =>
				route.fulfill({ contentType: 'text/html', body: '<title>elsewhere</title>' })
			);
		await page.getByRole('link', { name: 'Docs' }).click();
		await page.waitForURL('https://elsewhere.example/**');
	});
	expect(events).toEqual([['/early', 'outbound', { url: 'https://elsewhere.example/docs' }]]);
});

test('data-capture reads its names in any case and says in the console which it does not know', async ({
	browser
}) => {
	// An outside review: "Clicks Downloads" and "download" turned captures off, silently.
	let warnings: string[] = [];
	const button = '<button data-track="cta">Go</button>';
	const events = await eventsWithoutDeferred(
		browser,
		'/capture',
		button,
		async (page) => {
			warnings = (await page.consoleMessages())
				.filter((m) => m.type() == 'warning')
				.map((m) => m.text());
			await page.getByRole('button', { name: 'Go' }).click();
			await page.close();
		},
		{ 'data-capture': 'Clicks download' }
	);
	expect(events).toEqual([['/capture', 'cta', { text: 'Go' }]]);
	expect(warnings).toEqual([
		'couchstats: capture takes clicks, outbound, downloads, forms or none, got "download"; capturing clicks'
	]);
});

test('the Svelte component records pageviews, client-side navigations and captured clicks without setting a cookie', async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const page = await context.newPage();
		await page.goto(app.url + '/');
		await page.waitForLoadState('networkidle');
		await page.getByRole('link', { name: 'Pricing' }).click();
		await page.getByRole('button', { name: 'Start now' }).click();
		await page.getByRole('button', { name: 'Subscribe' }).click();
		await page.getByRole('link', { name: 'About' }).click();
		await page.getByRole('heading', { name: 'About' }).waitFor();
		await page.waitForTimeout(300);
		await page.close();

		const records = await waitForRecords(
			app,
			(rs) => rs.filter((r) => r.type === 'pageview').length >= 3
		);
		const pageviews = records.filter((r) => r.type === 'pageview').sort((a, b) => a.ts - b.ts);
		expect(pageviews.map((r) => [r.path, r.entry, r.from, r.notFound, r.pathFirstOfDay])).toEqual([
			['/', true, undefined, undefined, true],
			['/pricing', false, '/', undefined, true],
			['/about', false, '/pricing', undefined, true]
		]);
		const events = records.filter((r) => r.type === 'event');
		expect(events.map((r) => [r.name, r.path, r.props]).sort()).toEqual([
			['cta-start', '/pricing', { text: 'Start now' }],
			['form', '/pricing', { form: 'newsletter' }]
		]);
		expect(await context.cookies()).toEqual([]);
		expect(await page.context().cookies()).toEqual([]);
		await context.close();
	} finally {
		await app.stop();
	}
});

test('a 404 page is recorded with notFound, by the Svelte component on the demo site and by the standalone script', async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/missing/', { 'data-not-found': '' });
		const page = await context.newPage();
		await page.goto(app.url + '/');
		await page.waitForLoadState('networkidle');
		// An unknown demo page (the [slug] route answers 404), then a client-side
		// navigation to another, then a plain site's 404 page.
		// Let the page settle (the component loads its core after hydration; leaving
		// within that window is the early-leave case, tested on its own).
		await page.goto(app.url + '/no-such-page');
		await page.waitForLoadState('networkidle');
		await page.evaluate(() => {
			const a = Object.assign(document.createElement('a'), { href: '/no-such-either' });
			document.body.append(a);
			a.click();
		});
		await page.waitForURL('**/no-such-either');
		await page.waitForLoadState('networkidle');
		await page.goto(app.url + '/missing/page');
		await page.waitForTimeout(300);
		await page.close();

		const records = await waitForRecords(
			app,
			(rs) => rs.filter((r) => r.type === 'pageview').length >= 4
		);
		const pageviews = records.filter((r) => r.type === 'pageview').sort((a, b) => a.ts - b.ts);
		expect(pageviews.map((r) => [r.path, r.notFound])).toEqual([
			['/', undefined],
			['/no-such-page', true],
			['/no-such-either', true],
			['/missing/page', true]
		]);
		await context.close();
	} finally {
		await app.stop();
	}
});

/**
 * A plain site on `address` (another origin than the app's localhost) whose every page
 * loads the demo site's standalone script from the app.
 */
async function siteOn(address: string, app: RunningApp, siteId = 'demo'): Promise<http.Server> {
	const site = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(
			`<!doctype html><title>Other site</title><script defer data-site="${siteId}" data-allow-automation="true" data-max-wait="0" src="${app.url}/couchstats.js"></script><h1>Other site</h1>`
		);
	});
	await new Promise<void>((resolve) => site.listen(0, address, resolve));
	return site;
}

test('the standalone script on another origin delivers through CORS, with the same records', async ({
	browser
}) => {
	const app = await startTrackedApp();
	// A plain site on 127.0.0.1 (another origin, registered for the demo site).
	const site = await siteOn('127.0.0.1', app);
	try {
		const pageOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const page = await context.newPage();
		await page.goto(`${pageOrigin}/xo/1`);
		await page.waitForFunction(() => 'couchstatsDeferred' in window);
		await page.evaluate(() =>
			(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('cross')
		);
		const records = await waitForRecords(app, (rs) => rs.some((r) => r.type === 'event'));
		const facts = records.filter((r) => r.type === 'event' || r.type === 'pageview');
		expect(facts.map((r) => [r.type, r.path]).sort()).toEqual([
			['event', '/xo/1'],
			['pageview', '/xo/1']
		]);
		// The server's clock crossed origins too (an exposed header of the ingest's answers).
		expect(await page.evaluate(() => localStorage.getItem('couchstats:offset'))).not.toBeNull();
		await context.close();
	} finally {
		site.close();
		await app.stop();
	}
});

test("a captive portal answering 200 in the ingest's place (readable cross-origin) delivers nothing: the records wait, the console says so once, and the ingest's own answer empties pending()", async ({
	browser
}) => {
	// An outside probe: a portal's 200 page made the outbox purge every record.
	const app = await startTrackedApp();
	const portal = http.createServer((_request, response) => {
		response.writeHead(200, { 'content-type': 'text/html', 'access-control-allow-origin': '*' });
		response.end('<!doctype html><title>Log in to the Wi-Fi</title>');
	});
	await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
	let endpoint = `http://127.0.0.1:${(portal.address() as AddressInfo).port}/api/ingest`;
	const site = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(
			`<!doctype html><title>Portal</title><script defer data-site="demo" data-allow-automation="true" data-max-wait="0" data-endpoint="${endpoint}" src="${app.url}/couchstats.js"></script>`
		);
	});
	await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const page = await context.newPage();
		const warnings: string[] = [];
		page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
		const answered = page.waitForResponse((r) => r.url().endsWith('/_bulk_docs'));
		await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/portal/1`);
		expect((await answered).status()).toBe(200);
		const pending = () =>
			page.evaluate(async () =>
				(
					await (
						window as unknown as { couchstats: { pending(): Promise<{ type: string }[]> } }
					).couchstats.pending()
				).map((r) => r.type)
			);
		await expect
			.poll(() => warnings)
			.toEqual([expect.stringMatching(/a captive portal or a proxy/)]);
		expect(await pending()).toContain('pageview');
		// The ingest itself, cross-origin: its answer tells its clock in an exposed header.
		endpoint = `${app.url}/api/ingest`;
		await page.reload();
		await expect.poll(pending).toEqual([]);
		expect(warnings).toHaveLength(1);
		await context.close();
	} finally {
		site.close();
		portal.close();
		await app.stop();
	}
});

test('a page on a host its site does not list says in its console why its records are refused, once, and keeps them', async ({
	browser
}) => {
	// An outside re-check: the console said only "blocked by CORS policy".
	const app = await startTrackedApp();
	// A plain site on 127.0.0.2, which the demo site does not list.
	const site = await siteOn('127.0.0.2', app);
	try {
		const host = `127.0.0.2:${(site.address() as AddressInfo).port}`;
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const page = await context.newPage();
		const console: string[] = [];
		page.on('console', (message) => console.push(`${message.type()} ${message.text()}`));
		await page.goto(`http://${host}/xo/1`);
		const warnings = () => console.filter((m) => m.startsWith('warning couchstats:'));
		await expect
			.poll(warnings)
			.toEqual([
				expect.stringContaining(
					`add ${host} to the host names in the site's settings to take the records of http://${host}`
				)
			]);
		await page.waitForFunction(() => 'couchstatsDeferred' in window);
		const sent = page.waitForResponse((r) => r.url().endsWith('/_bulk_docs'));
		await page.evaluate(() =>
			(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('again')
		);
		expect((await sent).status()).toBe(403);
		const pending = await page.evaluate(() =>
			(
				window as unknown as { couchstats: { pending(): Promise<{ type: string }[]> } }
			).couchstats.pending()
		);
		expect(pending.map((r) => r.type)).toEqual(expect.arrayContaining(['pageview', 'event']));
		expect(warnings()).toHaveLength(1);
		expect(console.filter((m) => /CORS/.test(m))).toEqual([]);
		await context.close();
	} finally {
		site.close();
		await app.stop();
	}
});

test('a page whose records the ingest refuses one by one (a site that does not list its host) says why in its console, once', async ({
	browser
}) => {
	// An outside review: a page on a host registered for another site got no hint.
	const app = await startTrackedApp();
	// 127.0.0.1 is registered for the demo site; the page's records are for another site.
	const site = await siteOn('127.0.0.1', app, 'nosuchsite');
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		const page = await context.newPage();
		const console: string[] = [];
		page.on('console', (message) => console.push(`${message.type()} ${message.text()}`));
		await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/xo/1`);
		const warnings = () => console.filter((m) => m.startsWith('warning couchstats:'));
		await expect
			.poll(warnings)
			.toEqual([expect.stringContaining('site \\"nosuchsite\\" is not registered')]);
		await page.waitForFunction(() => 'couchstatsDeferred' in window);
		const sent = page.waitForResponse((r) => r.url().endsWith('/_bulk_docs'));
		await page.evaluate(() =>
			(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('again')
		);
		await sent;
		expect(warnings()).toHaveLength(1);
		await context.close();
	} finally {
		site.close();
		await app.stop();
	}
});

test("a browser's first pageview leaves at once on the local clock and is stored once on the server's; its answer measures the server's clock, which later requests carry, and the tracker asks nothing else", async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/first/');
		const page = await context.newPage();
		const asked: string[] = [];
		page.on('request', (r) => {
			const url = new URL(r.url());
			if (url.pathname.startsWith('/api/ingest/')) asked.push(`${r.method()} ${url.pathname}`);
		});
		const before = Date.now();
		const posted = page.waitForRequest(
			(r) => r.method() === 'POST' && r.url().endsWith('/api/ingest/_bulk_docs')
		);
		await page.goto(app.url + '/first/a');
		const body = (await posted).postDataJSON() as { docs: ClientRecord[]; sent: number };
		expect(body.docs.map((r) => [r.type, r.path, r.local])).toContainEqual([
			'pageview',
			'/first/a',
			true
		]);
		const [stored] = (
			await waitForRecords(app, (rs) => rs.some((r) => r.type === 'pageview'))
		).filter((r) => r.type === 'pageview');
		// Page and server share this machine's clock: the corrected time is the local one,
		// moved by the request's time on the way.
		expect(stored.ts).toBeGreaterThanOrEqual(before);
		expect(stored.ts).toBeLessThanOrEqual(stored.receivedAt);
		expect('local' in stored).toBe(false);

		// The answer told the server's clock (a header the page may read cross-origin): the
		// next page's first records are on the browser's clock too, and so are the next
		// session's; their requests carry the measured offset.
		await page.waitForFunction(() => localStorage.getItem('couchstats:offset') !== null);
		const sentFrom = async (path: string) => {
			const request = page.waitForRequest(
				(r) => r.method() === 'POST' && (r.postData() ?? '').includes(`"${path}"`)
			);
			await page.goto(app.url + path);
			const { docs, offset } = (await request).postDataJSON() as {
				docs: ClientRecord[];
				offset?: number;
			};
			return { ...docs.find((r) => r.path === path && r.type === 'pageview')!, offset };
		};
		const second = await sentFrom('/first/b');
		expect([second.local, typeof second.offset]).toEqual([true, 'number']);
		// An untracked page of the origin ages the session past 30 minutes (and deletes the
		// copy tabs settle a new session by, which would still have it open).
		await page.goto(app.url + '/robots.txt');
		await page.evaluate(() => {
			const session = JSON.parse(localStorage.getItem('couchstats:session:demo')!);
			session.last -= 31 * 60_000;
			localStorage.setItem('couchstats:session:demo', JSON.stringify(session));
			indexedDB.deleteDatabase('couchstats-state');
		});
		// The new session settles first (an IndexedDB transaction), so the answer to what the
		// page sent at once (the last page's journal) may measure the server's clock before
		// the page view is made: on the browser's clock, or on the server's as measured.
		const third = await sentFrom('/first/c');
		expect([third.type, typeof third.offset]).toEqual(['pageview', 'number']);
		const records = await waitForRecords(app, (rs) => rs.some((r) => r.path === '/first/c'));
		const views = records.filter((r) => r.type === 'pageview');
		expect(views.map((r) => r.path)).toEqual(['/first/a', '/first/b', '/first/c']);
		expect(new Set(views.map((r) => r.sid)).size).toBe(2);
		// Records only: no request for the clock.
		expect(asked.filter((r) => !r.startsWith('POST /api/ingest/_bulk_docs'))).toEqual([]);
		await context.close();
	} finally {
		await app.stop();
	}
});

test('100 events too large for the ingest, tracked with a small one, hold nothing up: the small one is stored within seconds while the page stays visible, a dropped record counts the 100, and the console says why once', async ({
	browser
}) => {
	// An outside probe: 100 events of 21,644 bytes (16 props of CJK text) went as one 2 MB
	// request, refused (413) at 1, 2, 4 … 60 s for ever; the event behind it waited more than
	// 150 s, until the page hid. The app here has the e2e webServer's BODY_SIZE_LIMIT (1M).
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/big/');
		const page = await context.newPage();
		const bodies: number[] = [];
		page.on('request', (request) => {
			if (request.url().endsWith('/_bulk_docs')) bodies.push(request.postDataBuffer()?.length ?? 0);
		});
		const warnings: string[] = [];
		page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
		await page.goto(app.url + '/big/1');
		await outboxLoaded(page);
		const started = Date.now();
		await page.evaluate(() => {
			const api = (window as unknown as { couchstats: { track(n: string, p?: object): void } })
				.couchstats;
			const props: Record<string, string> = {};
			for (let i = 10; i < 26; i++) props['k'.repeat(58) + i] = '統'.repeat(256);
			for (let i = 0; i < 100; i++) api.track('big', props);
			api.track('small');
		});
		const counted = (r: StoredRecord) => r.type === 'dropped' && r.count === 100;
		const records = await waitForRecords(
			app,
			(rs) => rs.some((r) => r.type === 'event' && r.name === 'small') && rs.some(counted),
			20_000
		);
		console.log(
			`the small event and the dropped record stored ${Date.now() - started} ms after tracking`
		);
		expect(records.filter((r) => r.type === 'event').map((r) => r.name)).toEqual(['small']);
		expect(records.filter(counted)).toHaveLength(1);
		expect(await pending(page)).toEqual([]);
		expect(await page.evaluate(() => document.visibilityState)).toBe('visible');
		expect(Math.max(...bodies)).toBeLessThan(64 * 1024);
		expect(warnings.filter((w) => w.includes('dropped'))).toEqual([
			expect.stringMatching(
				/^couchstats: event of \d+ bytes dropped: the ingest takes 4096 at most$/
			)
		]);
		await context.close();
	} finally {
		await app.stop();
	}
});
