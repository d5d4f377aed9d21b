/**
 * Screenshots of the public /stats page and the owner dashboard (also under a filter by
 * source) at 1280 px and 390 px wide, with some traffic in them, written to
 * docs/screenshots/ for the README. Each
 * page is also checked for horizontal overflow at both widths.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import path from 'node:path';
import type { RunningApp } from '../helpers/app';
import { emulateFocus, launchVisitorBrowser, startTrackedApp } from './tracker-support';

test.describe.configure({ timeout: 180_000 });

const OUT = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const IPHONE_UA =
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const WIDTHS = [1280, 390] as const;

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
// Playwright requires the fixtures argument to be a destructuring pattern.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, info) => {
	if (info.status !== info.expectedStatus) console.log(app.output().slice(-4000));
});
test.afterAll(async () => {
	await app?.stop();
});

/**
 * One visit: a few pages read for a moment each, from `referer`, maybe a custom event.
 * The time zone gives the visitor a country.
 */
async function browse(
	browser: Browser,
	timezoneId: string,
	paths: string[],
	referer?: string,
	event = false
) {
	const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, timezoneId });
	const page = await context.newPage();
	await emulateFocus(page);
	for (const [i, p] of paths.entries()) {
		await Promise.all([
			page.waitForRequest((request) => request.url().includes('/api/ingest')),
			page.goto(app.url + p, i === 0 && referer ? { referer } : {})
		]);
		if (event && p.startsWith('/?')) {
			await page.getByRole('button', { name: 'Send a custom event' }).click();
		}
		await page.waitForTimeout(1_500);
	}
	await context.close();
}

async function shoot(page: Page, name: string, width: number) {
	await page.setViewportSize({ width, height: 900 });
	// Let the chart re-measure its box after the resize.
	await page.waitForTimeout(300);
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow, `${name} at ${width} px overflows horizontally`).toBeLessThanOrEqual(0);
	await page.screenshot({ path: path.join(OUT, `${name}-${width}.png`), fullPage: true });
}

test('the public stats page and the dashboard are captured with traffic at 1280 and 390 px without horizontal overflow', async ({
	browser
}) => {
	const desktop = await launchVisitorBrowser();
	const phone = await launchVisitorBrowser(IPHONE_UA);
	try {
		await browse(
			desktop,
			'Europe/Berlin',
			[
				'/?utm_source=newsletter&utm_medium=email&utm_campaign=launch',
				'/blog',
				'/blog/hello-couchstats'
			],
			undefined,
			true
		);
		await browse(
			desktop,
			'Europe/Paris',
			['/blog/offline-first-analytics', '/privacy'],
			'https://news.ycombinator.com/item?id=1'
		);
		await browse(
			phone,
			'America/New_York',
			['/blog/counting-at-the-edge', '/about', '/blog'],
			'https://duckduckgo.com/'
		);
		await browse(phone, 'Europe/London', ['/', '/pricing']);

		// A visitor reading while the pages are open: the latest events stream in.
		const visitor = await (await desktop.newContext({ timezoneId: 'Europe/Madrid' })).newPage();
		const reader = async (path: string) =>
			Promise.all([
				visitor.waitForRequest((request) => request.url().includes('/api/ingest')),
				visitor.goto(app.url + path)
			]);
		await reader('/blog/hello-couchstats');

		const page = await (await browser.newContext()).newPage();
		await page.goto(`${app.url}/stats`);
		await expect(page.getByText('Live', { exact: true })).toBeVisible();
		await expect(page.locator('[data-metric="pageviews"] dd')).not.toHaveText('0');
		// Sent at once, so it streams in while the page is open.
		await reader('/blog');
		await expect(page.getByTestId('latest-events')).toContainText('pageview /blog', {
			timeout: 15_000
		});
		for (const width of WIDTHS) await shoot(page, 'stats', width);

		await page.goto(`${app.url}/login`);
		await page.getByLabel('Account name').fill(app.adminName);
		await page.getByLabel('Password').fill('test-admin-password');
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.waitForURL(`${app.url}/`);
		await page.goto(`${app.url}/sites/demo?range=today`);
		await expect(page.getByText('Live', { exact: true })).toBeVisible();
		await expect(page.locator('#pages tbody tr').first()).toBeVisible();
		await expect(page.locator('.u-wrap')).toBeVisible();
		await reader('/about');
		await expect(page.getByTestId('latest-events')).toBeVisible({ timeout: 15_000 });
		for (const width of WIDTHS) await shoot(page, 'dashboard', width);

		// A referrer's row narrows the dashboard to the visits it sent.
		await page
			.locator('#referrers')
			.getByRole('link', { name: 'news.ycombinator.com', exact: true })
			.click();
		await expect(page.getByTestId('filter-bar')).toContainText('news.ycombinator.com');
		for (const width of WIDTHS) await shoot(page, 'dashboard-filtered', width);
	} finally {
		await desktop.close();
		await phone.close();
	}
});
