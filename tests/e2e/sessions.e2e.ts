/**
 * Sessions in the browser: a visitor browses in one browser context while the owner
 * watches the dashboard's realtime panel in another; the visitor appears there as a live
 * visitor without a reload, the owner follows its link to the session's timeline, which
 * shows the visit's pages and event in order, and finds the session in the session list.
 * A second, converting visit then shows the list under the dashboard's filters.
 * Real Chromium, the built app, its embedded store.
 */
import type { Browser, Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import {
	convertingVisit,
	routeStandalonePage,
	trackEvent,
	useTrackedApp,
	waitForRecords
} from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let visitorBrowser: Browser;
/** The visit's session id, from the first test. */
let sid = '';
useTrackedApp((started) => ({ app, visitorBrowser } = started));

test('a visit shows as a live visitor without a reload, and its timeline and list entry show its pages and event in order', async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner.getByText('Live', { exact: true })).toBeVisible();
	await owner.evaluate(() => ((window as unknown as { mark: number }).mark = 1));

	// The visit: a page with the standalone tracker, an event, then a second page.
	const context = await visitorBrowser.newContext();
	await routeStandalonePage(context, app, '/visit/');
	const visitor = await context.newPage();
	await visitor.goto(`${app.url}/visit/one`);
	await visitor.waitForFunction(() => 'couchstats' in window);
	await trackEvent(visitor, 'signup', { plan: 'pro' });
	await Promise.all([
		visitor.waitForRequest((request) => request.url().includes('/api/ingest')),
		visitor.goto(`${app.url}/visit/two`)
	]);

	// The realtime panel lists the visitor at its current page, without a reload.
	const live = owner.getByTestId('live-visitors').getByRole('link', { name: /on \/visit\/two/ });
	await expect(live).toContainText('2 pages', { timeout: 30_000 });
	await expect(live).toContainText('Chrome');
	expect(await owner.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(1);

	// Its link opens the session's timeline: both pages and the event, in order.
	await live.click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\/[0-9a-f-]{36}$/);
	const timeline = owner.getByTestId('session-timeline').locator('li');
	const steps = timeline.filter({ hasNotText: /Heartbeat|Milestone/ });
	await expect(steps).toHaveCount(3);
	await expect(steps.nth(0)).toContainText('Pageview');
	await expect(steps.nth(0)).toContainText('/visit/one');
	await expect(steps.nth(1)).toContainText('Event signup');
	await expect(steps.nth(1)).toContainText('plan=pro');
	await expect(steps.nth(2)).toContainText('Pageview');
	await expect(steps.nth(2)).toContainText('/visit/two');
	await expect(steps.nth(2)).toContainText('from /visit/one');
	await expect(owner.getByTestId('session-summary')).toContainText('/visit/one → /visit/two');
	const sessionUrl = owner.url();
	sid = sessionUrl.split('/').pop()!;

	// The session list (linked from the app header) has the session, linking to the timeline.
	await owner.getByRole('link', { name: 'Sessions', exact: true }).click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions$/);
	await expect(owner.getByTestId('session-total')).toHaveText('1');
	const row = owner.getByTestId('session-list').locator('tbody tr');
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('/visit/one → /visit/two');
	await expect(row).toContainText('new visitor');
	// On a phone the table scrolls sideways, and the start time (the row's link) stays in view.
	await owner.setViewportSize({ width: 390, height: 800 });
	const box = owner.getByTestId('session-list').locator('xpath=..');
	await box.evaluate((element) => (element.scrollLeft = element.scrollWidth));
	await expect.poll(() => box.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);
	const [start, scroller] = await Promise.all([row.locator('th').boundingBox(), box.boundingBox()]);
	expect(start!.x).toBeGreaterThanOrEqual(scroller!.x - 1);
	await owner.setViewportSize({ width: 1280, height: 720 });
	await row.getByRole('link').click();
	await expect(owner).toHaveURL(sessionUrl);
});

