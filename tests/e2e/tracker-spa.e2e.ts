/**
 * A single-page app's client-side page views with the standalone script: each carries
 * its own page's title, which routers set after `pushState` (in a later task, or a later
 * frame), and an event tracked before the title is set is recorded on the new page, after
 * its page view.
 */
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import {
	CHROME_UA,
	emulateFocus,
	holdCore,
	keepFakeClock,
	routeStandalonePage,
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

test("each client-side page view carries its own page's title, however late the router sets it, and an event before the title follows its page view", async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/spa/');
	const page = await context.newPage();
	await page.goto(app.url + '/spa/home');
	await page.waitForFunction(
		() => 'enabled' in (window as unknown as { couchstats: object }).couchstats
	);
	// The router's order: pushState, then (a task later) the title; then its replaceState.
	await page.evaluate(() => {
		history.pushState({}, '', '/spa/settings');
		setTimeout(() => {
			document.title = 'Settings';
			history.replaceState({ scroll: 0 }, '', '/spa/settings');
		}, 50);
	});
	await page.waitForFunction(() => document.title === 'Settings');
	// A frame later, and an event tracked before the title is set.
	await page.evaluate(() => {
		history.pushState({}, '', '/spa/billing');
		(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('upgrade');
		requestAnimationFrame(() => (document.title = 'Billing'));
	});
	await page.waitForFunction(() => document.title === 'Billing');
	await page.evaluate(() => {
		history.pushState({}, '', '/spa/help');
		requestAnimationFrame(() => (document.title = 'Help'));
	});
	const records = await waitForRecords(app, (rs) =>
		rs.some((r) => r.type === 'pageview' && r.path === '/spa/help')
	);
	// Records of one millisecond tie: a page view sorts before the event made with it.
	const made = records
		.filter((r) => r.path.startsWith('/spa/') && (r.type === 'pageview' || r.type === 'event'))
		.sort((a, b) => a.ts - b.ts || +(a.type === 'event') - +(b.type === 'event'))
		.map((r) => [r.type, r.path, r.type === 'pageview' ? r.title : 'name' in r ? r.name : '']);
	expect(made).toEqual([
		['pageview', '/spa/home', 'Fixture'],
		['pageview', '/spa/settings', 'Settings'],
		// The event came before the router set the title: the page view went first, as it was.
		['pageview', '/spa/billing', 'Settings'],
		['event', '/spa/billing', 'upgrade'],
		['pageview', '/spa/help', 'Help']
	]);
	await context.close();
});

test('the landing page and every client-side page view keep the address, title and time they had, however late the tracker core arrives', async ({
	browser
}) => {
	// An outside review held the core back 3 s: the app had stripped the UTM parameters and
	// moved on by then, and the landing page was never recorded.
	const context = await browser.newContext({ userAgent: CHROME_UA });
	// The page's clock is moved 3 s on while the core is held (the server's would correct
	// the records to the real now).
	await keepFakeClock(context);
	await routeStandalonePage(context, app, '/late/');
	const release = await holdCore(context);
	const page = await context.newPage();
	await page.clock.install();
	await page.goto(app.url + '/late/landing?utm_source=late&utm_campaign=slowcore', {
		waitUntil: 'domcontentloaded'
	});
	// Each page view takes its own page's title, not the one the core finds (an outside
	// re-check: page views queued while the core was held took the last page's title).
	await page.evaluate(() => {
		document.title = 'Landing';
		history.replaceState({}, '', '/late/landing');
		history.pushState({}, '', '/late/pricing');
		document.title = 'Pricing';
		history.pushState({}, '', '/late/docs');
		document.title = 'Docs';
	});
	// Each page view at the time it happened, not when the core arrived (an outside
	// re-check: 3.2 s late with the core held 3 s).
	const queued = await page.evaluate(() => Date.now());
	await page.clock.runFor(3000);
	release();
	const records = await waitForRecords(app, (rs) =>
		rs.some((r) => r.type === 'pageview' && r.path === '/late/docs')
	);
	const views = records
		.filter((r) => r.type === 'pageview' && r.path.startsWith('/late/'))
		.sort((a, b) => a.ts - b.ts)
		.map((r) => (r.type === 'pageview' ? [r.path, r.title, r.entry, r.utm] : []));
	expect(views).toEqual([
		['/late/landing', 'Landing', true, { source: 'late', campaign: 'slowcore' }],
		['/late/pricing', 'Pricing', false, undefined],
		['/late/docs', 'Docs', false, undefined]
	]);
	const times = records
		.filter((r) => r.type === 'pageview' && r.path.startsWith('/late/'))
		.map((r) => r.ts);
	expect(times.every((ts) => ts <= queued)).toBe(true);
	await context.close();
});

test('a second copy of the script on a page changes nothing, and the console says so', async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	const src = `${app.url}/couchstats.js`;
	const twice = `<script defer data-site="demo" data-allow-automation="true" src="${src}"></script>`;
	await context.route(`${app.url}/twice/**`, (route) =>
		route.fulfill({
			contentType: 'text/html',
			body: `<!doctype html><title>Twice</title>${twice}${twice.replace('demo', 'other')}<h1>Twice</h1>`
		})
	);
	const page = await context.newPage();
	const errors: string[] = [];
	const warnings: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
	await page.goto(app.url + '/twice/page');
	const records = await waitForRecords(app, (rs) => rs.some((r) => r.path === '/twice/page'));
	expect(records.filter((r) => r.path === '/twice/page' && r.type === 'pageview')).toHaveLength(1);
	expect(errors).toEqual([]);
	expect(warnings).toContainEqual(
		'couchstats: couchstats.js is on this page twice; only the first counts (data-site "demo"): a page feeds one site'
	);
	await context.close();
});

