/**
 * The sites list in Chromium: "Add a site" starts at the browser's own time zone once
 * the page runs, under the name the list offers it by (Chromium says Asia/Calcutta), and
 * at UTC without JavaScript; each site shows its visitors today and a sparkline of them
 * by hour, read through the dashboard's own read of "Today", for records sent to the
 * ingest. Past a page of sites, the list has a search and pages (First, Previous, Next and
 * Last), by keyboard.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { createCouch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { pageview } from '../support/ingest-records';
import { addSite, logIn, sendRecords } from './owner-support';
import { perAttempt } from './attempt';
import { clearOfHourEdge } from '../support/wall-clock';
import { webServerAdmin, webServerCouchUrl, webServerPrefix } from './web-server';

test.describe.configure({ mode: 'serial' });

const MINUTE = 60_000;

/** The admin, logged in, on the sites list, in a browser whose zone is `timezoneId`. */
async function adminIn(browser: Browser, baseURL: string, timezoneId: string): Promise<Page> {
	const page = await (await browser.newContext({ timezoneId })).newPage();
	await logIn(page, baseURL, webServerAdmin.name, webServerAdmin.password);
	return page;
}

/**
 * `count` sites of the admin's, written straight into the store: `prefix-01` …, named
 * `Name 1` …, each on its own host name.
 */
async function storeSites(prefix: string, name: string, count: number): Promise<void> {
	const docs = Array.from({ length: count }, (_, i) => {
		const id = `${prefix}-${String(i + 1).padStart(2, '0')}`;
		const input = { id, name: `${name} ${i + 1}`, hostnames: [`${id}.example`], timeZone: 'UTC' };
		return siteRecord(input, [webServerAdmin.name], Date.now());
	});
	const written = await createCouch(webServerCouchUrl(), webServerPrefix).sites.bulk({ docs });
	expect(written.filter((result) => result.error)).toEqual([]);
}

test('the new site’s time zone starts at the browser’s, under the name the list offers', async ({
	browser,
	baseURL
}) => {
	for (const [zone, offered] of [
		['Europe/Berlin', 'Europe/Berlin'],
		// Chromium's name for it; the list holds today's (an unlisted first option before).
		['Asia/Kolkata', 'Asia/Kolkata']
	]) {
		const page = await adminIn(browser, baseURL!, zone);
		await expect(page.getByLabel('Time zone')).toHaveValue(offered);
		await page.context().close();
	}
	// The site is made in that zone.
	const page = await adminIn(browser, baseURL!, 'Asia/Kolkata');
	await addSite(page, baseURL!, { id: perAttempt('zoned'), name: perAttempt('Zoned site') });
	await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Kolkata');
	// Without JavaScript the server's UTC stays, and the form still works.
	const state = await page.context().storageState();
	const plain = await (
		await browser.newContext({
			timezoneId: 'Asia/Kolkata',
			javaScriptEnabled: false,
			storageState: state
		})
	).newPage();
	await plain.goto(`${baseURL}/sites`);
	await expect(plain.getByLabel('Time zone')).toHaveValue('UTC');
	await page.context().close();
	await plain.context().close();
});

