/**
 * The dashboard names the dates its changes compare with, and they are the calendar's:
 * "This month" the same days of the month before, "Last month" the whole month before,
 * "This year" the same dates a year earlier, "Last 7 days" the 7 days before (an outside
 * evaluator read November compared with October 2–31). Its CSV links compare alike. The
 * expected dates are worked out here from the wall clock, in UTC (the demo site's zone).
 * Real Chromium, the built app, its embedded store.
 */
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { entryPageview } from '../support/golden';
import { perAttempt, perAttemptTime } from './attempt';
import { addSite, logIn, ownerPage, storeRecords } from './owner-support';
import { webServerAdmin } from './web-server';
import { useTrackedApp } from './tracker-support';
import { clearOfMidnight } from '../support/wall-clock';

let app: RunningApp;
useTrackedApp((started) => ({ app } = started));

const MINUTE = 60_000;

/** A UTC date, its fields carried over as `Date.UTC` does (month 0-based, day 0: the last of the month before). */
const iso = (year: number, month: number, day: number) =>
	new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
/** The days of a month (0-based; carried over). */
const length = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

test('the overview names the dates each range compares with, and its CSV links compare alike', async ({
	browser
}) => {
	// Every page below is read on the day the dates are worked out for.
	const now = new Date(await clearOfMidnight(2 * MINUTE));
	const [y, m, d] = [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()];
	const wholeMonth = d === length(y, m);
	const expected: Record<string, [string, string]> = {
		month: wholeMonth
			? [iso(y, m - 1, 1), iso(y, m, 0)]
			: [iso(y, m - 1, 1), iso(y, m - 1, Math.min(d, length(y, m - 1)))],
		lastmonth: [iso(y, m - 2, 1), iso(y, m - 1, 0)],
		year: [iso(y - 1, 0, 1), iso(y - 1, m, Math.min(d, length(y - 1, m)))],
		'7d': [iso(y, m, d - 13), iso(y, m, d - 7)]
	};
	const owner = await ownerPage(browser, app);
	for (const [range, [from, to]] of Object.entries(expected)) {
		await owner.goto(`${app.url}/sites/demo?range=${range}`);
		await expect(owner.locator('#overview')).toContainText(
			`Changes compare with ${from} to ${to}.`
		);
		const csv = owner.getByRole('link', { name: 'Download the time series as CSV' });
		const compare = range === '7d' ? 'days' : range === 'year' ? 'year' : 'month';
		await expect(csv).toHaveAttribute('href', new RegExp(`[?&]compare=${compare}(&|$)`));
	}
});

test('without JavaScript, the CSV links carry the page’s range and comparison', async ({
	browser
}) => {
	// A snippet's default argument was a derived value's getter in the server's HTML: every
	// such link read `export?function(new_value) {…}&breakdown=…`.
	const owner = await ownerPage(browser, app);
	const plain = await (
		await browser.newContext({
			javaScriptEnabled: false,
			storageState: await owner.context().storageState()
		})
	).newPage();
	await plain.goto(`${app.url}/sites/demo?range=custom&from=2026-11-01&to=2026-11-30`);
	for (const name of ['the time series', 'the goals']) {
		await expect(plain.getByRole('link', { name: `Download ${name} as CSV` })).toHaveAttribute(
			'href',
			/^\/api\/v1\/stats\/export\?site=demo&from=2026-11-01&to=2026-11-30&tz=UTC&compare=month&breakdown=\w+&format=csv$/
		);
	}
	await plain.context().close();
});

test('each breakdown row shows its change against the previous period, in words to a screen reader', async ({
	page,
	baseURL
}) => {
	await logIn(page, baseURL!, webServerAdmin.name, webServerAdmin.password);
	const site = perAttempt('rowchange');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Row change') });
	// Pageviews of / (2 then 3), /docs (1 then 1) and /new (none then 1), at noon UTC,
	// the week of October 8–14 against October 1–7.
	const views: [number, string][] = [
		[1, '/'],
		[2, '/'],
		[3, '/docs'],
		[9, '/'],
		[10, '/'],
		[11, '/'],
		[12, '/docs'],
		[13, '/new']
	];
	const docs = views.map(([day, path], n) =>
		entryPageview(site, perAttemptTime(Date.UTC(2026, 9, day, 12)), n, `visitor-number-${n}`, path)
	);
	await storeRecords(docs);
	await page.goto(`/sites/${site}?range=custom&from=2026-10-08&to=2026-10-14`);
	await expect(page.locator('#overview')).toContainText(
		'Changes compare with 2026-10-01 to 2026-10-07.'
	);
	const pages = page.locator('#pages').getByRole('table');
	// A cell's name is what a screen reader reads: the number, then its change in words;
	// the marker seen, hidden from screen readers, says it short, as the headline does.
	const cell = (name: string) => pages.getByRole('cell', { name, exact: true });
	for (const [name, marker] of [
		['3 up 50% from 2 in the previous period', '+50%'],
		['1 about the same as 1 in the previous period', '±0%'],
		['1 none in the previous period', 'new']
	]) {
		await expect(cell(name)).toBeVisible();
		await expect(cell(name).locator('[aria-hidden="true"]')).toHaveText(marker);
	}
});
