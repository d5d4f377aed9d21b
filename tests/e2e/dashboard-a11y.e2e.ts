/**
 * The dashboard at a phone's width and for the keyboard, touch and screen readers, as an
 * outside accessibility probe (probe42a) used it: a long event name in Realtime's latest
 * events leaves its page readable, and that list's scroll box is a named stop of the
 * keyboard; a column's definition opens from the keyboard and describes its header;
 * walking journeys and paths puts the focus on their widget and names the walk
 * in the title; a long filter value wraps in the tables' captions; a custom range that ends
 * before it starts marks its dates; the sites list's links name their site. Real Chromium,
 * the built app, its CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { axeViolations } from './axe';
import {
	routeStandalonePage,
	trackEvent,
	useTrackedApp,
	visitStored,
	waitForRecords
} from './tracker-support';
import { PAGEVIEW_RULE } from '../../src/lib/stats/catalogue';

test.describe.configure({ timeout: 180_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

/** A snake_case name as GA4 allows (40 characters), and one with no place to break. */
const SNAKE = 'newsletter_signup_footer_form_submitted';
const UNBROKEN = 'AnEventNameWithoutSpacesThatIsVeryLongIndeedForTesting';
/** An event whose name holds a hidden character, which its quotes show by its code (`U+202E`). */
const TURNED = 'sign\u202Eup';

/**
 * One visitor on `/`, then on `/pricing` (a page with the standalone tracker), where both
 * long events and {@link TURNED} fire; another on `/`.
 */
async function visits() {
	const context = await visitorBrowser.newContext();
	await routeStandalonePage(context, app, '/pricing');
	const first = await context.newPage();
	await visitStored(app, first, '/');
	await first.goto(`${app.url}/pricing`);
	await first.waitForFunction(() => 'couchstats' in window);
	await trackEvent(first, SNAKE);
	await trackEvent(first, UNBROKEN);
	await trackEvent(first, TURNED);
	const second = await (await visitorBrowser.newContext()).newPage();
	await visitStored(app, second, '/');
	await waitForRecords(app, (records) =>
		[SNAKE, UNBROKEN, TURNED].every((name) =>
			records.some((r) => r.type === 'event' && r.name === name)
		)
	);
	await context.close();
	await second.context().close();
}

let visited: Promise<void> | undefined;
/** The owner on the demo site's dashboard of today at `width`, once the visits are stored. */
async function dashboard(browser: Browser, width: number, query = 'range=today'): Promise<Page> {
	await (visited ??= visits());
	const owner = await ownerPage(browser, app);
	await owner.setViewportSize({ width, height: 800 });
	await owner.goto(`${app.url}/sites/demo?${query}`);
	return owner;
}

for (const width of [320, 1280]) {
	test(`at ${width} px a long event name in the latest events wraps and leaves its page readable`, async ({
		browser
	}) => {
		const owner = await dashboard(browser, width);
		const list = owner.getByTestId('latest-events');
		for (const name of [SNAKE, UNBROKEN]) {
			const row = list.getByRole('listitem').filter({ hasText: name });
			await expect(row.locator('.type')).toHaveText(name);
			const box = await row.evaluate((li) => {
				const rect = (selector: string) => li.querySelector(selector)!.getBoundingClientRect();
				const list = li.closest('ol')!.getBoundingClientRect();
				const path = li.querySelector<HTMLElement>('.path')!;
				return {
					listRight: list.right,
					typeRight: rect('.type').right,
					pathWidth: rect('.path').width,
					pathRight: rect('.path').right,
					pathOverflows: path.scrollWidth > path.clientWidth
				};
			});
			// The page keeps at least 10rem (or the whole line); nothing leaves the list's box.
			expect(box.pathWidth).toBeGreaterThanOrEqual(Math.min(160, box.listRight - 100));
			expect(box.pathOverflows).toBe(false);
			expect(box.typeRight).toBeLessThanOrEqual(box.listRight + 0.5);
			expect(box.pathRight).toBeLessThanOrEqual(box.listRight + 0.5);
			await expect(row.locator('.path')).toHaveText('/pricing');
		}
	});
}

test('the latest events scroll in a box the keyboard stops at, named by its heading', async ({
	browser
}) => {
	const owner = await dashboard(browser, 1280);
	const region = owner.getByRole('region', { name: 'Latest events' });
	await expect(region).toHaveAttribute('tabindex', '0');
	await expect(region.getByTestId('latest-events')).toBeVisible();
	// The same box as a breakdown table without links: a region named by its caption.
	await expect(
		owner.getByRole('region', { name: 'Active visitors by current page' })
	).toHaveAttribute('tabindex', '0');
});

