/**
 * Dashboard filters: two visitors browse the demo site — one from a Hacker News link who
 * reads the pricing page and clicks its call to action, one who comes directly — and the
 * owner narrows the dashboard to that source, then to a page, then to the event, by
 * clicking breakdown rows, and takes the filter off again. A filtered dashboard stays
 * live. The same links work on a share link. Real Chromium, the built app, its CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { useTrackedApp, visitPage, waitForRecords } from './tracker-support';

// A limit only catches a hang: at a load of 30 on 2 cores the walk takes some 150 s.
test.describe.configure({ timeout: 300_000 });

const HN = 'https://news.ycombinator.com/item?id=1';

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

/**
 * The numbers of the headline tiles, by `data-metric`. Polled: under load a first read
 * may answer from an index still being built, and the page reads again until complete.
 */
async function headline(page: Page): Promise<Record<string, string>> {
	const tiles = page.locator('#overview [data-metric]');
	await expect(tiles.first()).toBeVisible();
	const out: Record<string, string> = {};
	for (const tile of await tiles.all()) {
		out[(await tile.getAttribute('data-metric'))!] = (await tile
			.locator('dd.value')
			.textContent())!.trim();
	}
	return out;
}

/** A breakdown row's link, by widget id and label. */
function rowLink(page: Page, widget: string, label: string) {
	return page.locator(`#${widget}`).getByRole('link', { name: label, exact: true });
}

