/**
 * A long tail past the dashboard's top 10 (probe46a F1): 131 pages, one with 3 pageviews
 * and 130 with 1. The Top pages table says how many there are and links to its details
 * page, which lists them 100 a page with a search, keyboard- and screen-reader usable.
 * Real Chromium, the built app, its embedded store.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { axeViolations } from './axe';
import { createCouch } from '../../src/lib/server/couch';
import { enableShareLink } from '../../src/lib/server/accounts/site-admin';
import { entryPageview } from '../support/golden';
import { perAttempt, perAttemptTime } from './attempt';
import { addSite, logIn, storeRecords } from './owner-support';
import { webServerAdmin, webServerCouchUrl, webServerPrefix } from './web-server';

const RANGE = 'range=custom&from=2026-10-01&to=2026-10-31';

/**
 * Writes the site's pageviews straight into the store: /top 3 times, `more`, and /p-001…
 * once each, at noon.
 */
async function longTail(site: string, tail = 130, more: string[] = []) {
	const paths = ['/top', '/top', '/top', ...more];
	for (let i = 1; i <= tail; i++) paths.push(`/p-${String(i).padStart(3, '0')}`);
	const docs = paths.map((p, n) =>
		entryPageview(
			site,
			perAttemptTime(Date.UTC(2026, 9, 1 + (n % 28), 12)),
			n,
			`visitor-number-${n}`,
			p
		)
	);
	await storeRecords(docs);
}

/** The WCAG A and AA violations axe finds on the page as it shows now. */
async function wcagViolations(page: Page): Promise<string[]> {
	const violations = await axeViolations(page, ['wcag2a', 'wcag2aa']);
	return violations.flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target}`));
}

test('a table past its top 10 links to every row, 100 a page, with a search', async ({
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('longtail');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Long tail') });
	await longTail(site);
	await page.goto(`/sites/${site}?${RANGE}`);
	const pages = page.locator('#pages');
	await expect(pages.getByRole('table').locator('tbody tr')).toHaveCount(11);
	const all = pages.getByRole('link', { name: 'Show all 131 rows of top pages' });
	await expect(all).toHaveText('Show all (131)');

	// By keyboard: the link takes the focus and opens the details under the same range.
	await all.focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/sites/${site}/breakdown/pages\\?${RANGE}$`));
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Top pages');
	await expect(page.getByRole('status')).toHaveText('Rows 1–100 of 131.');
	const rows = page.getByRole('table').locator('tbody tr');
	await expect(rows).toHaveCount(100);
	await expect(rows.first().locator('th')).toHaveText('/top');
	expect(await wcagViolations(page)).toEqual([]);

	await page.getByRole('navigation', { name: 'Pages of top pages' }).getByRole('link').click();
	await expect(page.getByRole('status')).toHaveText('Rows 101–131 of 131.');
	await expect(rows).toHaveCount(31);
	await expect(rows.last().locator('th')).toHaveText('/p-130');
	await expect(page.getByRole('link', { name: 'Previous 100' })).toBeVisible();

	// The search is matched in any case, before the page is cut, and starts from its first row.
	const search = page.getByRole('searchbox', { name: 'Search top pages' });
	await search.fill('P-12');
	await search.press('Enter');
	await expect(page.getByRole('status')).toHaveText('Rows 1–10 of 10 holding “P-12”.');
	await expect(rows).toHaveCount(10);
	await expect(rows.first().locator('th')).toHaveText('/p-120');
	expect(new URL(page.url()).searchParams.get('offset')).toBeNull();

	// A row's link opens the dashboard filtered by it.
	await rows.first().getByRole('link').click();
	await expect(page).toHaveURL(new RegExp(`/sites/${site}\\?${RANGE}&page=/p-120$`));
});