test("a share link shows the session list and a session's timeline only once the owner switches sessions on", async ({
	browser
}) => {
	expect(sid, 'the first test recorded a session').not.toBe('');
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.getByRole('button', { name: 'Create a share link' }).click();
	const shareUrl = (await owner.getByRole('status').getByRole('link').getAttribute('href'))!;
	const timelineUrl = `${shareUrl}/sessions/${sid}`;

	const viewer = await (await browser.newContext()).newPage();
	expect((await viewer.goto(timelineUrl))!.status()).toBe(404);
	expect((await viewer.goto(`${shareUrl}/sessions`))!.status()).toBe(404);
	await viewer.goto(shareUrl);
	await expect(viewer.getByRole('heading', { name: 'Overview' })).toBeVisible();
	await expect(viewer.getByRole('link', { name: 'Sessions', exact: true })).toHaveCount(0);
	const api = `${app.url}/api/v1/sessions?site=demo&share=${shareUrl.split('/').pop()}`;
	// Node's fetch (it honours the app's keep-alive timeout between the two reads).
	expect((await fetch(api)).status).toBe(403);

	await owner.getByRole('button', { name: 'Show sessions on it' }).click();
	// The settings page has other statuses too (each snippet's copy button).
	await expect(owner.getByRole('status').filter({ hasText: 'The share link' })).toHaveText(
		'The share link shows sessions.'
	);
	expect((await viewer.goto(timelineUrl))!.status()).toBe(200);
	await expect(viewer.getByTestId('session-timeline')).toContainText('/visit/two');
	// Back to the share link's own list (an outside review: the owner's timeline had one).
	await expect(viewer.getByRole('link', { name: '← Sessions' })).toHaveAttribute(
		'href',
		`${new URL(shareUrl, app.url).pathname}/sessions`
	);
	expect((await fetch(api)).status).toBe(200);

	// The shared dashboard now links to the session list, whose row opens the timeline.
	await viewer.goto(shareUrl);
	await viewer.getByRole('link', { name: 'Sessions', exact: true }).click();
	await expect(viewer).toHaveURL(`${shareUrl}/sessions`);
	await expect(viewer.getByTestId('session-total')).toHaveText('1');
	const row = viewer.getByTestId('session-list').locator('tbody tr');
	await expect(row).toContainText('/visit/one → /visit/two');
	const csv = viewer.getByRole('link', { name: /CSV/ });
	const exported = await fetch(`${app.url}${await csv.getAttribute('href')}`);
	expect(exported.status).toBe(200);
	expect(await exported.text()).toContain('/visit/two');
	await row.getByRole('link').click();
	await expect(viewer).toHaveURL(timelineUrl);
});

test("the dashboard's filter opens the session list filtered: only the sessions it keeps, until it is cleared", async ({
	browser
}) => {
	expect(sid, 'the first test recorded a session').not.toBe('');
	// A second session: lands on /, goes to /pricing and starts (event cta-start).
	await convertingVisit(app, visitorBrowser);
	const owner = await ownerPage(browser, app);
	const rows = owner.getByTestId('session-list').locator('tbody tr');
	// Both sessions listed once the views have indexed the second. Last 7 days, not today:
	// a run may cross midnight UTC between the visits and the reads.
	await expect(async () => {
		await owner.goto(`${app.url}/sites/demo/sessions?range=7d`);
		await expect(rows).toHaveCount(2, { timeout: 1_000 });
		await expect(owner.getByTestId('session-total')).toHaveText('2', { timeout: 1_000 });
	}).toPass({ timeout: 30_000 });

	// The dashboard under the first visit's event links to the list under it.
	await owner.goto(`${app.url}/sites/demo?range=7d&event=signup`);
	await owner.getByRole('link', { name: 'Session list' }).click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\?range=7d&event=signup$/);
	await expect(owner.getByTestId('filter-bar')).toContainText('Filtered by event signup');
	await expect(owner.getByTestId('session-total')).toHaveText('1');
	const summary = owner.locator('p', { has: owner.getByTestId('session-total') });
	await expect(summary).toContainText('1 session fired it from');
	await expect(rows).toHaveCount(1);
	await expect(rows).toContainText('/visit/one → /visit/two');

	// The landing page of the second visit keeps only it.
	await owner.goto(`${app.url}/sites/demo/sessions?range=7d&page=/`);
	await expect(owner.getByTestId('session-total')).toHaveText('1');
	await expect(rows).toHaveCount(1);
	await expect(rows).toContainText('/ → /pricing');

	// Clearing the filter lists both again.
	await owner.getByRole('link', { name: 'Remove filter' }).click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\?range=7d$/);
	await expect(owner.getByTestId('filter-bar')).toHaveCount(0);
	await expect(rows).toHaveCount(2);
});