test('clicking a referrer, a page and an event row narrows the dashboard to it, with exact numbers, and the filter comes off again', async ({
	browser
}) => {
	// From Hacker News: the home page, then pricing, where the call to action is clicked.
	const fromHn = await (await visitorBrowser.newContext()).newPage();
	await visitPage(app, fromHn, '/', HN);
	await visitPage(app, fromHn, '/pricing');
	await fromHn.getByRole('button', { name: 'Start now' }).click();
	await fromHn.goto('about:blank');
	// Direct: about, then the blog.
	const direct = await (await visitorBrowser.newContext()).newPage();
	await visitPage(app, direct, '/about');
	await visitPage(app, direct, '/blog');
	await direct.goto('about:blank');
	await waitForRecords(
		app,
		(records) =>
			records.filter((r) => r.type === 'pageview').length >= 4 &&
			records.some((r) => r.type === 'event' && r.name === 'cta-start')
	);

	const owner = await ownerPage(browser, app);

	// Last 7 days, not today: a run that crosses midnight UTC (the demo site's zone) between
	// the visits and a read must still count them (a CI run once read all zeros there).
	const dashboard = `${app.url}/sites/demo?range=7d`;
	await owner.goto(dashboard);
	await expect(owner.getByTestId('filter-bar')).toHaveCount(0);
	await expect
		.poll(() => headline(owner), { timeout: 20_000 })
		.toMatchObject({
			visitors: '2',
			pageviews: '4',
			sessions: '2',
			events: '1'
		});
	await expect(rowLink(owner, 'referrers', '(direct)')).toHaveAttribute(
		'href',
		'/sites/demo?range=7d&source=(direct)'
	);
	// In the site's own zone nothing is said of visitors' days; in another, that they are
	// the site's (an outside review read 2 visitors for one person in UTC, unexplained).
	const zoneNote = owner.locator('#overview').getByText('Visitors count once a day in');
	await expect(zoneNote).toHaveCount(0);
	await owner.goto(`${dashboard}&tz=Asia/Kolkata`);
	await expect(zoneNote).toHaveText(
		'Visitors count once a day in the site’s time zone, UTC: seen in Asia/Kolkata, one whose visit crossed the site’s midnight counts on both of its days.'
	);
	// The site's zone named in another case is the site's zone (an outside probe read
	// "seen in Europe/berlin" on a Europe/Berlin site).
	await owner.goto(`${dashboard}&tz=utc`);
	await expect.poll(() => headline(owner)).toMatchObject({ visitors: '2', pageviews: '4' });
	await expect(owner.locator('#overview')).toBeVisible();
	await expect(zoneNote).toHaveCount(0);
	// So is the site's zone by another name (an outside review: US/Pacific on a site in
	// America/Los_Angeles was told its visitors may count on two days).
	await owner.goto(`${dashboard}&tz=Etc/UTC`);
	await expect(owner.locator('.dashboard .sub span').first()).toHaveText(/ · UTC$/);
	await expect(zoneNote).toHaveCount(0);
	await owner.goto(dashboard);

	// Source: only the Hacker News session, all of it.
	await rowLink(owner, 'referrers', 'news.ycombinator.com').click();
	await owner.waitForURL(`${dashboard}&source=news.ycombinator.com`);
	await expect(owner.getByTestId('filter-bar')).toContainText(
		'Filtered by source news.ycombinator.com'
	);
	await expect(owner.getByTestId('filter-bar')).toContainText(
		'Active now” still shows all traffic'
	);
	// A row's link replaces the filter on, and says so to screen readers too (an outside
	// re-check: only the link's title, on hover, said it).
	const described = await rowLink(owner, 'pages', '/').getAttribute('aria-describedby');
	await expect(owner.locator(`[id="${described}"]`)).toHaveText(
		'Filters the dashboard by this row (instead of source news.ycombinator.com: one filter at a time)'
	);
	await expect
		.poll(() => headline(owner), { timeout: 20_000 })
		.toMatchObject({
			visitors: '1',
			pageviews: '2',
			sessions: '1',
			events: '1'
		});
	await expect(owner.locator('#pages tbody th')).toHaveText(['/', '/pricing']);
	const csv = owner.getByRole('link', { name: 'Download top pages as CSV' });
	expect(await csv.getAttribute('href')).toContain('&source=news.ycombinator.com&');
	const exported = await owner.request.get(`${app.url}${await csv.getAttribute('href')}`);
	expect(exported.status()).toBe(200);
	expect(await exported.text()).not.toContain('/about');

	// Live: the Hacker News visitor reads one more page (its session keeps its source);
	// the filtered dashboard follows without a reload.
	await visitPage(app, fromHn, '/about');
	await fromHn.goto('about:blank');
	await expect.poll(async () => (await headline(owner)).pageviews, { timeout: 20_000 }).toBe('3');
	expect(owner.url()).toBe(`${dashboard}&source=news.ycombinator.com`);

	// Page: the pricing page's own numbers; no session landed on it, so its rates are
	// not known.
	await rowLink(owner, 'pages', '/pricing').click();
	await owner.waitForURL(`${dashboard}&page=/pricing`);
	await expect(owner.getByTestId('filter-bar')).toContainText('Filtered by page /pricing');
	await expect
		.poll(() => headline(owner), { timeout: 20_000 })
		.toEqual({
			visitors: '1',
			pageviews: '1',
			sessions: '0',
			bounceRate: '—',
			engagementRate: '—',
			engagedTimeMs: expect.stringMatching(/^(\d+s|<1s)$/),
			events: '1'
		});
	await expect(owner.locator('#overview [data-metric="sessions"] dt')).toContainText(
		'sessions that landed here'
	);

	// Event: conversions, and their share of all visitors (1 of 2).
	await rowLink(owner, 'events', 'cta-start').click();
	await owner.waitForURL(`${dashboard}&event=cta-start`);
	await expect(owner.getByTestId('filter-bar')).toContainText('Filtered by event cta-start');
	await expect
		.poll(() => headline(owner), { timeout: 20_000 })
		.toEqual({
			visitors: '1',
			sessions: '1',
			events: '1',
			conversionRate: '50%'
		});
	await expect(owner.locator('#overview [data-metric="conversionRate"] dt')).toContainText(
		'Conversion rate'
	);
	await expect(owner.locator('#pages thead th')).toHaveText(['Page', 'Events']);
	await expect(owner.locator('#pages tbody tr')).toHaveText([/\/pricing\s*1/]);
	await expect(owner.locator('#entry-pages')).toContainText('Not available under an event filter');
	await expect(owner.locator('#countries')).toContainText('Not available under an event filter');
	await expect(owner.locator('#referrers tbody th')).toHaveText(['news.ycombinator.com']);

	// A new range keeps the filter.
	await owner.getByLabel('Range').selectOption('28d');
	await owner.waitForURL(/range=28d.*event=cta-start/);
	await expect(owner.getByTestId('filter-bar')).toContainText('Filtered by event cta-start');

	// Off again: the whole site, same range.
	await owner.getByRole('link', { name: 'Remove filter' }).click();
	await owner.waitForURL(/\/sites\/demo\?range=28d&tz=[^&]+$/);
	await expect(owner.getByTestId('filter-bar')).toHaveCount(0);
	await expect
		.poll(() => headline(owner), { timeout: 20_000 })
		.toMatchObject({ visitors: '2', pageviews: '5', events: '1' });

	// A share link filters the same way, on its own address.
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.getByRole('button', { name: /share link/ }).click();
	const shareUrl = (await owner.getByRole('link', { name: /\/share\/shr_/ }).textContent())!.trim();
	const shared = await (await browser.newContext()).newPage();
	await shared.goto(`${shareUrl}?range=7d`);
	await rowLink(shared, 'referrers', '(direct)').click();
	await shared.waitForURL(`${shareUrl}?range=7d&source=(direct)`);
	await expect(shared.getByTestId('filter-bar')).toContainText('Filtered by source (direct)');
	await expect
		.poll(() => headline(shared), { timeout: 20_000 })
		.toMatchObject({ visitors: '1', pageviews: '2', sessions: '1' });
	await expect(shared.locator('#pages tbody th')).toHaveText(['/about', '/blog']);
});

test('two filters at once are refused with what was wrong and a way back to the range without filters', async ({
	browser
}) => {
	// An outside review: the dashboard was replaced by the bare line, with no way on.
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=7d&page=/about&source=x.org`);
	await expect(owner.getByRole('alert')).toHaveText(
		'only one filter at a time: the request has page and source'
	);
	await owner.getByRole('link', { name: 'Show this range without filters' }).click();
	await owner.waitForURL(`${app.url}/sites/demo?range=7d`);
	await expect(owner.getByRole('alert')).toHaveCount(0);
	await expect(owner.locator('#overview [data-metric]').first()).toBeVisible();
});
