/**
 * Several tabs of one browser opened at the same moment (a restored browser session,
 * links middle-clicked together): one visitor, one session, one entry.
 */
import { expect, test } from '@playwright/test';
import type { StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import { CHROME_UA, routeStandalonePage, startTrackedApp, waitForRecords } from './tracker-support';

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

test('three tabs opened at the same moment are one visitor and one session with one entry', async ({
	browser
}) => {
	for (let round = 0; round < 4; round++) {
		const prefix = `/tabs${round}/`;
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, prefix);
		const pages = await Promise.all([0, 1, 2].map(() => context.newPage()));
		const paths = ['pricing', 'docs', 'blog'].map((p) => prefix + p);
		await Promise.all(pages.map((page, i) => page.goto(app.url + paths[i])));
		const views = (
			await waitForRecords(app, (rs) =>
				paths.every((p) => rs.some((r) => r.type === 'pageview' && r.path === p))
			)
		).filter(
			(r): r is Extract<StoredRecord, { type: 'pageview' }> =>
				r.type === 'pageview' && r.path.startsWith(prefix)
		);
		expect(views).toHaveLength(3);
		expect(new Set(views.map((r) => r.vid)).size, `round ${round}: visitors`).toBe(1);
		expect(new Set(views.map((r) => r.sid)).size, `round ${round}: sessions`).toBe(1);
		expect(
			views.filter((r) => r.entry),
			`round ${round}: entries`
		).toHaveLength(1);
		await context.close();
	}
});
