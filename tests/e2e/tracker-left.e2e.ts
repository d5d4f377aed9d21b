/**
 * A site of full page loads whose tracker core is slow: a page left before the core
 * arrived is recorded by the next page's core, from what the standalone loader saved as
 * the page went (loader.ts `save`, left-pages.ts), at its own time, with its engaged time,
 * as the visit's entry; and once only.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	CHROME_UA,
	emulateFocus,
	holdCore,
	routeStandalonePage,
	scriptVisibility,
	setVisible,
	startTrackedApp,
	waitForRecords
} from './tracker-support';

test.describe.configure({ timeout: 90_000 });

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

/** A context whose pages under `prefix` are the standalone page with a link (`#next`) to `${prefix}second`. */
async function linkedContext(browser: Browser, prefix: string) {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	const body = `<h1>Fixture</h1><p><a id="next" href="${prefix}second">next</a></p>`;
	await routeStandalonePage(context, app, prefix, {}, body);
	return context;
}

/** Follows the page's link to `${prefix}second`, once that page's document has loaded. */
const follow = (page: Page, prefix: string) =>
	Promise.all([
		page.waitForURL(`**${prefix}second`, { waitUntil: 'domcontentloaded' }),
		page.click('#next')
	]);

test('a page left by a link before the tracker core arrived is recorded by the next page, as the visit’s entry, with its engaged time', async ({
	browser
}) => {
	// An outside test in Chromium, the core held: /h1 engaged 3.1 s, a link to /second, the
	// core released 3 s later, 3 s more. /h1 was never recorded, and the visit began on
	// /second (its entry, 1 page, bounced).
	const context = await linkedContext(browser, '/left/');
	const release = await holdCore(context);
	const page = await context.newPage();
	await emulateFocus(page);
	await page.goto(app.url + '/left/h1', {
		waitUntil: 'domcontentloaded',
		referer: 'https://news.example/item'
	});
	const landed = await page.evaluate(() => Date.now());
	await page.waitForTimeout(3100);
	const left = await page.evaluate(() => Date.now());
	await follow(page, '/left/');
	await page.waitForTimeout(3000);
	release();
	await page.waitForFunction(() => 'enabled' in (window as { couchstats?: object }).couchstats!);
	await page.waitForTimeout(3000);
	const gone = await page.evaluate(() => Date.now());
	// Taken once: nothing is left saved.
	expect(await page.evaluate(() => localStorage.getItem('couchstats:left:demo'))).toBeNull();
	await page.goto('about:blank');
	const records = (
		await waitForRecords(app, (rs) =>
			rs.some((r) => r.type === 'heartbeat' && r.path === '/left/second')
		)
	)
		.filter((r) => r.path.startsWith('/left/'))
		.sort((a, b) => a.ts - b.ts || a._id.localeCompare(b._id));
	expect(records.filter((r) => r.type != 'milestone').map((r) => [r.type, r.path])).toEqual([
		['pageview', '/left/h1'],
		['heartbeat', '/left/h1'],
		['pageview', '/left/second'],
		['heartbeat', '/left/second']
	]);
	const [h1, second] = records.flatMap((r) => (r.type === 'pageview' ? [r] : []));
	// /h1 at its time (the core arrived 6 s later), the visit's entry from news.example.
	expect(Math.abs(h1.ts - landed)).toBeLessThan(1000);
	expect([h1.entry, h1.ref, second.entry, second.from]).toEqual([
		true,
		'https://news.example/item',
		false,
		'/left/h1'
	]);
	// One session, which entered on /h1 from news.example, 2 pages: not bounced.
	expect(new Set(records.map((r) => [r.sid, r.land, r.src].join()))).toEqual(
		new Set([`${h1.sid},/left/h1,news.example`])
	);
	expect(records.some((r) => r.type === 'milestone' && r.milestone === 'nonbounce')).toBe(true);
	// Each page its engaged time: /h1 until it went (after the click, before /second's view),
	// /second from its view until it was left.
	const engaged = records.flatMap((r) => (r.type === 'heartbeat' ? [r.engagedMs] : []));
	expect(engaged[0]).toBeGreaterThanOrEqual(left - h1.ts - 50);
	expect(engaged[0]).toBeLessThanOrEqual(second.ts - h1.ts);
	expect(engaged[1]).toBeGreaterThanOrEqual(gone - second.ts - 100);
	expect(engaged[1]).toBeLessThan(gone - second.ts + 1500);
	await context.close();
});

