/**
 * The reports of what the tracker records, from a scripted visit in real Chromium to
 * the owner's dashboard: a new visitor reads the home page to half its height, the
 * pricing page to the bottom (downloading the price list and following the outbound
 * link to CouchDB on the way), then hits a missing page; a returning visitor (whose
 * browser last visited on an earlier day) lands on another missing page, named in another
 * script (shown as it reads, `/no-such-café`), and reads the home page to the bottom. The 404, scroll depth, new vs returning, outbound and download
 * panels then show the numbers worked out by hand below. The built app, its CouchDB.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { uuidv7 } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { useTrackedApp, waitForRecords } from './tracker-support';

test.describe.configure({ timeout: 150_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

/**
 * A visitor's browser context whose demo pages are tall enough to scroll from the
 * start (the tracker counts what is on screen at `load` as read: 720 of 5000 px, under
 * 25 %), except the missing pages, which fit the screen.
 */
async function visitorContext(): Promise<BrowserContext> {
	// Berlin's time zone: the ingest takes the visitor's country (Germany) from it.
	const context = await visitorBrowser.newContext({ timezoneId: 'Europe/Berlin' });
	await context.addInitScript(() =>
		document.addEventListener('DOMContentLoaded', () => {
			if (!location.pathname.startsWith('/no-such-')) document.body.style.minHeight = '5000px';
		})
	);
	return context;
}

/**
 * Opens a demo page and waits until the network is quiet: the tracker's core (which
 * keeps the scroll depth and captures link clicks) arrives asynchronously, and its
 * deferred part after `load`.
 */
async function visit(page: Page, path: string) {
	await page.goto(`${app.url}${path}`);
	await page.waitForLoadState('networkidle');
}

/**
 * Scrolls so the viewport's bottom edge is at `percent` of the page, as the tracker
 * measures depth, and waits for the scroll event (the tracker's listener runs first).
 */
async function scrollTo(page: Page, percent: number) {
	await page.evaluate(
		(percent) =>
			new Promise((resolve) => {
				window.addEventListener('scroll', resolve, { once: true });
				const height = document.documentElement.scrollHeight;
				window.scrollTo(0, Math.round((height * percent) / 100 - window.innerHeight));
			}),
		percent
	);
}

/** The rows of a dashboard widget's table, as its cells read (each number without its change). */
function tableOf(page: Page, widget: string): Promise<string[][]> {
	return page.locator(`#${widget} tbody tr`).evaluateAll((rows) =>
		rows.map((row) =>
			[...row.querySelectorAll('th, td')].map((cell) => {
				// Without the row's change against the previous period (dashboard-compare.e2e.ts
				// checks it): every row here is new, the previous week having no records.
				const text = (cell as HTMLElement).innerText;
				const change = cell.querySelector<HTMLElement>('.change')?.innerText ?? '';
				return text.replace(change, '').trim();
			})
		)
	);
}

