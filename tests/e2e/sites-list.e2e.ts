/**
 * The sites list in Chromium: "Add a site" starts at the browser's own time zone once
 * the page runs, under the name the list offers it by (Chromium says Asia/Calcutta), and
 * at UTC without JavaScript; each site shows its visitors today and a sparkline of them
 * by hour, read through the dashboard's own read of "Today", for records sent to the
 * ingest.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { pageview } from '../support/ingest-records';
import { addSite, logIn, sendRecords } from './owner-support';
import { webServerAdmin } from './web-server';

test.describe.configure({ mode: 'serial' });

/** The admin, logged in, on the sites list, in a browser whose zone is `timezoneId`. */
async function adminIn(browser: Browser, baseURL: string, timezoneId: string): Promise<Page> {
	const page = await (await browser.newContext({ timezoneId })).newPage();
	await logIn(page, baseURL, webServerAdmin.name, webServerAdmin.password);
	return page;
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
	await addSite(page, baseURL!, { id: 'zoned', name: 'Zoned site' });
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
	await addSite(page, baseURL!, { id: 'counted', name: 'Counted site' });
	await addSite(page, baseURL!, { id: 'quiet', name: 'Quiet site' });
	// Three visitors now, one of them with a second page; one more two hours ago when that
	// was today too (UTC, the site's zone).
	const now = Date.now();
	const earlier = now - 2 * 3_600_000;
	const sameDay = new Date(earlier).getUTCDate() === new Date(now).getUTCDate();
	const visitor = (ts: number) => pageview(ts, { site: 'counted', tz: 'UTC' });
	const first = visitor(now);
	const docs = [
		first,
		visitor(now),
		visitor(now),
		{
			...pageview(now, { site: 'counted', tz: 'UTC' }),
			vid: first.vid,
			sid: first.sid,
			entry: false,
			firstOfDay: false
		},
		...(sameDay ? [visitor(earlier)] : [])
	];
	const answer = await sendRecords(page, baseURL!, 'http://counted.example', docs);
	expect(answer.status()).toBe(201);
	expect((await answer.json()).filter((r: { error?: string }) => r.error)).toEqual([]);

	const hour = (ts: number) => `${new Date(ts).toISOString().slice(11, 13)}:00`;
	const visitors = sameDay ? 4 : 3;
	const each = sameDay ? `1 at ${hour(earlier)}, 3 at ${hour(now)}` : `3 at ${hour(now)}`;
	const counted = page.getByRole('listitem').filter({ hasText: 'Counted site' });
	// The records are indexed soon after: the list says so until then.
	await expect(async () => {
		await page.goto(`${baseURL}/sites`);
		await expect(counted.getByRole('link', { name: `${visitors} visitors today` })).toBeVisible({
			timeout: 1_000
		});
	}).toPass({ timeout: 30_000 });
	await expect(counted.getByRole('link', { name: `${visitors} visitors today` })).toHaveAttribute(
		'href',
		'/sites/counted?range=today'
	);
	await expect(counted.getByRole('img')).toHaveAccessibleName(
		`Visitors by hour today, 00:00 to ${hour(now)}: ${each}, none in the other hours.`
	);
	await expect(counted.locator('svg path')).toHaveAttribute('d', /^M0 /);
	const quiet = page.getByRole('listitem').filter({ hasText: 'Quiet site' });
	await expect(quiet.getByRole('link', { name: '0 visitors today' })).toBeVisible();
	await expect(quiet.getByRole('img')).toHaveAccessibleName(
		`Visitors by hour today: none from 00:00 to ${hour(now)}.`
	);
	// The dashboard's "Today" counts the same visitors.
	await page.getByRole('link', { name: `${visitors} visitors today` }).click();
	await expect(page.locator('#overview [data-metric="visitors"] dd.value')).toHaveText(
		String(visitors)
	);
	await page.context().close();
});
