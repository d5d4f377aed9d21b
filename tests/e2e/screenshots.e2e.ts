/**
 * Screenshots of every page at 1280 px and 390 px wide, with some traffic in them,
 * written to docs/screenshots/ for the README: the demo blog (home, a post, its 404
 * page) and its public /stats page; the login page; an owner's sites list, dashboard
 * (also under a filter by source, and its paths from entry walked a step), sessions, a session's timeline, a funnel and settings; a share link; the app's 403 and 404
 * pages and its refusal of a form posted from another site; the dashboard, a funnel and the
 * demo's home also in the dark theme. Each page is also checked at both widths: no element may reach past the
 * viewport's right edge, and no two controls of a header may overlap (a popup aside).
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import path from 'node:path';
import type { RunningApp } from '../support/app';
import { addSite, logIn, ownerPage, postFromAnotherSite } from './owner-support';
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

/**
 * What is wrong with the page's layout at this width: elements reaching past the
 * viewport's left or right edge (unless a box that scrolls or clips holds them), and
 * pairs of links, buttons or summaries in a header whose boxes overlap (popups aside).
 */
function layoutProblems(page: Page): Promise<string[]> {
	return page.evaluate(() => {
		const name = (el: Element) =>
			`<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}> "${(el.textContent ?? '').trim().slice(0, 40)}"`;
		// checkVisibility: not inside a closed <details> (content-visibility: hidden) either.
		const visible = (el: Element) => {
			const box = el.getBoundingClientRect();
			return box.width > 0 && box.height > 0 && el.checkVisibility({ visibilityProperty: true });
		};
		const held = (el: Element) => {
			for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
				if (getComputedStyle(p).overflowX !== 'visible') return true;
			}
			return false;
		};
		const width = document.documentElement.clientWidth;
		const problems: string[] = [];
		for (const el of document.body.querySelectorAll('*')) {
			if (!visible(el)) continue;
			const box = el.getBoundingClientRect();
			if ((box.right > width + 0.5 || box.left < -0.5) && !held(el)) {
				problems.push(`${name(el)} spans ${Math.round(box.left)}–${Math.round(box.right)} px`);
			}
		}
		for (const header of document.querySelectorAll('header')) {
			// A popup (the open site switcher) is meant to cover what is below it.
			const floating = (el: Element) => {
				for (let p: Element | null = el; p && p !== header; p = p.parentElement) {
					if (['absolute', 'fixed'].includes(getComputedStyle(p).position)) return true;
				}
				return false;
			};
			const controls = [...header.querySelectorAll('a, button, summary')].filter(
				(el) => visible(el) && !floating(el)
			);
			for (const [i, a] of controls.entries()) {
				for (const b of controls.slice(i + 1)) {
					if (a.contains(b) || b.contains(a)) continue;
					const p = a.getBoundingClientRect();
					const q = b.getBoundingClientRect();
					const overlap =
						Math.min(p.right, q.right) - Math.max(p.left, q.left) > 0.5 &&
						Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 0.5;
					if (overlap) problems.push(`${name(a)} overlaps ${name(b)}`);
				}
			}
		}
		return problems;
	});
}

async function shoot(page: Page, name: string, width: number) {
	await page.setViewportSize({ width, height: 900 });
	// Let the chart re-measure its box after the resize.
	await page.waitForTimeout(300);
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow, `${name} at ${width} px overflows horizontally`).toBeLessThanOrEqual(0);
	expect(await layoutProblems(page), `${name} at ${width} px`).toEqual([]);
	await page.screenshot({ path: path.join(OUT, `${name}-${width}.png`), fullPage: true });
}

/** Shoots the page at every width. */
async function shootAll(page: Page, name: string) {
	for (const width of WIDTHS) await shoot(page, name, width);
}