test('each site shows its visitors today and a sparkline of them by hour', async ({
	browser,
	baseURL
}) => {
	const page = await adminIn(browser, baseURL!, 'UTC');
	const site = perAttempt('counted');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Counted site') });
	await addSite(page, baseURL!, { id: perAttempt('quiet'), name: perAttempt('Quiet site') });
	// Three visitors now, one of them with a second page; one more two hours ago when that
	// was today too (UTC, the site's zone). The list reads today by hour as of its read:
	// the records are read in the hour they were written in (a minute clear of the next).
	test.setTimeout(test.info().timeout + MINUTE);
	const now = await clearOfHourEdge(MINUTE);
	const earlier = now - 2 * 3_600_000;
	const sameDay = new Date(earlier).getUTCDate() === new Date(now).getUTCDate();
	const visitor = (ts: number) => pageview(ts, { site, tz: 'UTC' });
	const first = visitor(now);
	const docs = [
		first,
		visitor(now),
		visitor(now),
		{
			...pageview(now, { site, tz: 'UTC' }),
			vid: first.vid,
			sid: first.sid,
			entry: false,
			firstOfDay: false
		},
		...(sameDay ? [visitor(earlier)] : [])
	];
	const answer = await sendRecords(page, baseURL!, `http://${site}.example`, docs);
	expect(answer.status()).toBe(201);
	expect((await answer.json()).filter((r: { error?: string }) => r.error)).toEqual([]);

	const hour = (ts: number) => `${new Date(ts).toISOString().slice(11, 13)}:00`;
	const visitors = sameDay ? 4 : 3;
	const each = sameDay ? `1 at ${hour(earlier)}, 3 at ${hour(now)}` : `3 at ${hour(now)}`;
	// Between midnight and one o'clock the only hour so far is busy: no hour is left out.
	const busyHours = sameDay ? 2 : 1;
	const rest = busyHours < new Date(now).getUTCHours() + 1 ? ', none in the other hours' : '';
	const counted = page.getByRole('listitem').filter({ hasText: perAttempt('Counted site') });
	// The records are indexed soon after: the list says so until then.
	await expect(async () => {
		await page.goto(`${baseURL}/sites`);
		await expect(counted.getByRole('link', { name: `${visitors} visitors today` })).toBeVisible({
			timeout: 1_000
		});
	}).toPass({ timeout: 30_000 });
	await expect(counted.getByRole('link', { name: `${visitors} visitors today` })).toHaveAttribute(
		'href',
		`/sites/${site}?range=today`
	);
	await expect(counted.getByRole('img')).toHaveAccessibleName(
		`Visitors by hour today, 00:00 to ${hour(now)}: ${each}${rest}.`
	);
	await expect(counted.locator('svg path')).toHaveAttribute('d', /^M0 /);
	const quiet = page.getByRole('listitem').filter({ hasText: perAttempt('Quiet site') });
	await expect(quiet.getByRole('link', { name: '0 visitors today' })).toBeVisible();
	await expect(quiet.getByRole('img')).toHaveAccessibleName(
		`Visitors by hour today: none from 00:00 to ${hour(now)}.`
	);
	// The dashboard's "Today" counts the same visitors.
	await counted.getByRole('link', { name: `${visitors} visitors today` }).click();
	await expect(page.locator('#overview [data-metric="visitors"] dd.value')).toHaveText(
		String(visitors)
	);
	await page.context().close();
});

