/**
 * Live pages: a visitor browses the demo site in one browser context while an owner
 * watches the dashboard in another, and the owner's numbers change without a reload
 * (journeys and paths on their Refresh only);
 * the public /stats page does the same for anyone, keeps following after the app
 * restarts, and stays as it was, marked not up to date, when a re-read fails. Real Chromium,
 * the built app, its CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ownerPage } from './owner-support';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { startTrackedApp, useTrackedApp, visitPage, visitStored } from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp(
	(started) => ({ app, visitorBrowser } = started),
	() => app
);

/** The number a headline card shows. */
async function metric(page: Page, key: string): Promise<number> {
	const text = await page.locator(`[data-metric="${key}"] dd`).first().textContent();
	return Number((text ?? '').replace(/[^\d]/g, ''));
}

/** Opens a page of the demo site as a visitor (visitPage), as a reader who stays a moment would. */
const visit = (page: Page, path: string) => visitPage(app, page, path);

/** Marks the document, so that a reload (which would drop the mark) can be detected. */
async function mark(page: Page) {
	await page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));
}
async function marked(page: Page): Promise<boolean> {
	return page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark === 1);
}

test("the owner's dashboard counts a visitor's pageviews without a reload", async ({ browser }) => {
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner.getByRole('heading', { level: 1 })).toHaveText('couchstats demo');
	await expect(owner.getByText('Live', { exact: true })).toBeVisible();
	const before = await metric(owner, 'pageviews');
	await mark(owner);
	const journeys = owner.locator('#journeys');
	const paths = owner.locator('#paths');
	await expect(journeys).not.toContainText('/blog');

	const visitor = await (await visitorBrowser.newContext()).newPage();
	await visit(visitor, '/blog');
	await visit(visitor, '/about');
	// Leaving a page delivers its records at once (pagehide); the last page's own
	// pageview waits for the tracker's batch window.
	await expect.poll(() => metric(owner, 'pageviews'), { timeout: 30_000 }).toBeGreaterThan(before);
	await expect(owner.getByTestId('latest-events')).toContainText('/blog');
	// Journeys and paths are not re-read by live pushes, only by their Refresh.
	await expect(journeys).not.toContainText('/blog');
	await expect(paths).not.toContainText('/blog');
	await owner.getByRole('button', { name: 'Refresh journeys' }).click();
	await expect(journeys).toContainText('/blog');
	await expect(paths).toContainText('/blog');
	await expect(owner.locator('#pages')).toContainText('/blog');
	expect(await metric(owner, 'visitors')).toBeGreaterThanOrEqual(1);
	await expect
		.poll(async () => Number(await owner.getByTestId('active-now').textContent()))
		.toBeGreaterThanOrEqual(1);
	expect(await marked(owner)).toBe(true);
});

/** The owner's dashboard of the demo site for today, once its stream is live. */
async function liveDashboard(browser: Browser): Promise<Page> {
	const page = await ownerPage(browser, app);
	await page.goto(`${app.url}/sites/demo?range=today`);
	await expect(page.getByText('Live', { exact: true })).toBeVisible();
	return page;
}

/** A visitor views `paths` and leaves once `watching`, a live dashboard, counts them. */
async function visitAndLeave(watching: Page, before: number, paths: string[]) {
	const context = await visitorBrowser.newContext();
	const visitor = await context.newPage();
	for (const path of paths) await visit(visitor, path);
	await expect
		.poll(() => metric(watching, 'pageviews'), { timeout: 30_000 })
		.toBe(before + paths.length);
	await context.close();
}

test("a dashboard opened after a visitor's pageviews lists them under Latest events at once", async ({
	browser
}) => {
	const watching = await liveDashboard(browser);
	// Gone before the dashboard opens: only its first read can list the pageviews.
	await visitAndLeave(watching, await metric(watching, 'pageviews'), ['/pricing', '/your-data']);
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const latest = owner.getByTestId('latest-events');
	await expect(latest).toContainText('pageview /your-data');
	await expect(latest).toContainText('pageview /pricing');
});