test('a page hidden before its core arrived is made once: by another page that took it, not again by its own late core', async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await scriptVisibility(context);
	await routeStandalonePage(context, app, '/once/');
	const release = await holdCore(context, '/once/h1');
	const h1 = await context.newPage();
	await h1.goto(app.url + '/once/h1', { waitUntil: 'domcontentloaded' });
	await setVisible(h1, true);
	await h1.waitForTimeout(500);
	// Hidden (another tab shown): the loader saves its page view.
	await setVisible(h1, false);
	const saved = await h1.evaluate(() => localStorage.getItem('couchstats:left:demo'));
	expect(Object.keys(JSON.parse(saved ?? '{}'))).toHaveLength(1);
	// Another page of the site, whose core arrives, takes it and makes it.
	const other = await context.newPage();
	await other.goto(app.url + '/once/other', { waitUntil: 'domcontentloaded' });
	await setVisible(other, true);
	const made = (rs: StoredRecord[]) =>
		['/once/h1', '/once/other'].every((p) => rs.some((r) => r.type === 'pageview' && r.path === p));
	expect(made(await waitForRecords(app, made))).toBe(true);
	// /h1 shown again, and its core arrives: its page view is not made again.
	await setVisible(h1, true);
	release();
	await h1.waitForFunction(() => 'enabled' in (window as { couchstats?: object }).couchstats!);
	await h1.waitForTimeout(1000);
	await h1.goto('about:blank');
	await other.goto('about:blank');
	const records = (
		await waitForRecords(app, (rs) =>
			rs.some((r) => r.type === 'heartbeat' && r.path === '/once/h1' && r.engagedMs > 800)
		)
	).filter((r) => r.path.startsWith('/once/'));
	const views = records.filter((r) => r.type === 'pageview').map((r) => r.path);
	expect(views.sort()).toEqual(['/once/h1', '/once/other']);
	// Its engaged time before it hid (sent by the page that took it), and after.
	const engaged = records.flatMap((r) =>
		r.type === 'heartbeat' && r.path === '/once/h1' ? [r.engagedMs] : []
	);
	expect(engaged.some((ms) => ms >= 400 && ms < 800)).toBe(true);
	await context.close();
});

test('a visitor the tracker skips leaves nothing saved of a page hidden before the core arrived', async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await scriptVisibility(context);
	// An automated browser on a site that does not track one (navigator.webdriver) …
	await routeStandalonePage(context, app, '/skipped/', { 'data-allow-automation': 'false' });
	// … and a visitor who opted out.
	await routeStandalonePage(context, app, '/opted/');
	await holdCore(context);
	const page = await context.newPage();
	const hidden = async (path: string) => {
		await page.goto(app.url + path, { waitUntil: 'domcontentloaded' });
		await setVisible(page, true);
		await setVisible(page, false);
		return page.evaluate(() => localStorage.getItem('couchstats:left:demo'));
	};
	expect(await hidden('/skipped/a')).toBeNull();
	await page.evaluate(() => localStorage.setItem('couchstats:optout', '1'));
	expect(await hidden('/opted/a')).toBeNull();
	// The same page of a visitor who is tracked: saved.
	await page.evaluate(() => localStorage.removeItem('couchstats:optout'));
	expect(await hidden('/opted/b')).toContain('/opted/b');
	await context.close();
});

test('an opt-out made before the core arrived holds on the next page: nothing of the visit is saved or sent', async ({
	browser
}) => {
	// A security probe: the page views and events around an opt-out made before the core
	// arrived were saved as the page went and sent by the next page; the opt-out was lost.
	const context = await linkedContext(browser, '/quit/');
	const release = await holdCore(context, '/quit/h1');
	const page = await context.newPage();
	await page.goto(app.url + '/quit/h1', { waitUntil: 'domcontentloaded' });
	await page.evaluate(() => {
		const stub = (window as unknown as { couchstats: Record<string, (n?: string) => unknown> })
			.couchstats;
		void stub.optOut();
		void stub.track('after-opt-out');
	});
	await follow(page, '/quit/');
	release();
	await page.waitForFunction(() => 'enabled' in (window as { couchstats?: object }).couchstats!);
	expect(
		await page.evaluate(() => [
			localStorage.getItem('couchstats:optout'),
			localStorage.getItem('couchstats:left:demo'),
			(window as unknown as { couchstats: { enabled: boolean } }).couchstats.enabled
		])
	).toEqual(['1', null, false]);
	await context.close();
	// A tracked visit after it is stored; nothing of the opted-out one is.
	const marker = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(marker, app, '/quit-marker/');
	const other = await marker.newPage();
	await other.goto(app.url + '/quit-marker/a');
	const records = await waitForRecords(app, (rs) =>
		rs.some((r) => r.type === 'pageview' && r.path === '/quit-marker/a')
	);
	expect(records.filter((r) => r.path.startsWith('/quit/'))).toEqual([]);
	await marker.close();
});