/** Waits until `page` scrolls no more sideways: nothing runs past the screen's edge. */
const noSidewaysScroll = (page: Page) =>
	expect
		.poll(() =>
			page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			)
		)
		.toBeLessThanOrEqual(0);

test("a session's timeline shows its pages as the session list does, decoded, and long unbroken visitors' text wraps at 390 px", async ({
	browser
}) => {
	// The longest event name the tracker allows, a long path, prop value and campaign
	// source, none with a place to break; the landing page's path is percent-encoded.
	const name = 'x'.repeat(64);
	const long = `/visit/${'p'.repeat(200)}`;
	const context = await visitorBrowser.newContext();
	await routeStandalonePage(context, app, '/visit/');
	const visitor = await context.newPage();
	await visitor.goto(`${app.url}/visit/café?utm_source=${'s'.repeat(100)}`);
	await visitor.waitForFunction(() => 'couchstats' in window);
	await trackEvent(visitor, name, { note: 'v'.repeat(200) });
	await Promise.all([
		visitor.waitForRequest((request) => request.url().includes('/api/ingest')),
		visitor.goto(`${app.url}${long}`)
	]);
	await visitor.goto('about:blank');
	await waitForRecords(app, (records) => records.some((r) => r.path === long));

	// The session list, under the event, shows its entry and exit decoded, the entry's
	// recorded form after it for screen readers (read, not shown).
	const recorded = '/visit/caf%C3%A9';
	const owner = await ownerPage(browser, app);
	const row = owner.getByTestId('session-list').locator('tbody tr');
	await expect(async () => {
		await owner.goto(`${app.url}/sites/demo/sessions?range=7d&event=${name}`);
		await expect(row).toHaveCount(1, { timeout: 1_000 });
		await expect(row).toContainText(`/visit/café (recorded as ${recorded}) → ${long}`, {
			timeout: 1_000
		});
	}).toPass({ timeout: 30_000 });

	// A path shown decoded gives the recorded one on hover, as the dashboard's tables do;
	// one that reads as recorded, none.
	/** The titles of the paths shown in `where`, by the text they show. */
	const titles = (where: Locator) =>
		where
			.locator('[title]', { has: owner.locator('.quoted') })
			.evaluateAll((spans) =>
				spans.map((span) => [
					span.querySelector('.quoted')!.textContent,
					span.getAttribute('title')
				])
			);
	expect(await titles(row)).toEqual([['/visit/café', recorded]]);
	// On a phone the list's table scrolls in its box, the page not at all (an outside probe:
	// a long tail's sources and paths widened the whole page).
	await owner.setViewportSize({ width: 390, height: 800 });
	await noSidewaysScroll(owner);
	await owner.setViewportSize({ width: 1280, height: 720 });

	// Its timeline reads them as the list does.
	await row.getByRole('link').click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\/[0-9a-f-]{36}$/);
	const timeline = owner.getByTestId('session-timeline');
	await expect(timeline).toContainText(`Event ${name}`);
	await expect(owner.getByTestId('session-summary')).toContainText(
		`/visit/café (recorded as ${recorded}) → ${long}`
	);
	await expect(timeline.locator('li.pageview').first()).toContainText('/visit/café');
	await expect(timeline).toContainText('from /visit/café');
	expect(await titles(owner.getByTestId('session-summary'))).toEqual([['/visit/café', recorded]]);
	// The first pageview's path, the event's and the heartbeats' on it, and the second
	// pageview's `from`: each with its title.
	const shown = await titles(timeline);
	expect(shown.length).toBeGreaterThanOrEqual(3);
	expect(new Set(shown.map((pair) => pair.join(' ')))).toEqual(
		new Set([`/visit/café ${recorded}`])
	);
	await expect(
		timeline.locator('li.pageview .detail [title]', { hasText: '/visit/café' })
	).toHaveAttribute('title', recorded);

	// On a phone nothing runs past the screen's edge.
	await owner.setViewportSize({ width: 390, height: 800 });
	await noSidewaysScroll(owner);
	// Nor past its column into the next one (the 9rem of an event's name on a wide screen).
	await owner.setViewportSize({ width: 1280, height: 720 });
	const what = timeline.locator('li.event .what');
	await expect
		.poll(() => what.evaluate((element) => element.scrollWidth - element.clientWidth))
		.toBeLessThanOrEqual(0);
});
