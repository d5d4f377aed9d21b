/**
 * The back/forward cache: tracked pages of one site are restored from it (Chromium with
 * the cache on, which Playwright turns off by default), and the records stay exact.
 * A page in the cache must neither hold nor wait for a Web Lock another page asks for
 * (Chromium evicts it: `weblocks-contention`), and the outbox runs every use under one
 * (lock.ts): the next page's outbox asked for it while the previous page, on its way
 * into the cache, held it or waited for it, so every Back within a site was a reload.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { EventRecord, PageviewRecord, StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	emulateFocus,
	launchBfcacheBrowser,
	pending,
	routeStandalonePage,
	startTrackedApp,
	waitForRecords
} from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let browser: Browser;
test.beforeAll(async () => {
	app = await startTrackedApp();
	browser = await launchBfcacheBrowser();
});
test.afterAll(async () => {
	await browser?.close();
	await app?.stop();
});

/** Waits until the page's outbox is attached and holds nothing, and nothing waits in memory. */
async function settled(page: Page) {
	await page.waitForFunction(() => 'couchstatsDeferred' in window);
	await expect.poll(() => pending(page).then((p) => p.length), { timeout: 20_000 }).toBe(0);
}

/** How the page on screen came: its marker (set on its first load) and its `pageshow`s. */
function arrival(page: Page) {
	return page.evaluate(() => {
		const w = window as unknown as { __marker?: string; __shows?: boolean[] };
		const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming & {
			notRestoredReasons?: unknown;
		};
		return {
			marker: w.__marker ?? null,
			shows: w.__shows ?? [],
			notRestored: JSON.stringify(entry?.notRestoredReasons ?? null)
		};
	});
}

const track = (page: Page, name: string) =>
	page.evaluate(
		(name) =>
			(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track(name),
		name
	);

const named = (records: StoredRecord[], name: string) =>
	records.filter((r) => r.type === 'event' && (r as EventRecord).name === name);

test('Back and Forward between tracked pages restore them from the back/forward cache, and every record is stored once', async () => {
	const context = await browser.newContext();
	await routeStandalonePage(context, app, '/bf/');
	await context.addInitScript(() => {
		const w = window as unknown as { __shows: boolean[] };
		w.__shows = [];
		addEventListener('pageshow', (e) => w.__shows.push(e.persisted));
	});
	const page = await context.newPage();
	// Focused, so that each page counts engaged time and its pagehide makes a heartbeat,
	// which it hands to its outbox as it goes into the cache.
	await emulateFocus(page);
	// Why a page was not restored: the page itself only sees `masked` for most reasons.
	const cdp = await context.newCDPSession(page);
	await cdp.send('Page.enable');
	cdp.on('Page.backForwardCacheNotUsed', (e) =>
		console.log(`not restored: ${JSON.stringify(e.notRestoredExplanations)}`)
	);

	/** Opens `path`, marks it, tracks `on-<marker>`, and waits until its outbox is idle. */
	const open = async (path: string, marker: string) => {
		await page.goto(app.url + path);
		await settled(page);
		await page.evaluate((m) => ((window as unknown as { __marker: string }).__marker = m), marker);
		await track(page, `on-${marker}`);
		await settled(page);
	};
	/**
	 * Goes back or forward, expects the page of `marker` restored from the cache, tracks
	 * `event` there, and waits until the outbox is empty: the page's uses asked for while
	 * it was in the cache ran (what it made as it went, its last heartbeat, was written
	 * and purged), and it delivers again.
	 */
	const restore = async (go: () => Promise<unknown>, marker: string, event: string) => {
		await go();
		const arrived = await arrival(page);
		console.log(`${event}: ${JSON.stringify(arrived)}`);
		expect(arrived).toEqual({ marker, shows: [false, true], notRestored: 'null' });
		await track(page, event);
		await settled(page);
	};

	await open('/bf/a', 'a');
	// Each page goes with its outbox idle (a use running as it goes would keep the lock
	// in the cache, and the next page asking for it would evict it); its pagehide makes
	// a heartbeat, whose outbox write waits until the page is shown again.
	await open('/bf/b', 'b');
	await restore(() => page.goBack({ waitUntil: 'commit' }), 'a', 'back-on-a');
	await restore(() => page.goForward({ waitUntil: 'commit' }), 'b', 'forward-on-b');

	const events = ['on-a', 'on-b', 'back-on-a', 'forward-on-b'];
	const records = await waitForRecords(app, (rs) => events.every((n) => named(rs, n).length));
	// A restored page records its pageview again (tracker.ts, `pageshow`), and the
	// 30-minute dedup makes it a return to the page (a revisit), which no count takes:
	// one pageview of each path, and the way back and forth, in order.
	const views = records
		.filter((r): r is StoredRecord & PageviewRecord => r.type === 'pageview')
		.sort((x, y) => x._id.localeCompare(y._id));
	expect(views.map((r) => [r.path, r.from ?? null, r.revisit ?? false])).toEqual([
		['/bf/a', null, false],
		['/bf/b', '/bf/a', false],
		['/bf/a', '/bf/b', true],
		['/bf/b', '/bf/a', true]
	]);
	for (const name of events) expect(named(records, name), name).toHaveLength(1);
	const heartbeats = records.filter((r) => r.type === 'heartbeat');
	console.log(
		`records: ${records.length}, heartbeats ${heartbeats.length} (${heartbeats.map((r) => r.path).join(' ')})`
	);
	// Each page made its last heartbeat as it went into the cache (focused since it was
	// opened): it reached CouchDB, and its outbox write and purge ran once shown again.
	expect(new Set(heartbeats.map((r) => r.path))).toEqual(new Set(['/bf/a', '/bf/b']));
	await context.close();
});
