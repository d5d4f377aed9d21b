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

/**
 * One visitor on `/`, then on `/pricing` (a page with the standalone tracker), where both
 * long events fire; another on `/`.
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
	const second = await (await visitorBrowser.newContext()).newPage();
	await visitStored(app, second, '/');
	await waitForRecords(app, (records) =>
		[SNAKE, UNBROKEN].every((name) => records.some((r) => r.type === 'event' && r.name === name))
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
