/**
 * The owner's dashboard from the keyboard, as an accessibility audit used it: a live
 * update that re-sorts a table keeps the focused row link on its row; the range letters
 * leave controls alone and can be turned off; a filter or range change is in the page's
 * title (what a screen reader's route announcer reads); a filter put on by keyboard
 * leaves focus on its chip, and taken off, on the row it came from (on the session list, its
 * heading), by a link or by back and forward; refreshing journeys keeps the focus; the closed Range list steps without re-reading; in forced colours the chart's
 * legend tells its series apart. Real Chromium, the built app, its CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { useTrackedApp, visitStored, waitForRecords } from './tracker-support';

test.describe.configure({ timeout: 180_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

/** `count` visitors (each in a fresh context, so each is a new session) view `path`. */
async function views(path: string, count: number) {
	for (let i = 0; i < count; i++) {
		const visitor = await (await visitorBrowser.newContext()).newPage();
		await visitStored(app, visitor, path);
		await visitor.context().close();
	}
}

/** The labels of the Top pages table, top to bottom. */
const pageLabels = (owner: Page) => owner.locator('#pages tbody th').allInnerTexts();

/** The focused element's text and link, read in the page. */
const focused = (owner: Page) =>
	owner.evaluate(() => {
		const element = document.activeElement as HTMLAnchorElement | null;
		return { text: element?.textContent, href: element?.getAttribute('href') };
	});

test('a live update that re-sorts Top pages keeps the focused row link on its row, and the focus on it', async ({
	browser
}) => {
	await views('/about', 2);
	await views('/pricing', 1);
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner.getByText('Live', { exact: true })).toBeVisible();
	await expect.poll(() => pageLabels(owner), { timeout: 30_000 }).toEqual(['/about', '/pricing']);
	const pricing = owner.locator('#pages').getByRole('link', { name: '/pricing', exact: true });
	await pricing.focus();
	const before = await focused(owner);
	expect(before.href).toContain('page=/pricing');

	// Two more views of /pricing put it first: the live push re-sorts the table.
	await views('/pricing', 2);
	await expect.poll(() => pageLabels(owner), { timeout: 30_000 }).toEqual(['/pricing', '/about']);
	expect(await focused(owner)).toEqual(before);
	await expect(pricing).toBeFocused();

	// Focus the user moves away stays where it went: the next update takes none back.
	await owner.evaluate(() => (document.activeElement as HTMLElement).blur());
	await views('/about', 2);
	await expect.poll(() => pageLabels(owner), { timeout: 30_000 }).toEqual(['/about', '/pricing']);
	expect(await owner.evaluate(() => document.activeElement === document.body)).toBe(true);
});

test('range letters pick a range from the page but not from a link, and can be turned off for the browser', async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	/** The ranges the page read its data for (a letter that picks one reads it). */
	const read: string[] = [];
	owner.on('request', (request) => {
		const url = new URL(request.url());
		if (url.pathname.endsWith('__data.json')) read.push(url.searchParams.get('range') ?? '');
	});
	const blur = () => owner.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner).toHaveTitle('couchstats demo · Today · couchstats');
	// The switch shows once the page's scripts run, which the letters need.
	const letters = owner.getByRole('checkbox', { name: 'Letter shortcuts' });
	await expect(letters).toBeChecked();

	// On a focused link a letter is the link's (a screen reader's, a speech command's);
	// from the page itself it picks the range, and the title says so.
	await owner.getByRole('link', { name: 'Sessions', exact: true }).first().focus();
	await owner.keyboard.press('w');
	await blur();
	await owner.keyboard.press('e');
	await expect(owner).toHaveURL(/range=yesterday/);
	await expect(owner).toHaveTitle('couchstats demo · Yesterday · couchstats');

	// Turned off, the letters do nothing, also after a reload; turned on again, they do.
	await letters.uncheck();
	await owner.reload();
	await expect(letters).not.toBeChecked();
	await blur();
	await owner.keyboard.press('y');
	await letters.check();
	await blur();
	await owner.keyboard.press('m');
	await expect(owner).toHaveURL(/range=month/);
	// Neither refused letter read its range (a live re-read reads the range shown).
	expect(read.filter((range) => range === '7d' || range === 'year')).toEqual([]);

	// Arrows step through the closed Range list (from This month) without reading each
	// step; Enter applies.
	const range = owner.getByLabel('Range');
	await range.focus();
	await owner.keyboard.press('ArrowDown');
	await owner.keyboard.press('ArrowDown');
	await expect(range).toHaveValue('12mo');
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveURL(/range=12mo/);
	await expect(range).toBeFocused();
	expect(read.filter((r) => r === 'lastmonth')).toEqual([]);
	// A pointer's choice applies at once.
	await range.selectOption('30d');
	await expect(owner).toHaveURL(/range=30d/);
	// A step not applied yet, then a click elsewhere: the click goes where it says, with
	// the range that applies, and the picker shows that range again.
	await range.focus();
	await owner.keyboard.press('ArrowDown');
	await expect(range).toHaveValue('90d');
	await owner.getByRole('link', { name: 'Session list', exact: true }).click();
	await expect(owner).toHaveURL(/\/sessions\?.*range=30d/);
	await expect(owner.getByLabel('Range')).toHaveValue('30d');
	expect(read).not.toContain('90d');
});

