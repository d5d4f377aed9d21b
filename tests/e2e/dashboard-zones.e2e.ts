/**
 * A half-hour time zone end to end: the owner picks Asia/Kolkata (+05:30) from the
 * settings page's list, a visitor whose clock reads 18:20 and then 18:40 UTC (23:50 and
 * 00:10 the next day in Kolkata) browses the demo site, and the dashboard counts each
 * pageview on the local day and in the local hour it happened, and the visitor once on
 * each local day. Real Chromium, the
 * built app, its embedded store.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import type { PageviewRecord, StoredRecord } from '../../src/lib/records';
import {
	keepFakeClock,
	routeStandalonePage,
	useTrackedApp,
	waitForRecords
} from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The cells of the time-series table row whose header is `label`. */
async function row(owner: Page, label: string): Promise<string[]> {
	const table = owner.locator('figure details').first();
	if (!(await table.evaluate((d) => (d as HTMLDetailsElement).open))) {
		await table.locator('summary').click();
	}
	const cells = table.locator('tbody tr', { has: owner.getByRole('rowheader', { name: label }) });
	return cells.locator('td').allTextContents();
}

/** The owner's page, once it made the demo site's zone Asia/Kolkata in its settings. */
async function ownerInKolkata(browser: Browser): Promise<Page> {
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.waitForLoadState('networkidle');
	await owner.getByLabel('Time zone').selectOption('Asia/Kolkata');
	await owner.getByRole('button', { name: 'Save' }).first().click();
	await expect(owner.getByText('Settings saved.')).toBeVisible();
	return owner;
}

/** Kolkata's midnight (18:30 UTC) `daysBefore` days before the latest one at least an hour ago. */
function kolkataMidnight(daysBefore: number): number {
	const now = new Date();
	let midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 18, 30);
	while (midnight > Date.now() - HOUR) midnight -= DAY;
	return midnight - daysBefore * DAY;
}

/**
 * A visitor's new context, its clock taken as right, on standalone pages under `prefix`
 * whose snippet names no zone, and its page.
 */
async function zonelessVisitor(
	prefix: string
): Promise<{ context: BrowserContext; visitor: Page }> {
	const context = await visitorBrowser.newContext();
	await keepFakeClock(context);
	await routeStandalonePage(context, app, prefix);
	return { context, visitor: await context.newPage() };
}

test('a visitor at 23:50 and 00:10 in Asia/Kolkata counts on each local day and hour', async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.waitForLoadState('networkidle');
	// Chosen from the list (every zone, with its offset), not typed.
	const zone = owner.getByLabel('Time zone');
	await expect(zone.locator('option[value="Asia/Kolkata"]')).toHaveText('Asia/Kolkata (UTC+05:30)');
	await zone.selectOption('Asia/Kolkata');
	await owner.getByRole('button', { name: 'Save' }).first().click();
	// And says the snippet must change too (an outside review: it said only this).
	await expect(owner.getByText('Settings saved.')).toContainText(
		'Update the snippet on every page too (data-time-zone="Asia/Kolkata"'
	);
	// And that earlier days keep their visitors as the old zone counted them.
	await expect(owner.getByText('Settings saved.')).toContainText(
		'their visitors stay counted once per day of UTC, as they were.'
	);

	// The latest 18:40 UTC at least an hour ago: 00:10 of the next day in Kolkata.
	let visitAt = Date.UTC(
		new Date().getUTCFullYear(),
		new Date().getUTCMonth(),
		new Date().getUTCDate(),
		18,
		40
	);
	while (visitAt > Date.now() - HOUR) visitAt -= DAY;
	const utcDay = isoDay(visitAt);
	const localDay = isoDay(visitAt + DAY);

	const visitor = await (await visitorBrowser.newContext()).newPage();
	// The visitor's clock is taken as right (the server's would correct the records to
	// the real now).
	await keepFakeClock(visitor.context());
	// 23:50 in Kolkata, then 00:10 the next local day: a visitor of each local day (the
	// demo site tells the tracker its time zone), though it is one UTC day and one session.
	await visitor.clock.setFixedTime(visitAt - 20 * 60_000);
	await visitor.goto(`${app.url}/pricing`);
	// Its page view made (a new visitor's waits for the session to settle, which on a
	// busy machine may end after the page's load) before the clock moves on.
	await visitor.waitForFunction(
		() => JSON.parse(localStorage.getItem('couchstats:session:demo') ?? '{}').path === '/pricing'
	);
	await visitor.clock.setFixedTime(visitAt);
	await visitor.goto(`${app.url}/blog`);
	// Leaving the page delivers its pageview at once; the next one follows by the batch.
	await visitor.goto(`${app.url}/about`);
	await visitor.close();
	const stored = await waitForRecords(
		app,
		(records) => records.filter((r) => r.type === 'pageview').length >= 3
	);
	expect(
		stored
			.filter((r) => r.type === 'pageview')
			.map((r) => r.ts)
			.sort()
	).toEqual([visitAt - 20 * 60_000, visitAt, visitAt]);

	// By hour over the UTC day and the local day: 00:00 local holds two pageviews and a
	// visitor of its own; 23:00 the day before holds the first pageview.
	await owner.goto(`${app.url}/sites/demo?range=custom&from=${utcDay}&to=${localDay}`);
	await expect(owner.locator('[data-metric="pageviews"] dd').first()).toHaveText('3');
	expect(await row(owner, `${localDay} 00:00`)).toEqual(['1', '2']);
	expect(await row(owner, `${utcDay} 23:00`)).toEqual(['1', '1']);
	expect(await row(owner, `${utcDay} 18:00`)).toEqual(['0', '0']);

	// By day (3 days): each local day has its own.
	const after = isoDay(visitAt + 2 * DAY);
	await owner.goto(`${app.url}/sites/demo?range=custom&from=${utcDay}&to=${after}`);
	expect(await row(owner, localDay)).toEqual(['1', '2']);
	expect(await row(owner, utcDay)).toEqual(['1', '1']);

	// The Stats API agrees, with tz taken from the site.
	const api = await owner
		.context()
		.request.get(`${app.url}/api/v1/stats?site=demo&from=${localDay}&to=${localDay}&interval=hour`);
	expect(api.status()).toBe(200);
	const body = await api.json();
	expect(body.range.tz).toBe('Asia/Kolkata');
	expect(body.timeseries[0]).toMatchObject({
		period: `${localDay}T00:00`,
		start: new Date(visitAt - 10 * 60_000).toISOString(),
		pageviews: 2,
		visitors: 1
	});
});

