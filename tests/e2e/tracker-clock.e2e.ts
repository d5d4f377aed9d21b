/**
 * A visitor whose computer's clock is wrong, in real Chromium (Playwright's clock sets
 * the page's): the first visit begins before the tracker knows the server's clock, and
 * stays one session on one clock when the clock probe answers, its records stored on the
 * server's clock. An accuracy probe found an hour behind split every first visit in two
 * (a second entry pageview, a bounce), and ten minutes ahead lost the first page's
 * engaged time and milestones (refused as in the future). The built app, its CouchDB.
 */
import { expect, test } from '@playwright/test';
import type { PageviewRecord, StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	CHROME_UA,
	emulateFocus,
	routeStandalonePage,
	startTrackedApp,
	waitForRecords
} from './tracker-support';

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

for (const [wrong, by] of [
	['an hour behind', -3600_000],
	['ten minutes ahead', 600_000]
] as const) {
	test(`a first visit on a clock ${wrong} is one session, every record stored on the server's clock`, async ({
		browser
	}) => {
		const prefix = `/clock${by < 0 ? 'behind' : 'ahead'}/`;
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, prefix);
		const page = await context.newPage();
		await page.clock.install({ time: Date.now() + by });
		const before = Date.now();
		await page.goto(`${app.url}${prefix}a`);
		await emulateFocus(page);
		// The clock probe answers while the visitor reads the first page …
		await page.waitForFunction(() => localStorage.getItem('couchstats:offset') !== null);
		// … who then moves on within the site (a single-page app), and leaves.
		await page.evaluate((path) => history.pushState({}, '', path), `${prefix}b`);
		await page.goto('about:blank');
		const records = (
			await waitForRecords(app, (rs) =>
				rs.some((r) => r.path === `${prefix}b` && r.type === 'heartbeat')
			)
		).filter((r) => r.path.startsWith(prefix));
		const after = Date.now();

		const views = records.filter((r): r is StoredRecord & PageviewRecord => r.type === 'pageview');
		expect(views.map((r) => [r.path, r.entry])).toEqual([
			[`${prefix}a`, true],
			[`${prefix}b`, false]
		]);
		expect(new Set(records.map((r) => r.sid)).size).toBe(1);
		// The first page's engaged time and the second's, none refused as from the future.
		expect(records.filter((r) => r.type === 'heartbeat').map((r) => r.path)).toEqual([
			`${prefix}a`,
			`${prefix}b`
		]);
		for (const record of records) {
			expect(record.ts).toBeGreaterThanOrEqual(before - 2000);
			expect(record.ts).toBeLessThanOrEqual(Math.min(after, record.receivedAt) + 2000);
		}
		await context.close();
	});
}