/** Shoots the page at every width in the dark theme (`<name>-dark-<width>.png`), then back to light. */
async function shootDark(page: Page, name: string) {
	await page.emulateMedia({ colorScheme: 'dark' });
	await shootAll(page, `${name}-dark`);
	await page.emulateMedia({ colorScheme: 'light' });
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
		await shootAll(page, 'stats');

		await logIn(page, app.url, app.adminName, 'test-admin-password');
		await page.goto(`${app.url}/sites/demo?range=today`);
		await expect(page.getByText('Live', { exact: true })).toBeVisible();
		await expect(page.locator('#pages tbody tr').first()).toBeVisible();
		await expect(page.locator('.u-wrap')).toBeVisible();
		await reader('/about');
		await expect(page.getByTestId('latest-events')).toBeVisible({ timeout: 15_000 });
		await shootAll(page, 'dashboard');
		await shootDark(page, 'dashboard');

		// A referrer's row narrows the dashboard to the visits it sent.
		await page
			.locator('#referrers')
			.getByRole('link', { name: 'news.ycombinator.com', exact: true })
			.click();
		await expect(page.getByTestId('filter-bar')).toContainText('news.ycombinator.com');
		await shootAll(page, 'dashboard-filtered');

		// Its paths from entry, walked a step: where the visit went after its entry page.
		const paths = page.locator('#paths');
		await paths
			.locator('tbody')
			.getByRole('link', { name: '/blog/offline-first-analytics' })
			.click();
		await expect(paths.getByTestId('path-step')).toHaveText(['/blog/offline-first-analytics']);
		await expect(paths.locator('tbody tr').first()).toContainText('/privacy');
		await shootAll(page, 'paths');

		// The sessions of the day, and one session's timeline.
		await page.goto(`${app.url}/sites/demo/sessions?range=today`);
		const sessions = page.getByTestId('session-list');
		await expect(sessions.locator('tbody tr').first()).toBeVisible();
		await shootAll(page, 'sessions');
		await sessions.locator('tbody a').first().click();
		await expect(page).toHaveURL(/\/sites\/demo\/sessions\/[0-9a-f-]{36}$/);
		await shootAll(page, 'session');

		// A funnel through the blog, defined in the settings, and its report for the day.
		await page.goto(`${app.url}/sites/demo/settings`);
		await page.waitForLoadState('networkidle');
		const funnel = page.getByRole('form', { name: 'Add a funnel' });
		await funnel.getByLabel('Funnel name').fill('Into the blog');
		for (const [i, path] of ['/', '/blog', '/blog/hello-couchstats'].entries()) {
			await funnel
				.getByRole('group', { name: `Step ${i + 1}` })
				.getByLabel('Path or event')
				.fill(path);
		}
		await funnel.getByRole('button', { name: 'Add funnel' }).click();
		await expect(page.getByRole('status').filter({ hasText: 'Added the funnel' })).toBeVisible();
		await page.goto(`${app.url}/sites/demo/funnels?range=today`);
		await expect(page.getByTestId('funnel-progress')).toContainText('counted exactly');
		await shootAll(page, 'funnel');
		await shootDark(page, 'funnel');
	} finally {
		await desktop.close();
		await phone.close();
	}
});

test('the demo blog, the login page, the sites list, settings, a share link, the error pages and the cross-site refusal are captured at 1280 and 390 px without overflow or overlap', async ({
	browser
}) => {
	const visitor = await (await browser.newContext()).newPage();
	await visitor.goto(`${app.url}/`);
	await shootAll(visitor, 'demo-home');
	await shootDark(visitor, 'demo-home');
	await visitor.goto(`${app.url}/blog/hello-couchstats`);
	await shootAll(visitor, 'demo-post');
	expect((await visitor.goto(`${app.url}/no-such-page`))?.status()).toBe(404);
	await shootAll(visitor, 'demo-404');
	await visitor.goto(`${app.url}/login`);
	await shootAll(visitor, 'login');
	// What a browser shows for a form another site posts to the app.
	expect((await postFromAnotherSite(visitor, `${app.url}/logout`, {})).status()).toBe(403);
	await shootAll(visitor, 'error-cross-site');

	const admin = await ownerPage(browser, app);
	await addSite(
		admin,
		app.url,
		{ id: 'side-project', name: 'Side project' },
		{ name: 'sam', password: 'sam-password' }
	);
	await admin.goto(`${app.url}/sites`);
	await shootAll(admin, 'sites');
	await admin.goto(`${app.url}/sites/demo/settings`);
	await admin.getByRole('button', { name: 'Create a share link' }).click();
	const shareUrl = (await admin.getByRole('link', { name: /\/share\/shr_/ }).textContent())!.trim();
	await shootAll(admin, 'settings');
	// The switcher open, on a phone: its menu stays inside the screen.
	await admin.getByRole('banner').locator('summary').click();
	await expect(admin.getByRole('banner').getByRole('link', { name: 'Side project' })).toBeVisible();
	await shoot(admin, 'switcher', 390);

	await visitor.goto(`${shareUrl}?range=today`);
	await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('couchstats demo');
	await shootAll(visitor, 'share');

	const owner = await (await browser.newContext()).newPage();
	await logIn(owner, app.url, 'sam', 'sam-password');
	expect((await owner.goto(`${app.url}/sites/demo`))?.status()).toBe(403);
	await shootAll(owner, 'error-403');
	expect((await owner.goto(`${app.url}/no/such/page`))?.status()).toBe(404);
	await shootAll(owner, 'error-404');
});