test("a snippet without data-time-zone counts the visitor's days in the site's zone, as the ingest tells it", async ({
	browser
}) => {
	// An outside check: a page whose snippet had no zone, on a site whose zone was not
	// UTC. A new visitor's first visit crossed the site's midnight: its page view after
	// midnight was no first of the new day (the days were UTC's), which had no visitor.
	await ownerInKolkata(browser);
	// A day before the latest Kolkata midnight: one UTC day, two of the site's.
	const midnight = kolkataMidnight(1);
	const { context, visitor } = await zonelessVisitor('/zoneless/');
	// 23:59:20 in Kolkata, and 00:00:05 once the ingest's first answer told the zone.
	await visitor.clock.setFixedTime(midnight - 40_000);
	await visitor.goto(`${app.url}/zoneless/a`);
	await visitor.waitForFunction(() => localStorage.getItem('couchstats:zone:demo') !== null);
	await visitor.clock.setFixedTime(midnight + 5000);
	await visitor.goto(`${app.url}/zoneless/b`);
	await visitor.goto('about:blank');
	await context.close();
	const zoneless = (records: StoredRecord[]) =>
		records.filter(
			(r): r is StoredRecord & PageviewRecord =>
				r.type === 'pageview' && r.path.startsWith('/zoneless/')
		);
	const stored = await waitForRecords(app, (records) => zoneless(records).length >= 2);
	expect(
		zoneless(stored)
			.sort((a, b) => a.ts - b.ts)
			.map((r) => [r.path, r.firstOfDay, r.firstEver])
	).toEqual([
		['/zoneless/a', true, true],
		['/zoneless/b', true, false]
	]);
});