test('a live visitor on a page that reads otherwise than recorded: the realtime panel gives screen readers the recorded path', async ({
	browser
}) => {
	// Where the visitor is now, as the live visitor's link (its description) and the
	// table of current pages (in line, read and not shown) say it, as every path does.
	const recorded = '/no-such-%E4%BE%A1%E6%A0%BC';
	const visitor = await (await visitorBrowser.newContext()).newPage();
	await visitStored(app, visitor, recorded);
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const live = owner
		.getByTestId('live-visitors')
		.getByRole('link', { name: /on \/no-such-価格 · / });
	await expect(live).toHaveCount(1);
	await expect.soft(live).toHaveAccessibleDescription(`recorded as ${recorded}`);
	const current = owner.getByRole('table', { name: 'Active visitors by current page' });
	await expect(current.getByRole('rowheader', { name: /^\/no-such-価格/ })).toHaveCount(1);
	await expect
		.soft(current.getByRole('rowheader', { name: `/no-such-価格 (recorded as ${recorded})` }))
		.toHaveCount(1);
	await visitor.context().close();
});

test('a dashboard opened with a full Latest events list takes the next pageview into it', async ({
	browser
}) => {
	// An outside review: with 15 or more listed records in the last 30 minutes, the first
	// record streamed in made the Realtime panel fail ("This widget could not be shown").
	const watching = await liveDashboard(browser);
	const context = await visitorBrowser.newContext();
	const busy = await context.newPage();
	for (let i = 0; i < 15; i++) await visit(busy, `/busy-${i}`);
	// Stored before the context closes: a request on its way when it closes is cut off.
	await visitStored(app, busy, '/busy-15');
	await context.close();
	await expect(watching.getByTestId('latest-events')).toContainText('/busy-15', {
		timeout: 30_000
	});
	const owner = await liveDashboard(browser);
	const latest = owner.getByTestId('latest-events');
	await expect(latest.getByRole('listitem')).toHaveCount(15);
	const visitor = await (await visitorBrowser.newContext()).newPage();
	await visitStored(app, visitor, '/no-such-page-live');
	await visitor.context().close();
	await expect(latest).toContainText('/no-such-page-live', { timeout: 30_000 });
	await expect(latest.getByRole('listitem')).toHaveCount(15);
	await expect(owner.getByText('This widget could not be shown')).toHaveCount(0);
});

test('a pageview made after the dashboard was read but before its live stream started is counted and listed at once', async ({
	browser
}) => {
	// An outside review: a pageview made just after the dashboard loaded never showed.
	const watching = await liveDashboard(browser);
	const owner = await ownerPage(browser, app);
	// The owner's stream is held until the visitor's pageview is stored.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await owner.route('**/api/v1/live**', async (route) => {
		await held;
		await route.continue();
	});
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const before = await metric(owner, 'pageviews');
	await visitAndLeave(watching, before, ['/about', '/blog']);
	release();
	// Well before the dashboard's 30-s refresh: the stream's `missed` brought the re-read.
	await expect.poll(() => metric(owner, 'pageviews'), { timeout: 15_000 }).toBe(before + 2);
	await expect(owner.getByTestId('latest-events')).toContainText('pageview /about');
});

test('the public /stats page shows the new pageviews of a post with its title, without a reload, also after the app restarts', async ({
	browser
}) => {
	const watcher = await (await browser.newContext()).newPage();
	await watcher.goto(`${app.url}/stats`);
	await expect(watcher.getByRole('heading', { level: 1 })).toBeVisible();
	await expect(watcher.getByText('Live', { exact: true })).toBeVisible();
	await mark(watcher);
	const before = await metric(watcher, 'pageviews');
	// The engagement rate says what it divides, as on the owner's dashboard.
	await expect(watcher.locator('[data-metric="engagement"] dt')).toContainText(
		/\d+ engaged of \d+ actual sessions? \(10 s\+\)/
	);

	const visitor = await (await visitorBrowser.newContext()).newPage();
	await visit(visitor, '/blog/hello-couchstats');
	const title = (await visitor.getByRole('heading', { level: 1 }).textContent())!.trim();
	await visit(visitor, '/');
	await expect
		.poll(() => metric(watcher, 'pageviews'), { timeout: 30_000 })
		.toBeGreaterThan(before);
	const row = watcher
		.getByRole('region', { name: 'Views by page' })
		.locator('tr', { hasText: title });
	await expect(row).toContainText('Post');

	// Restart the app on the same port and data: the page reconnects by itself.
	const { port, dataDir } = app;
	await app.stop();
	await expect(watcher.getByText('Reconnecting…')).toBeVisible();
	app = await startTrackedApp({ port, dataDir });
	await expect(watcher.getByText('Live', { exact: true })).toBeVisible({ timeout: 30_000 });
	const afterRestart = await metric(watcher, 'pageviews');
	await visit(visitor, '/blog');
	await visit(visitor, '/');
	await expect
		.poll(() => metric(watcher, 'pageviews'), { timeout: 30_000 })
		.toBeGreaterThan(afterRestart);
	expect(await marked(watcher)).toBe(true);
});