test('page views queued while the tracker core is held keep their real times, order and engaged time, each heartbeat after its page view', async ({
	browser
}) => {
	// An outside re-check (core held 2.5 s): the queued page views were all stamped at the
	// core's arrival, two in one millisecond, so the session's timeline listed /fourth
	// before /third and a heartbeat before its page view, and the pages had ~0 ms engaged.
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/held/');
	const release = await holdCore(context);
	const page = await context.newPage();
	await emulateFocus(page);
	await page.goto(app.url + '/held/land', { waitUntil: 'domcontentloaded' });
	// Three client-side page views 400 ms apart, each noting when it happened.
	const times = await page.evaluate(async () => {
		const at = [Date.now()];
		for (const path of ['/held/second', '/held/third', '/held/fourth']) {
			await new Promise((resolve) => setTimeout(resolve, 400));
			history.pushState({}, '', path);
			document.title = path;
			at.push(Date.now());
		}
		return at;
	});
	// The core arrives 800 ms into /held/fourth.
	await page.waitForTimeout(800);
	release();
	// Engaged a while on /held/fourth, then away: its heartbeat.
	await page.waitForFunction(() => 'enabled' in (window as { couchstats?: object }).couchstats!);
	await page.waitForTimeout(1500);
	const left = await page.evaluate(() => Date.now());
	await page.goto('about:blank');
	const paths = ['/held/land', '/held/second', '/held/third', '/held/fourth'];
	const records = (
		await waitForRecords(app, (rs) =>
			rs.some((r) => r.type === 'heartbeat' && r.path === '/held/fourth')
		)
	).filter((r) => r.path.startsWith('/held/') && r.type != 'milestone');
	// The session timeline's order (sessions.ts timeline: time, then id).
	records.sort((a, b) => a.ts - b.ts || a._id.localeCompare(b._id));
	expect(records.map((r) => [r.type, r.path])).toEqual(
		paths.flatMap((p) => [
			['pageview', p],
			['heartbeat', p]
		])
	);
	// Each page view at the time it happened (the landing page's script ran before the
	// first time noted; the server's clock is this machine's), not when the core arrived.
	const views = records.filter((r) => r.type === 'pageview');
	for (const [i, view] of views.entries()) {
		expect(Math.abs(view.ts - times[i]), view.path).toBeLessThan(i ? 150 : 1000);
	}
	// The pages left before the core arrived, engaged until the next one.
	const engaged = records.flatMap((r) => (r.type === 'heartbeat' ? [r.engagedMs] : []));
	for (const [i, ms] of engaged.slice(0, 3).entries()) {
		expect(ms, paths[i]).toBeGreaterThanOrEqual(i ? 300 : times[1] - views[0].ts - 50);
		expect(ms, paths[i]).toBeLessThanOrEqual(times[i + 1] - views[i].ts + 50);
	}
	// The page on screen as the core arrived, engaged from its view until it was left.
	expect(Math.abs(engaged[3] - (left - times[3])), paths[3]).toBeLessThan(300);
	await context.close();
});
