/**
 * `npm run bench:live` — action-to-dashboard latency in the BUILT app (`npm run build`
 * first): a visitor in one browser navigates from page to page while an owner watches
 * the dashboard (`/sites/demo?range=today`) in another; for each navigation, the time
 * from starting it until the owner's page shows the new pageview count, without a
 * reload. Prints p50 and p95 (nearest rank), and how the time splits between the
 * tracker delivering the record (its `_bulk_docs` answered) and the live path after it
 * (`_changes` follower → SSE → re-read → render).
 *
 * The visitor's pages load the standalone tracker (`/couchstats.js`) on the app's own
 * origin with `data-max-wait` (default 0: deliver at once). The tracker's default
 * batch window is 10 s, which a visitor's pageview may wait before it is sent; pass
 * `--max-wait 10000` to measure with it.
 *
 * Usage: npm run bench:live -- [--actions 40] [--max-wait 0] [--pause 300]
 */
import { chromium, type Page } from '@playwright/test';
import { parseArgs } from 'node:util';
import { chromiumLaunch } from '../playwright.config';
import { startApp } from '../tests/helpers/app';
import { CHROME_UA, routeStandalonePage } from '../tests/e2e/tracker-support';

const { values } = parseArgs({
	options: {
		actions: { type: 'string', default: '40' },
		'max-wait': { type: 'string', default: '0' },
		pause: { type: 'string', default: '300' }
	}
});
const actions = Number(values.actions);
const maxWait = Number(values['max-wait']);
const pauseMs = Number(values.pause);
if (!Number.isInteger(actions) || actions < 1 || !(maxWait >= 0) || !(pauseMs >= 0)) {
	console.error('--actions must be a positive integer; --max-wait and --pause ≥ 0');
	process.exit(2);
}

const PAGEVIEWS = '[data-metric="pageviews"] dd.value';
const ADMIN_PASSWORD = 'bench-admin-password';

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(name: string, list: number[]): string {
	const sorted = [...list].sort((a, b) => a - b);
	const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
	const f = (n: number) => `${Math.round(n)} ms`.padStart(8);
	return `${name.padEnd(34)} p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  min ${f(sorted[0])}  max ${f(sorted.at(-1)!)}  mean ${f(mean)}`;
}

async function shownPageviews(page: Page): Promise<number> {
	return Number(((await page.locator(PAGEVIEWS).textContent()) ?? '').replace(/\D/g, ''));
}

const app = await startApp({ env: { COUCHSTATS_ADMIN_PASSWORD: ADMIN_PASSWORD } });
// The visitor's whole browser carries a desktop Chrome user agent: a per-context
// override does not reach beacons sent while a page unloads.
const visitorBrowser = await chromium.launch({
	...chromiumLaunch,
	args: [...chromiumLaunch.args, `--user-agent=${CHROME_UA}`]
});
const ownerBrowser = await chromium.launch(chromiumLaunch);
try {
	const owner = await ownerBrowser.newPage({ viewport: { width: 1280, height: 900 } });
	await owner.goto(`${app.url}/login`);
	await owner.getByLabel('Account name').fill(app.adminName);
	await owner.getByLabel('Password').fill(ADMIN_PASSWORD);
	await owner.getByRole('button', { name: 'Log in' }).click();
	await owner.waitForURL(`${app.url}/`);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await owner.getByText('Live', { exact: true }).waitFor();

	const context = await visitorBrowser.newContext();
	await routeStandalonePage(context, app, '/bench/', { 'data-max-wait': String(maxWait) });
	const visitor = await context.newPage();

	const total: number[] = [];
	const delivery: number[] = [];
	const live: number[] = [];
	let expected = await shownPageviews(owner);
	for (let i = 0; i < actions; i++) {
		expected += 1;
		const start = performance.now();
		let deliveredAt = NaN;
		const delivered = visitor
			.waitForResponse((r) => r.url().endsWith('/_bulk_docs') && r.status() < 300, {
				timeout: 60_000
			})
			.then(() => (deliveredAt = performance.now()))
			.catch(() => undefined);
		const shown = owner.waitForFunction(
			([selector, n]) =>
				Number((document.querySelector(selector)?.textContent ?? '').replace(/\D/g, '')) >= n,
			[PAGEVIEWS, expected] as const,
			{ polling: 'raf', timeout: 60_000 }
		);
		await visitor.goto(`${app.url}/bench/${i}`);
		await shown;
		const end = performance.now();
		await delivered;
		total.push(end - start);
		if (Number.isFinite(deliveredAt)) {
			delivery.push(deliveredAt - start);
			live.push(end - deliveredAt);
		}
		await new Promise((resolve) => setTimeout(resolve, pauseMs));
	}
	if ((await shownPageviews(owner)) !== expected) {
		throw new Error(
			`the dashboard shows ${await shownPageviews(owner)} pageviews, not ${expected}`
		);
	}
	console.log(
		`bench:live — ${actions} navigations, tracker data-max-wait=${maxWait} ms, built app with its embedded store`
	);
	console.log(summary('action → dashboard shows new count', total));
	console.log(summary('  action → record delivered', delivery));
	console.log(summary('  delivered → dashboard updated', live));
} finally {
	await visitorBrowser.close();
	await ownerBrowser.close();
	await app.stop();
}