test('a bad offset is said on the details page, and an unknown table is a 404', async ({
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	await page.goto(`/sites/demo/breakdown/pages?offset=-3`);
	await expect(page.getByRole('alert')).toHaveText(
		'offset "-3" must be a whole number from 0 to 10000000'
	);
	const res = await page.goto(`/sites/demo/breakdown/nosuch`);
	expect(res?.status()).toBe(404);
});

test('a page past the last row says so and leads back to the last page', async ({
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('pastend');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Past the end') });
	await longTail(site);
	// A bookmarked page of a tail that has since shrunk: no "Rows 131–131", no walk back
	// 100 at a time through empty pages.
	await page.goto(`/sites/${site}/breakdown/pages?${RANGE}&offset=500`);
	await expect(page.getByRole('status')).toHaveText('No rows from 501 on: there are 131.');
	await expect(page.getByRole('table')).toHaveCount(0);
	await page.getByRole('link', { name: 'Previous 100' }).click();
	await expect(page.getByRole('status')).toHaveText('Rows 101–131 of 131.');
});

test('bars are drawn against the largest named row, not the "(other)" row holding the tail', async ({
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('longbars');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Long bars') });
	// /top 3 pageviews, 9 more pages of 1 shown, 21 in "(other)".
	await longTail(site, 30);
	await page.goto(`/sites/${site}?${RANGE}`);
	const labels = page.locator('#pages tbody th');
	await expect(labels).toHaveCount(11);
	const share = (i: number) =>
		labels.nth(i).evaluate((th) => (th as HTMLElement).style.getPropertyValue('--share'));
	expect(await share(0)).toBe('100%');
	expect(parseFloat(await share(1))).toBeCloseTo(100 / 3, 1);
	await expect(labels.nth(10)).toHaveText('(other)');
	expect(await share(10)).toBe('0%');
});

test('a 496-character path is cut to a few lines at 390 px, whole in its title and while focused', async ({
	browser,
	baseURL
}) => {
	const page = await (
		await browser.newContext({ viewport: { width: 390, height: 800 } })
	).newPage();
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('longpath');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Long path') });
	const long = '/' + 'very-long-part-'.repeat(33);
	await longTail(site, 0, [long, long, long, long]);
	await page.goto(`/sites/${site}?${RANGE}`);
	const row = page.locator('#pages tbody tr').first();
	const link = row.getByRole('link');
	await expect(link).toHaveAttribute('title', new RegExp(long.replaceAll('-', '\\-')));
	const height = async () => (await row.boundingBox())!.height;
	// Three lines of the label's text, not the 30-odd it wraps to whole.
	expect(await height()).toBeLessThan(100);
	await link.focus();
	await expect.poll(height).toBeGreaterThan(300);
	// Nothing past the screen's edge.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('a share link shows every row too, on its own details page, which updates live', async ({
	browser,
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('sharedtail');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Shared tail') });
	await longTail(site);
	const couch = createCouch(webServerCouchUrl(), webServerPrefix);
	const admin = { name: webServerAdmin.name, roles: ['couchstats:admin'], isAdmin: true };
	const secret = await enableShareLink(couch, admin, site);

	// A reader of the link, without a session.
	const reader = await (await browser.newContext()).newPage();
	await reader.goto(`${baseURL}/share/${secret}?${RANGE}`);
	await reader
		.locator('#pages')
		.getByRole('link', { name: 'Show all 131 rows of top pages' })
		.click();
	await expect(reader).toHaveURL(new RegExp(`/share/${secret}/breakdown/pages\\?${RANGE}$`));
	await expect(reader.getByRole('status')).toHaveText('Rows 1–100 of 131.');
	const rows = reader.getByRole('table').locator('tbody tr');
	await expect(rows).toHaveCount(100);
	expect(await wcagViolations(reader)).toEqual([]);

	// A new page's record arrives: the details page counts it without a reload.
	const late = entryPageview(
		site,
		perAttemptTime(Date.UTC(2026, 9, 20, 12, 4)),
		500,
		'visitor-number-late',
		'/a-late-page'
	);
	// Received now, as an import's history is: the stream says records came (`missed`).
	late.receivedAt = Date.now();
	await storeRecords([late]);
	await expect(reader.getByRole('status')).toHaveText('Rows 1–100 of 132.', { timeout: 15_000 });

	// A row's link opens the shared dashboard filtered by it, not the owner's.
	await rows.first().getByRole('link').click();
	await expect(reader).toHaveURL(new RegExp(`/share/${secret}\\?${RANGE}&page=/top$`));
});