test("a visitor whose only activity of the site's new day is a click is one of its visitors", async ({
	browser
}) => {
	// An outside review: a visitor who stayed on a page across the site's midnight and
	// clicked the call to action was a converting visitor of the new day and no visitor of
	// it (a conversion rate of 200 %): visitors were counted by their first page view.
	const owner = await ownerInKolkata(browser);
	// Three days before the latest Kolkata midnight: days the other tests leave empty.
	const midnight = kolkataMidnight(3);
	const { context, visitor } = await zonelessVisitor('/across/');
	// 23:59 in Kolkata, and a click 30 s after midnight on the same page.
	await visitor.clock.setFixedTime(midnight - 60_000);
	await visitor.goto(`${app.url}/across/a`);
	await visitor.waitForFunction(() => localStorage.getItem('couchstats:zone:demo') !== null);
	await visitor.clock.setFixedTime(midnight + 30_000);
	await visitor.evaluate(() =>
		(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('cta')
	);
	await visitor.goto('about:blank');
	await context.close();
	const across = (records: StoredRecord[]) =>
		records.filter((r) => r.path === '/across/a' && (r.type === 'pageview' || r.type === 'event'));
	const stored = await waitForRecords(app, (records) => across(records).length >= 2);
	expect(
		across(stored)
			.sort((a, b) => a.ts - b.ts)
			.map((r) => [r.type, r.ts, (r as { opensDay?: boolean }).opensDay])
	).toEqual([
		['pageview', midnight - 60_000, true],
		['event', midnight + 30_000, true]
	]);

	// The new day has the click's visitor, the day before its page view's.
	const day = isoDay(midnight + 6 * HOUR);
	const before = isoDay(midnight - 6 * HOUR);
	const api = await owner
		.context()
		.request.get(`${app.url}/api/v1/stats?site=demo&from=${before}&to=${day}&interval=day`);
	expect(api.status()).toBe(200);
	const body = await api.json();
	expect(
		body.timeseries.map(
			(p: { period: string; pageviews: number; visitors: number; events: number }) => [
				p.period,
				p.pageviews,
				p.visitors,
				p.events
			]
		)
	).toEqual([
		[before, 1, 1, 0],
		[day, 0, 1, 1]
	]);
	await owner.goto(`${app.url}/sites/demo?range=custom&from=${day}&to=${day}`);
	await expect(owner.locator('[data-metric="visitors"] dd').first()).toHaveText('1');
});

/**
 * The time axis's labels the chart drew on its canvas (the y axis's counts left out), in
 * the order drawn: read by wrapping the canvas's `fillText` before the page loads.
 */
async function axisLabels(owner: Page, pattern: RegExp): Promise<string[]> {
	const drawn = () =>
		owner.evaluate((source) => {
			const texts = (window as unknown as { axisTexts?: string[] }).axisTexts ?? [];
			return texts.filter((t) => new RegExp(source).test(t));
		}, pattern.source);
	// Drawn once uPlot arrived, again as the page settles (a resize).
	await owner.waitForLoadState('networkidle');
	await expect.poll(async () => (await drawn()).length).toBeGreaterThan(2);
	// The last drawing's: each draw writes the same labels again.
	const all = await drawn();
	return all.slice(all.lastIndexOf(all[0]));
}

test('in Australia/Lord_Howe the chart ticks on whole local hours and on local midnights after its clock moves half an hour', async ({
	browser
}) => {
	const owner = await ownerPage(browser, app);
	await owner.setViewportSize({ width: 1100, height: 900 });
	await owner.addInitScript(() => {
		const texts: string[] = [];
		(window as unknown as { axisTexts: string[] }).axisTexts = texts;
		// And how far right each ends, against its canvas's width (both in canvas pixels).
		const overhangs: Record<string, number> = {};
		(window as unknown as { overhangs: Record<string, number> }).overhangs = overhangs;
		const fillText = CanvasRenderingContext2D.prototype.fillText;
		CanvasRenderingContext2D.prototype.fillText = function (text, x, ...rest) {
			texts.push(text);
			const width = this.measureText(text).width;
			const right = this.textAlign === 'center' ? x + width / 2 : x + width;
			overhangs[text] = right - this.canvas.width;
			return fillText.call(this, text, x, ...rest);
		};
	});
	const zone = 'tz=Australia/Lord_Howe';
	// 4 October 2026, by hour: at 02:00 (UTC+10:30) the clock moves to 02:30 (UTC+11).
	// uPlot's own ticks then read 03:30, 06:30, …
	await owner.goto(`${app.url}/sites/demo?range=custom&from=2026-10-04&to=2026-10-04&${zone}`);
	const hours = await axisLabels(owner, /^\d\d:\d\d$/);
	expect(hours[0]).toBe('00:00');
	expect(hours.filter((t) => !t.endsWith(':00'))).toEqual([]);
	expect(hours.length).toBeGreaterThan(3);
	await owner
		.locator('figure')
		.first()
		.screenshot({ path: test.info().outputPath('lord-howe-hours.png') });

	// 28 September to 10 October, by day: every tick a local midnight, so the last day's
	// is drawn too (uPlot's own fell at 00:30 from 5 October, the last past the axis).
	await owner.goto(`${app.url}/sites/demo?range=custom&from=2026-09-28&to=2026-10-10&${zone}`);
	const days = await axisLabels(owner, /^\d{4}-\d\d-\d\d$/);
	expect(days[0]).toBe('2026-09-28');
	expect(days.at(-1)).toBe('2026-10-10');
	// Drawn whole: the last date was cut to "2026-10-1" at the canvas's right edge.
	const overhang = await owner.evaluate(
		() => (window as unknown as { overhangs: Record<string, number> }).overhangs['2026-10-10']
	);
	expect(overhang).toBeLessThanOrEqual(0);
	await owner
		.locator('figure')
		.first()
		.screenshot({ path: test.info().outputPath('lord-howe-days.png') });
});