/**
 * The owner's dashboard for today, once a view of `path` has reached it, filtered by that
 * page from the keyboard (Enter on Top pages' row link): the page and the row's link.
 */
async function filteredByKeyboard(browser: Browser, path: string) {
	await views(path, 1);
	await waitForRecords(app, (records) => records.some((r) => r.path === path));
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const link = owner.locator('#pages').getByRole('link', { name: path, exact: true });
	await expect(link).toHaveAccessibleDescription('Filters the dashboard by this row', {
		timeout: 30_000
	});
	await link.focus();
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveTitle(`couchstats demo · Today · page ${path} · couchstats`);
	return { owner, link };
}

test("a filter is in the page's title, and refreshing journeys keeps the keyboard's focus", async ({
	browser
}) => {
	const { owner } = await filteredByKeyboard(browser, '/blog');
	// Under it Top pages links no row: its scroll box takes the keyboard itself.
	await expect(owner.getByRole('region', { name: /^Pages by/ })).toHaveAttribute('tabindex', '0');

	const refresh = owner.getByRole('button', { name: 'Refresh journeys' });
	await refresh.focus();
	await owner.keyboard.press('Enter');
	await expect(owner.locator('#journeys [role="status"]')).toHaveText(/^as of /);
	await expect(refresh).toHaveText('Refresh');
	await expect(refresh).toBeFocused();
});

test('by keyboard, a filter put on leaves focus on its chip, and taken off, on the row link it came from; every table has a name', async ({
	browser
}) => {
	// An outside review: Enter on a row left focus on <body> at the top of the page.
	const { owner, link: about } = await filteredByKeyboard(browser, '/about');
	const chip = owner.getByTestId('filter-bar').locator('.chip');
	await expect(chip).toBeFocused();
	await expect(chip).toContainText('Filtered by page');
	// The chip leads to its ×, which takes the filter off and gives the row its focus back.
	await owner.keyboard.press('Tab');
	const remove = owner.getByRole('link', { name: 'Remove filter' });
	await expect(remove).toBeFocused();
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveTitle('couchstats demo · Today · couchstats');
	await expect(about).toBeFocused();

	// A filter that came in the address goes back to its first row link.
	await owner.goto(`${app.url}/sites/demo?range=today&page=/about`);
	await owner.getByRole('link', { name: 'Remove filter' }).focus();
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveTitle('couchstats demo · Today · couchstats');
	expect(await focused(owner)).toEqual({
		text: '/about',
		href: '/sites/demo?range=today&page=/about'
	});

	// The chart is an image that says what it shows; uPlot's legend is no table to a
	// screen reader (the captioned one under "Show as a table" is), and every table has a name.
	await expect(
		owner.getByRole('img', { name: /^Chart of visitors and pageviews by hour; .*table below$/ })
	).toBeVisible();
	const tables = await owner.getByRole('table').all();
	expect(tables.length).toBeGreaterThan(10);
	for (const table of tables) await expect(table).toHaveAccessibleName(/\S/);
});