test('a scripted visit makes the 404, scroll depth, new vs returning, outbound and download panels show exact numbers', async ({
	browser
}) => {
	// A new visitor.
	const fresh = await visitorContext();
	await fresh.route('https://couchdb.apache.org/**', (route) =>
		route.fulfill({ contentType: 'text/html', body: '<title>CouchDB</title><p>Relax.</p>' })
	);
	const n = await fresh.newPage();
	await visit(n, '/');
	await scrollTo(n, 50);
	await visit(n, '/pricing');
	const download = n.waitForEvent('download');
	await n.getByRole('link', { name: 'Download the price list' }).click();
	await download;
	await scrollTo(n, 100);
	await n.getByRole('link', { name: 'Apache CouchDB' }).click();
	await n.waitForURL('https://couchdb.apache.org/');
	await visit(n, '/no-such-page');
	await n.goto('about:blank');

	// A returning visitor: their browser keeps the tracker's state of an earlier day.
	const back = await visitorContext();
	const visitor = JSON.stringify({ id: uuidv7(Date.now()), day: '2026-01-01' });
	await back.addInitScript((state) => {
		if (!localStorage.getItem('couchstats:visitor:demo'))
			localStorage.setItem('couchstats:visitor:demo', state);
	}, visitor);
	const r = await back.newPage();
	// A page named in another script: recorded as the URL holds it, shown as it reads.
	await visit(r, '/no-such-café');
	await visit(r, '/');
	await scrollTo(r, 100);
	await r.goto('about:blank');

	const records = await waitForRecords(
		app,
		(rs) =>
			rs.filter((x) => x.type === 'pageview').length >= 5 &&
			rs.filter((x) => x.type === 'heartbeat' && x.path === '/' && x.scroll === 100).length >= 1 &&
			rs.filter((x) => x.type === 'heartbeat' && x.path.startsWith('/no-such-')).length >= 2 &&
			rs.some((x) => x.type === 'event' && x.name === 'outbound') &&
			rs.some((x) => x.type === 'event' && x.name === 'download')
	);
	const pageviews = records
		.filter((x) => x.type === 'pageview')
		.sort((a, b) => a.ts - b.ts)
		.map((x) => [x.path, Boolean(x.notFound), x.firstEver]);
	// As the tracker classified them: the new visitor's three (each of a new visitor's
	// first day), then the returning one's two.
	expect(pageviews).toEqual([
		['/', false, true],
		['/pricing', false, true],
		['/no-such-page', true, true],
		['/no-such-caf%C3%A9', true, false],
		['/', false, false]
	]);

	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=7d`);

	// 404s: the new visitor came from the pricing page, the returning one directly.
	await expect
		.poll(() => tableOf(owner, 'not-found'))
		.toEqual([
			['/no-such-café', '(direct)', '1'],
			['/no-such-page', '/pricing', '1']
		]);
	// Its link's title reads as the row, then names the recorded path (an outside test read
	// titles naming only the recorded one).
	await expect(owner.locator('#not-found tbody th a', { hasText: 'café' })).toHaveAttribute(
		'title',
		'Filter by page /no-such-café (recorded as /no-such-caf%C3%A9)'
	);
	// The keyboard and screen readers get it too, as the link's description (probe42a F3:
	// a title is read on hover only).
	await expect(
		owner.locator('#not-found tbody th a', { hasText: 'café' })
	).toHaveAccessibleDescription(
		'Filters the dashboard by this row (recorded as /no-such-caf%C3%A9)'
	);
	await expect(
		owner.locator('#not-found tbody th a', { hasText: 'page' })
	).toHaveAccessibleDescription('Filters the dashboard by this row');
	// The paths' trail, the journeys' pages and the filter chip read as the rows, and give
	// the path as recorded on hover, as the rows do.
	const recorded = '/no-such-caf%C3%A9';
	const steps = new URLSearchParams([
		['range', '7d'],
		['step', recorded],
		['step', '/'],
		['journey', '/']
	]);
	await owner.goto(`${app.url}/sites/demo?${steps}`);
	const trailStep = owner.locator('#paths a[data-testid="path-step"]');
	await expect(trailStep).toHaveText('/no-such-café');
	await expect(trailStep.locator('[title]')).toHaveAttribute('title', recorded);
	await expect(trailStep).toHaveAccessibleDescription(`recorded as ${recorded}`);
	const otherPage = owner
		.getByRole('navigation', { name: 'Journeys through another page' })
		.getByRole('link', { name: '/no-such-café' });
	await expect(otherPage.locator('[title]')).toHaveAttribute('title', recorded);
	await expect(otherPage).toHaveAccessibleDescription(`recorded as ${recorded}`);
	// A walk to a page of the journeys' tables says it as well.
	await expect(
		owner.locator('#journeys tbody th a', { hasText: 'café' }).first()
	).toHaveAccessibleDescription(
		'Shows the journeys through this page (recorded as /no-such-caf%C3%A9)'
	);
	await owner.goto(`${app.url}/sites/demo?range=7d`);
	await owner.locator('#not-found tbody th a', { hasText: 'café' }).click();
	const chip = owner.getByTestId('filter-bar').locator('.chip');
	await expect(chip).toContainText('Filtered by page /no-such-café');
	await expect(chip.locator('strong [title]')).toHaveAttribute('title', recorded);
	// Where a path is no link, the keyboard and screen readers read its recorded form in
	// line, after it, as the links' descriptions give it: the chip (which the keyboard is
	// put on as the filter comes on), the session list, a session's timeline and the
	// latest events (each a soft check, so that a run shows every place that lacks it).
	const spoken = `/no-such-café (recorded as ${recorded})`;
	await expect.soft(chip).toMatchAriaSnapshot(`
		- paragraph:
		  - text: Filtered by page
		  - strong: "${spoken}"
	`);
	await owner.goto(`${app.url}/sites/demo/sessions?range=7d`);
	const row = owner.getByTestId('session-list').getByRole('row').filter({ hasText: 'café' });
	await expect(row).toHaveCount(1);
	await expect.soft(row.getByRole('cell', { name: `${spoken} → /` })).toHaveCount(1);
	await row.getByRole('link').click();
	const visited = owner.getByTestId('session-timeline').getByRole('listitem').first();
	await expect(visited).toContainText('Pageview /no-such-café');
	expect.soft(await visited.ariaSnapshot()).toContain(`Pageview ${spoken}`);
	await owner.goto(`${app.url}/sites/demo?range=7d`);
	const latest = owner
		.getByTestId('latest-events')
		.getByRole('listitem')
		.filter({ hasText: 'café' });
	await expect(latest).toHaveCount(1);
	expect.soft(await latest.ariaSnapshot()).toContain(`pageview ${spoken}`);
	// Read, not shown: the recorded form takes no room on the screen.
	await expect(latest).toHaveText(/pageview \/no-such-café/);
	await expect.soft(latest.locator('.sr-only')).toHaveCSS('position', 'absolute');

	// Scroll depth: home read to 50 % and 100 % (average 75 %, both past 25 and 50 %, one
	// to 75 and 100 %); the missing page fits the screen, so it was read whole unscrolled;
	// pricing read to the bottom.
	expect(await tableOf(owner, 'scroll-depth')).toEqual([
		['/', '2', '75%', '100%', '100%', '50%', '50%'],
		['/no-such-café', '1', '100%', '100%', '100%', '100%', '100%'],
		['/no-such-page', '1', '100%', '100%', '100%', '100%', '100%'],
		['/pricing', '1', '100%', '100%', '100%', '100%', '100%']
	]);
	expect(await tableOf(owner, 'new-vs-returning')).toEqual([
		['New', '1', '1'],
		['Returning', '1', '1']
	]);
	await expect(owner.locator('#overview [data-metric="newVisitors"] dd.value')).toHaveText('1');
	await expect(owner.locator('#overview [data-metric="visitors"] dd.value')).toHaveText('2');
	expect(await tableOf(owner, 'outbound-links')).toEqual([['https://couchdb.apache.org/', '1']]);
	expect(await tableOf(owner, 'downloads')).toEqual([[`${app.url}/robots.txt`, '1']]);
	// A country is named, not given by its code.
	expect(await tableOf(owner, 'countries')).toEqual([['Germany', '2', '2']]);
	// No browser had to drop a record.
	await expect(owner.locator('#dropped')).toContainText('None lost in this range');
	// The engagement rate says what it divides.
	await expect(owner.locator('#overview [data-metric="engagementRate"] dt')).toContainText(
		/\d+ engaged of \d+ actual sessions? \(10 s\+\)/
	);
});