/** The live pages, each opened as its viewer opens it. */
const LIVE_PAGES: { name: string; open: (browser: Browser) => Promise<Page> }[] = [
	{
		name: 'the public /stats page',
		open: async (browser) => {
			const page = await (await browser.newContext()).newPage();
			await page.goto(`${app.url}/stats`);
			return page;
		}
	},
	{
		name: "the owner's dashboard",
		open: async (browser) => {
			const page = await ownerPage(browser, app);
			await page.goto(`${app.url}/sites/demo?range=today`);
			return page;
		}
	}
];

for (const { name, open } of LIVE_PAGES) {
	test(`${name}: a re-read the server does not answer leaves the page and its numbers as they were, marked not up to date, and a later try updates them with no new push`, async ({
		browser
	}) => {
		const watcher = await open(browser);
		await expect(watcher.getByText('Live', { exact: true })).toBeVisible();
		await mark(watcher);
		const before = await metric(watcher, 'pageviews');
		// Every request but the open stream's fails, as while the server restarts and the
		// stream has pushed its last records.
		let failedReads = 0;
		const unanswered = (url: URL) => !url.pathname.startsWith('/api/v1/live');
		await watcher.route(unanswered, (route) => {
			if (route.request().resourceType() === 'fetch') failedReads++;
			return route.abort('connectionrefused');
		});
		const visitor = await (await visitorBrowser.newContext()).newPage();
		await visit(visitor, '/pricing');
		await visit(visitor, '/');
		await expect.poll(() => failedReads, { timeout: 30_000 }).toBeGreaterThan(0);
		// The stream is still connected, but the numbers on screen are not the latest.
		await expect(watcher.getByText('Not up to date, retrying…')).toBeVisible();
		expect(await metric(watcher, 'pageviews')).toBe(before);
		expect(await marked(watcher)).toBe(true);

		// Answered again: a later try brings the numbers up to date, with no new record
		// pushed to ask for it (a try waits at most 30 s).
		await watcher.unroute(unanswered);
		await expect
			.poll(() => metric(watcher, 'pageviews'), { timeout: 45_000 })
			.toBeGreaterThan(before);
		await expect(watcher.getByText('Live', { exact: true })).toBeVisible();
		expect(await marked(watcher)).toBe(true);
	});
}

/**
 * Makes the demo site a new share link (replacing any) as its owner; the owner's page,
 * left on the settings, and the link.
 */
async function newShareLink(browser: Browser): Promise<{ owner: Page; shareUrl: string }> {
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.getByRole('button', { name: /share link/ }).click();
	const link = owner.getByRole('link', { name: /\/share\/shr_/ });
	return { owner, shareUrl: (await link.textContent())!.trim() };
}