test('by keyboard, the session list puts focus on its heading once its filter is off, and back and forward on its chip or heading', async ({
	browser
}) => {
	// SvelteKit left focus on <body> after each of these, wherever the page was scrolled.
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo/sessions?range=today&page=/pricing`);
	const title = 'Sessions · couchstats demo · Today';
	await expect(owner).toHaveTitle(`${title} · page /pricing · couchstats`);
	const heading = owner.getByRole('heading', { level: 1 });
	const chip = owner.getByTestId('filter-bar').locator('.chip');
	await owner.getByRole('link', { name: 'Remove filter' }).focus();
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveTitle(`${title} · couchstats`);
	await expect(heading).toContainText('Sessions');
	await expect(heading).toBeFocused();
	await owner.goBack();
	await expect(owner).toHaveTitle(`${title} · page /pricing · couchstats`);
	await expect(chip).toBeFocused();
	await owner.goForward();
	await expect(owner).toHaveTitle(`${title} · couchstats`);
	await expect(heading).toBeFocused();
});

test("by keyboard, back and forward on the dashboard leave focus on the filter's row link or chip, or on the heading", async ({
	browser
}) => {
	// SvelteKit left focus on <body>, wherever the page was scrolled.
	const { owner, link: pricing } = await filteredByKeyboard(browser, '/pricing');
	const chip = owner.getByTestId('filter-bar').locator('.chip');
	await expect(chip).toBeFocused();
	// Back takes the filter off: the row link it came from; forward puts it on: its chip.
	await owner.goBack();
	await expect(owner).toHaveTitle('couchstats demo · Today · couchstats');
	await expect(pricing).toBeFocused();
	await owner.goForward();
	await expect(owner).toHaveTitle('couchstats demo · Today · page /pricing · couchstats');
	await expect(chip).toBeFocused();
	// Another range of the same filter, then back: the dashboard's heading.
	const range = owner.getByLabel('Range');
	await range.focus();
	await owner.keyboard.press('ArrowDown');
	await owner.keyboard.press('Enter');
	await expect(owner).toHaveURL(/range=yesterday/);
	await owner.goBack();
	await expect(owner).toHaveURL(/range=today/);
	const heading = owner.getByRole('heading', { level: 1 });
	await expect(heading).toHaveText('couchstats demo');
	await expect(heading).toBeFocused();
});

test("in forced colours (Windows High Contrast) the chart legend's two series still look different", async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	await owner.emulateMedia({ forcedColors: 'active' });
	await owner.goto(`${app.url}/sites/demo?range=today`);
	// The legend names the series only (no live values), so no row for the time axis.
	const markers = owner.locator('.u-legend .u-series .u-marker');
	await expect(markers).toHaveCount(2);
	// Forced colours make every border one system colour (and a faint fill invisible),
	// unless the marker keeps its own: blue for visitors, orange for pageviews.
	const colours = await markers.evaluateAll((list) =>
		list.map((m) => getComputedStyle(m).borderTopColor)
	);
	expect(colours).toEqual(['rgb(39, 89, 196)', 'rgb(180, 83, 11)']);
	// Kept from screen readers, which read the chart's numbers as a table with a caption.
	await expect(owner.locator('.u-legend')).toHaveAttribute('aria-hidden', 'true');
	await expect(owner.getByRole('table').filter({ hasText: 'Visitors --' })).toHaveCount(0);

	// A table row's share of its first number column: forced colours drop its gradient, so
	// it is a line under the label in the text's colour (an outside probe saw it vanish).
	await views('/forced-colours', 1);
	await owner.reload();
	const label = owner.locator('#pages tbody th.label').first();
	await expect(label).toBeVisible();
	const line = await label.evaluate((th) => {
		const after = getComputedStyle(th, '::after');
		return { width: parseFloat(after.width), color: after.backgroundColor };
	});
	expect(line.width).toBeGreaterThan(0);
	expect(line.color).not.toBe('rgba(0, 0, 0, 0)');
});
