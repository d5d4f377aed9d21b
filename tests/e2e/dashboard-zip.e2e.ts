/**
 * "Download all (ZIP)" on the owner's dashboard (Plausible's "Export to CSV"): one ZIP of
 * every export of the page's range, filter and comparison, each file the one its CSV link
 * downloads. A visitor reads two pages of the demo blog first, so that the files hold rows.
 * Real Chromium, the built app, its embedded store.
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { useTrackedApp, waitForRecords } from './tracker-support';

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

test('the ZIP link downloads every report of the page’s range and filter, each as its CSV link', async ({
	browser
}) => {
	const visitor = await (await visitorBrowser.newContext()).newPage();
	for (const path of ['/', '/pricing']) {
		await visitor.goto(`${app.url}${path}`);
		await visitor.waitForLoadState('networkidle');
	}
	await visitor.goto('about:blank');
	await waitForRecords(app, (rs) => rs.filter((x) => x.type === 'pageview').length >= 2);

	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo?range=month&source=(direct)`);
	const link = owner.getByRole('link', { name: 'Download all (ZIP)' });
	// The page's range, filter and comparison, as its CSV links carry them.
	const csvHref = await owner
		.getByRole('link', { name: 'Download the time series as CSV' })
		.getAttribute('href');
	await expect(link).toHaveAttribute(
		'href',
		csvHref!.replace('&breakdown=timeseries&format=csv', '&format=zip')
	);
	const [download] = await Promise.all([owner.waitForEvent('download'), link.click()]);
	const from = new URL(csvHref!, app.url).searchParams.get('from');
	const to = new URL(csvHref!, app.url).searchParams.get('to');
	expect(download.suggestedFilename()).toBe(`demo-dashboard-${from}-${to}-source-(direct).zip`);
	const files = unzipSync(new Uint8Array(await readFile((await download.path())!)));
	const names = Object.keys(files);
	const file = (what: string) => `demo-${what}-${from}-${to}-source-(direct).csv`;
	for (const what of [
		'totals',
		'timeseries',
		'goals',
		'pages',
		'referrers',
		'countries',
		'dropped'
	])
		expect(names).toContain(file(what));
	expect(names.some((name) => /journeys|paths/.test(name))).toBe(false);
	// The pages the visitor read, under the filter, as the Top pages' CSV link has them.
	const pages = strFromU8(files[file('pages')]);
	expect(pages).toMatch(/^\/pricing,/m);
	const pagesHref = await owner.locator('a[href*="&breakdown=pages&"]').getAttribute('href');
	const single = await owner.request.get(`${app.url}${pagesHref}`);
	expect(await single.text()).toBe(pages);
});