test('a share link’s secret is never recorded, so neither the owner nor the public page shows it', async ({
	browser
}) => {
	const { owner, shareUrl } = await newShareLink(browser);
	const secret = shareUrl.split('/share/')[1];

	const watcher = await (await browser.newContext()).newPage();
	await watcher.goto(`${app.url}/stats`);
	await expect(watcher.getByText('Live', { exact: true })).toBeVisible();

	const visitor = await (await visitorBrowser.newContext()).newPage();
	// The share page sends nothing to the ingest, so it is a plain navigation.
	await visitor.goto(`${app.url}/share/${secret}`);
	await visit(visitor, '/pricing');
	// Wait for this very pageview on the live public page (a count alone could move
	// with a late record of an earlier visit).
	await expect(watcher.locator('main')).toContainText('/pricing', { timeout: 30_000 });
	// The tracker runs only on the demo site's pages: the pricing visit is counted, the
	// share page is not, so its path is in no record — not on the owner's dashboard …
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner.locator('#pages')).toContainText('/pricing');
	await expect(owner.locator('#pages')).not.toContainText('/share/');
	// … and not on the public page, in any table or in the latest events.
	await expect(watcher.locator('main')).not.toContainText(secret);
	await watcher.reload();
	await expect(watcher.locator('main')).not.toContainText(secret);
	await expect(watcher.locator('main')).not.toContainText('/share/');
});

/** Counts the requests `page` makes to the live endpoint from now on. */
function liveRequests(page: Page): () => number {
	let count = 0;
	page.on('request', (request) => {
		if (new URL(request.url()).pathname === '/api/v1/live') count++;
	});
	return () => count;
}

/**
 * Asserts that `page` (its clock installed) asks the live endpoint no more: its timers run
 * a minute ahead (a retry waited 3 s), then the page asks for something else, which comes
 * after any request those timers started.
 */
async function asksNoMore(page: Page, count: () => number) {
	const before = count();
	await page.clock.runFor(60_000);
	const [later] = await Promise.all([
		page.waitForResponse((res) => res.url().endsWith('/robots.txt?later')),
		page.evaluate(() => fetch('/robots.txt?later').then((res) => res.text()))
	]);
	expect(later.ok()).toBe(true);
	expect(count()).toBe(before);
}

test("the owner's dashboard says at once that the session ended when the owner logs out in another tab, keeps its numbers and stops asking", async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	await owner.clock.install();
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const status = owner.locator('#realtime').getByRole('status');
	await expect(status).toHaveText('Live');
	const pageviews = await metric(owner, 'pageviews');
	const asked = liveRequests(owner);
	const other = await owner.context().newPage();
	await other.goto(`${app.url}/sites`);
	await other.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
	await other.waitForURL(`${app.url}/login`);
	await other.close();
	// Sooner than the stream's 15-s keep-alive: the logout ends it.
	const ended = owner.getByRole('alert').filter({ hasText: 'Your session has ended' });
	await expect(ended).toBeVisible({ timeout: 10_000 });
	await expect(status).toHaveText('Not up to date');
	expect(await metric(owner, 'pageviews')).toBe(pageviews);
	expect(owner.url()).toBe(`${app.url}/sites/demo?range=today`);
	await asksNoMore(owner, asked);

	// Its link logs in again and comes back to this very page.
	await ended.getByRole('link', { name: 'Log in again' }).click();
	await owner.waitForURL(/\/login\?redirectTo=/);
	await owner.getByLabel('Account name').fill(app.adminName);
	await owner.getByLabel('Password').fill(ADMIN_PASSWORD);
	await owner.getByRole('button', { name: 'Log in' }).click();
	await owner.waitForURL(`${app.url}/sites/demo?range=today`);
	await expect(status).toHaveText('Live');
});

test('a share page says the link was turned off when its owner turns it off, keeps its numbers and stops asking', async ({
	browser
}) => {
	const { owner, shareUrl } = await newShareLink(browser);

	const viewer = await (await browser.newContext()).newPage();
	await viewer.clock.install();
	await viewer.goto(`${shareUrl}?range=today`);
	const status = viewer.locator('#realtime').getByRole('status');
	await expect(status).toHaveText('Live');
	const pageviews = await metric(viewer, 'pageviews');
	const asked = liveRequests(viewer);

	await owner.getByRole('button', { name: 'Disable it' }).click();
	await expect(owner.getByText('Share link disabled.')).toBeVisible();
	await expect(
		viewer
			.getByRole('alert')
			.filter({ hasText: 'This share link was turned off or no longer works' })
	).toBeVisible({ timeout: 10_000 });
	await expect(status).toHaveText('Not up to date');
	expect(await metric(viewer, 'pageviews')).toBe(pageviews);
	await asksNoMore(viewer, asked);
});