test('past a page of sites, a search and pages find them, by keyboard', async ({
	browser,
	baseURL
}) => {
	// 40 sites more: with the others, more than a page.
	const [paged, Paged] = [perAttempt('paged'), perAttempt('Paged')];
	await storeSites(paged, Paged, 40);
	const page = await adminIn(browser, baseURL!, 'UTC');
	await page.goto(`${baseURL}/sites`);
	const rows = page.locator('.site-list > li');
	// What the list says of where it stands, which the list names as its description.
	const count = page.locator('#sites-count');
	await expect(rows).toHaveCount(25);
	await expect(count).toHaveText(/^Sites 1–25 of \d+$/);
	await expect(page.locator('.site-list')).toHaveAccessibleDescription(/^Sites 1–25 of \d+$/);

	// Search by keyboard; the box keeps the focus, and the address the search.
	const search = page.getByRole('search').getByLabel('Find a site by id, name or host name');
	await search.focus();
	await page.keyboard.type(Paged);
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}`);
	await expect(search).toBeFocused();
	await expect(count).toHaveText(
		new RegExp(`^Sites 1–25 of 40 matching “${Paged}” \\(\\d+ in all\\)$`)
	);
	await expect(rows.first()).toContainText(`${Paged} 1`);

	// The next page, by keyboard: it keeps the search, and its sites have their numbers.
	const pages = page.getByRole('navigation', { name: 'Pages of sites' });
	await expect(pages.getByRole('link')).toHaveText(['Next', 'Last']);

	// Last, by keyboard: the last sites, keyed by none, the search kept; no Next or Last
	// there, and Previous goes back to the page before its first site.
	await pages.getByRole('link', { name: 'Last' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}&last`);
	await expect(count).toContainText(`Sites 16–40 of 40 matching “${Paged}”`);
	await expect(rows).toHaveCount(25);
	await expect(rows.first()).toContainText(`${Paged} 16`);
	await expect(rows.last()).toContainText(`${Paged} 40`);
	await expect(pages.getByRole('link')).toHaveText(['First', 'Previous']);
	await pages.getByRole('link', { name: 'Previous' }).click();
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}&before=${paged}-16`);
	// Less than a page before it: the first page.
	await expect(count).toContainText(`Sites 1–25 of 40 matching “${Paged}”`);
	await expect(rows.first()).toContainText(`${Paged} 1`);
	await expect(pages.getByRole('link')).toHaveText(['Next', 'Last']);
	await pages.getByRole('link', { name: 'Next' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}&after=${paged}-25`);
	await expect(page).toHaveTitle('Sites 26–40 of 40 · couchstats');
	await expect(count).toContainText(`Sites 26–40 of 40 matching “${Paged}”`);
	await expect(rows).toHaveCount(15);
	await expect(rows.first()).toContainText(`${Paged} 26`);
	await expect(rows.last()).toContainText(`${Paged} 40`);
	await expect(rows.getByRole('link', { name: '0 visitors today' })).toHaveCount(15);
	await expect(pages.getByRole('link')).toHaveText(['First', 'Previous']);

	// A site's dashboard, then back: the same page of the list.
	await rows
		.first()
		.getByRole('link', { name: `${Paged} 26`, exact: true })
		.click();
	await expect(page).toHaveURL(`${baseURL}/sites/${paged}-26`);
	await page.goBack();
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}&after=${paged}-25`);
	await expect(rows.first()).toContainText(`${Paged} 26`);

	// Previous, by keyboard: the page before the first shown, the search kept.
	await pages.getByRole('link', { name: 'Previous' }).focus();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`${baseURL}/sites?q=${Paged}&before=${paged}-26`);
	await expect(count).toHaveText(new RegExp(`^Sites 1–25 of 40 matching “${Paged}”`));
	await expect(rows.first()).toContainText(`${Paged} 1`);
	await page.goForward();

	// A search that finds nothing says so, and links the whole list.
	await search.fill('nothing-like-it');
	await search.press('Enter');
	await expect(count).toHaveText('No site matches “nothing-like-it”.');
	await expect(pages).toHaveCount(0);
	await page.getByRole('link', { name: 'Show all sites' }).click();
	await expect(page).toHaveURL(`${baseURL}/sites`);
	await expect(rows).toHaveCount(25);
	// Unsearched, Next is the page after the last site shown, and Previous comes back.
	const last = await rows.last().getByRole('link').first().getAttribute('href');
	await pages.getByRole('link', { name: 'Next' }).click();
	await expect(page).toHaveURL(`${baseURL}/sites?after=${last!.slice('/sites/'.length)}`);
	await expect(count).toHaveText(/^Sites 26–\d+ of \d+$/);
	await pages.getByRole('link', { name: 'Previous' }).click();
	await expect(count).toHaveText(/^Sites 1–25 of \d+$/);
	await expect(rows.last().getByRole('link').first()).toHaveAttribute('href', last!);
	// Unsearched, Last is the last 25 sites, and Previous the page before its first.
	await pages.getByRole('link', { name: 'Last' }).click();
	await expect(page).toHaveURL(`${baseURL}/sites?last`);
	await expect(count).toHaveText(/^Sites \d+–(\d+) of \1$/);
	const total = Number(/of (\d+)$/.exec((await count.textContent())!)![1]);
	await expect(count).toHaveText(`Sites ${total - 24}–${total} of ${total}`);
	await expect(rows).toHaveCount(25);
	await expect(pages.getByRole('link')).toHaveText(['First', 'Previous']);
	const lastFirst = await rows.first().getByRole('link').first().getAttribute('href');
	await pages.getByRole('link', { name: 'Previous' }).click();
	await expect(page).toHaveURL(`${baseURL}/sites?before=${lastFirst!.slice('/sites/'.length)}`);
	const before = total - 25;
	await expect(count).toHaveText(
		before >= 25 ? `Sites ${before - 24}–${before} of ${total}` : `Sites 1–25 of ${total}`
	);

	// Without JavaScript too, a form's answer comes back to the same search and page.
	const plain = await (
		await browser.newContext({
			javaScriptEnabled: false,
			storageState: await page.context().storageState()
		})
	).newPage();
	await plain.goto(`${baseURL}/sites?q=${Paged}&after=${paged}-25`);
	await plain.getByLabel('Id (used in URLs and the snippet)').fill(`${paged}-01`);
	await plain.getByLabel('Name', { exact: true }).fill('Again');
	await plain.getByLabel('Host names (comma or space separated)').fill('again.example');
	await plain.getByRole('button', { name: 'Add site' }).click();
	await expect(plain.getByText(`a site with id "${paged}-01" already exists`)).toBeVisible();
	expect(new URL(plain.url()).search).toBe(`?q=${Paged}&after=${paged}-25&/create`);
	await expect(plain.locator('#sites-count')).toContainText(
		`Sites 26–40 of 40 matching “${Paged}”`
	);
	await plain.context().close();
	await page.context().close();
});

test('past its first sites, the header’s switcher finds a site by keyboard, and without JavaScript through the sites list', async ({
	browser,
	baseURL
}) => {
	// Twelve sites more, whose ids come after those the switcher lists first.
	const [zeta, Zeta] = [perAttempt('zeta'), perAttempt('Zeta')];
	await storeSites(zeta, Zeta, 12);
	const page = await adminIn(browser, baseURL!, 'UTC');
	await page.goto(`${baseURL}/sites/demo/settings`);
	const header = page.getByRole('banner');
	const switcher = header.locator('summary');

	// Opened by keyboard, it lists the first ten sites and all of them, and the typing
	// goes to its search box.
	await switcher.focus();
	await page.keyboard.press('Enter');
	const search = header.getByRole('search').getByLabel('Search your sites');
	await expect(search).toBeFocused();
	const items = header.locator('details').getByRole('listitem');
	await expect(items).toHaveCount(11);
	await expect(items.last()).toHaveText(/All sites \(\d+\)$/);
	await expect(header.getByRole('link', { name: `${Zeta} 12` })).toHaveCount(0);

	// A search says how many match, lists the first ten and links the rest.
	await page.keyboard.type(zeta);
	const count = header.getByRole('status');
	await expect(count).toHaveText(
		new RegExp(`^Sites 1–10 of 12 matching “${zeta}” \\(\\d+ in all\\)$`)
	);
	await expect(header.getByRole('link', { name: 'All 12 matching' })).toHaveAttribute(
		'href',
		`/sites?q=${zeta}`
	);
	await page.keyboard.type(' 12');
	await expect(count).toHaveText(
		new RegExp(`^Sites 1–1 of 1 matching “${zeta} 12” \\(\\d+ in all\\)$`)
	);
	await expect(items).toHaveText([`${Zeta} 12`, /All sites \(\d+\)$/]);

	// Down to the site, Enter: the same page of that site.
	await page.keyboard.press('ArrowDown');
	await expect(header.getByRole('link', { name: `${Zeta} 12` })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(`${baseURL}/sites/${zeta}-12/settings`);
	await expect(switcher).toHaveText(`Site: ${Zeta} 12`);
	await expect(header.getByRole('link', { name: 'Settings' })).toHaveAttribute(
		'aria-current',
		'page'
	);

	// Without JavaScript, the search box sends the search to the sites list.
	const plain = await (
		await browser.newContext({
			javaScriptEnabled: false,
			storageState: await page.context().storageState()
		})
	).newPage();
	await plain.goto(`${baseURL}/sites/${zeta}-12`);
	await plain.getByRole('banner').locator('summary').click();
	await plain.getByRole('banner').getByLabel('Search your sites').fill(`${Zeta} 1`);
	await plain.keyboard.press('Enter');
	await expect(plain).toHaveURL(`${baseURL}/sites?q=${Zeta}+1`);
	await expect(plain.locator('#sites-count')).toHaveText(
		new RegExp(`^Sites 1–4 of 4 matching “${Zeta} 1”`)
	);
	await plain.context().close();
	await page.context().close();
});

test('a host name in another script is shown beside its punycode, and the list finds it as typed', async ({
	browser,
	baseURL
}) => {
	const page = await adminIn(browser, baseURL!, 'UTC');
	const id = perAttempt('buecher');
	const typed = `${id}.bücher.example`;
	const stored = `${id}.xn--bcher-kva.example`;
	await addSite(page, baseURL!, { id, name: 'Bookshop', hosts: `${id}.Bücher.example` });
	await expect(page.getByTestId('unicode-hosts')).toHaveText(`${typed} is ${stored}.`);
	await page.goto(`${baseURL}/sites?q=${encodeURIComponent(typed)}`);
	const found = page.locator('.site-list li');
	await expect(found).toHaveCount(1);
	await expect(found).toContainText(`${stored} (${typed})`);
	await page.context().close();
});