test('a column definition opens from the keyboard and describes its header', async ({
	browser
}) => {
	const owner = await dashboard(browser, 320);
	const pages = owner.locator('#pages');
	const definition = `Pageviews: ${PAGEVIEW_RULE}`;
	await expect(pages.getByRole('columnheader', { name: 'Views' })).toHaveAccessibleDescription(
		definition
	);
	const views = pages.getByRole('button', { name: 'Views' });
	await expect(views).toHaveAccessibleDescription(definition);
	await expect(views).toHaveAttribute('aria-expanded', 'false');
	await expect(pages.getByText(definition)).toBeHidden();
	await views.focus();
	await owner.keyboard.press('Enter');
	await expect(views).toHaveAttribute('aria-expanded', 'true');
	await expect(pages.getByText(definition)).toBeVisible();
	await owner.keyboard.press('Escape');
	await expect(pages.getByText(definition)).toBeHidden();
	// A tap opens it too.
	await views.click();
	await expect(pages.getByText(definition)).toBeVisible();
});

test('walking journeys and paths puts the focus on their widget and names the walk in the title', async ({
	browser
}) => {
	const owner = await dashboard(browser, 1280);
	const focusedId = () => owner.evaluate(() => document.activeElement?.id);
	const journeys = owner.locator('#journeys');
	await expect(journeys.getByTestId('journey-page')).toHaveText('/');
	await journeys
		.getByRole('navigation', { name: 'Journeys through another page' })
		.getByRole('link', { name: '/pricing' })
		.focus();
	await owner.keyboard.press('Enter');
	await owner.waitForURL(/journey=\/pricing#journeys$/);
	await expect(journeys.getByTestId('journey-page')).toHaveText('/pricing');
	await expect.poll(focusedId).toBe('journeys');
	await expect(owner).toHaveTitle(
		'couchstats demo · Today · journeys through /pricing · couchstats'
	);

	const paths = owner.locator('#paths');
	await paths.getByRole('link', { name: '/', exact: true }).focus();
	await owner.keyboard.press('Enter');
	await owner.waitForURL(/step=\/#paths$/);
	await expect.poll(focusedId).toBe('paths');
	await expect(owner).toHaveTitle('couchstats demo · Today · path / · couchstats');

	await owner.goBack();
	await owner.waitForURL(/journey=\/pricing#journeys$/);
	await expect.poll(focusedId).toBe('journeys');
	await expect(owner).toHaveTitle(
		'couchstats demo · Today · journeys through /pricing · couchstats'
	);
});

test('at 320 px a long event filter wraps in the tables’ captions instead of widening them', async ({
	browser
}) => {
	const owner = await dashboard(browser, 320, `range=today&event=${UNBROKEN}`);
	const captions = owner.locator('.grid caption').filter({ hasText: UNBROKEN });
	await expect(captions.first()).toBeVisible();
	expect(await captions.count()).toBeGreaterThanOrEqual(5);
	const wider = await captions.evaluateAll((all) =>
		all
			.map((caption) => {
				const box = caption.closest('.scroll-x')!;
				const table = caption.closest('table')!;
				return {
					caption: caption.textContent,
					table: Math.round(table.getBoundingClientRect().width),
					box: box.clientWidth
				};
			})
			.filter(({ table, box }) => table > box)
	);
	expect(wider).toEqual([]);
});

test('a custom range that ends before it starts marks both dates and ties the message to them', async ({
	browser
}) => {
	const owner = await dashboard(browser, 1280, 'range=custom&from=2026-12-01&to=2026-12-07');
	const from = owner.getByRole('textbox', { name: 'From' });
	const to = owner.getByRole('textbox', { name: 'To', exact: true });
	await expect(from).not.toHaveAttribute('aria-invalid', /.*/);
	await from.fill('2026-12-07');
	await to.fill('2026-12-01');
	await to.press('Enter');
	const message = 'the range from 2026-12-07 to 2026-12-01 ends before it starts';
	await expect(owner.getByRole('alert')).toHaveText(message);
	for (const field of [from, to]) {
		await expect(field).toHaveAttribute('aria-invalid', 'true');
		await expect(field).toHaveAccessibleDescription(message);
	}
	await expect(to).toBeFocused();
});

test('the sites list names the site in its count and settings links', async ({ browser }) => {
	await (visited ??= visits());
	const owner = await ownerPage(browser, app);
	const item = owner.getByRole('listitem').filter({ hasText: 'couchstats demo' });
	/** What a link shows: its text but for what only screen readers read. */
	const shown = (name: string | RegExp) =>
		item.getByRole('link', { name, exact: true }).evaluate((link) => {
			const copy = link.cloneNode(true) as Element;
			copy.querySelectorAll('.sr-only').forEach((hidden) => hidden.remove());
			return copy.textContent;
		});
	await expect(item.getByRole('link', { name: 'Settings of couchstats demo' })).toBeVisible();
	expect(await shown('Settings of couchstats demo')).toBe('Settings');
	expect(await shown(/^\d+ visitors? today on couchstats demo$/)).toMatch(/^\d+ visitors? today$/);
});

/**
 * The colour-contrast violations axe finds on `page` as it shows now (WCAG AA: 4.5:1 for
 * text, 3:1 for large text), each as its rule's summary and the elements that break it.
 */
async function contrastViolations(page: Page): Promise<string[]> {
	const violations = await axeViolations(page, ['color-contrast']);
	return violations.flatMap((v) =>
		v.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? v.help}`)
	);
}

/**
 * A quote's hidden characters, small boxed codes (`U+202E`), short of 4.5:1 on a card or a
 * breakdown row's share bar, each as its text and contrast: axe leaves text over the bar's
 * gradient unchecked. There must be some on the page ({@link TURNED}'s).
 */
async function hiddenCodeContrast(page: Page): Promise<string[]> {
	await expect(page.locator('.hidden-code').first()).toBeVisible();
	return page.evaluate(() => {
		const rgb = (css: string) =>
			css
				.match(/[\d.]+/g)!
				.slice(0, 3)
				.map(Number);
		const luminance = (c: number[]) => {
			const [r, g, b] = c
				.map((x) => x / 255)
				.map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
			return 0.2126 * r + 0.7152 * g + 0.0722 * b;
		};
		const ratio = (a: number[], b: number[]) => {
			const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
			return (hi + 0.05) / (lo + 0.05);
		};
		const probe = document.createElement('span');
		document.body.append(probe);
		const colourOf = (name: string) => {
			probe.style.color = `var(${name})`;
			return rgb(getComputedStyle(probe).color);
		};
		const grounds = ['--cs-surface', '--cs-bar'].map(colourOf);
		probe.remove();
		return [...document.querySelectorAll<HTMLElement>('.hidden-code')].flatMap((code) => {
			const style = getComputedStyle(code);
			const alpha = Number(style.opacity);
			const text = rgb(style.color);
			const worst = Math.min(
				...grounds.map((ground) =>
					ratio(
						text.map((c, i) => alpha * c + (1 - alpha) * ground[i]),
						ground
					)
				)
			);
			return worst < 4.5 ? [`${code.textContent} in a quote: ${worst.toFixed(2)}:1`] : [];
		});
	});
}

let addresses: Promise<[string, string][]> | undefined;
/**
 * The pages to scan, each by its name and address: the owner's, a share link's (made
 * once), the demo's and the login page (scanned last: it is reached logged out).
 */
async function themedPages(owner: Page): Promise<[string, string][]> {
	await owner.goto(`${app.url}/sites/demo/sessions?range=today`);
	const timeline = await owner.locator('tbody th a').first().getAttribute('href');
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.getByRole('button', { name: 'Create a share link' }).click();
	const share = (await owner.getByRole('status').getByRole('link').getAttribute('href'))!;
	return [
		['sites list', '/sites'],
		['dashboard', '/sites/demo?range=today'],
		['dashboard, last 30 days', '/sites/demo?range=30d'],
		['sessions', '/sites/demo/sessions?range=today'],
		['a session timeline', timeline!],
		['funnels', '/sites/demo/funnels?range=today'],
		['settings', '/sites/demo/settings'],
		['an error page', '/sites/no-such-site'],
		['share page', new URL(share, app.url).pathname],
		['public stats page', '/stats'],
		['demo home', '/'],
		['login', '/login']
	];
}

for (const scheme of ['dark', 'light'] as const) {
	test(`in the ${scheme} theme no page has text short of WCAG AA contrast`, async ({ browser }) => {
		await (visited ??= visits());
		const owner = await ownerPage(browser, app);
		const pages = await (addresses ??= themedPages(owner));
		await owner.emulateMedia({ colorScheme: scheme });
		const found: Record<string, string[]> = {};
		for (const [name, address] of pages) {
			if (name === 'login') await owner.context().clearCookies();
			await owner.goto(`${app.url}${address}`);
			await owner.waitForLoadState('networkidle');
			const violations = await contrastViolations(owner);
			if (name === 'dashboard') violations.push(...(await hiddenCodeContrast(owner)));
			if (violations.length) found[name] = violations;
		}
		expect(found).toEqual({});
	});
}

test('the theme follows the system: dark pages under a dark preference, light ones under a light', async ({
	browser
}) => {
	await (visited ??= visits());
	const owner = await ownerPage(browser, app);
	/** The relative luminance of the body's background (0 black, 1 white), and its scheme. */
	const shown = () =>
		owner.evaluate(() => {
			const [r, g, b] = getComputedStyle(document.body)
				.backgroundColor.match(/[\d.]+/g)!
				.map(Number)
				.map((c) => c / 255)
				.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
			return {
				luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b,
				scheme: getComputedStyle(document.documentElement).colorScheme
			};
		});
	for (const address of ['/sites', '/sites/demo?range=today', '/login', '/']) {
		await owner.goto(`${app.url}${address}`);
		await owner.emulateMedia({ colorScheme: 'dark' });
		const dark = await shown();
		expect(dark.luminance, address).toBeLessThan(0.05);
		expect(dark.scheme, address).toBe('light dark');
		await owner.emulateMedia({ colorScheme: 'light' });
		expect((await shown()).luminance, address).toBeGreaterThan(0.9);
	}
	// The chart's lines are read from the theme: another colour in the dark.
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const line = () =>
		owner.evaluate(() => {
			const canvas = document.querySelector<HTMLCanvasElement>('#visitors canvas, canvas')!;
			return canvas.toDataURL();
		});
	await owner.locator('canvas').first().waitFor();
	const light = await line();
	await owner.emulateMedia({ colorScheme: 'dark' });
	await expect.poll(line).not.toBe(light);
});
