/**
 * A visitor whose computer's clock is wrong, in real Chromium (Playwright's clock sets
 * the page's): the first visit begins before the tracker knows the server's clock, and
 * stays one session on one clock once an answer tells it, its records stored on the
 * server's clock. An accuracy probe found an hour behind split every first visit in two
 * (a second entry pageview, a bounce), and ten minutes ahead lost the first page's
 * engaged time and milestones (refused as in the future); a clock corrected between two
 * visits, or during one, lost everything after the correction (refused as in the future
 * too: the tracker stamped records with its last measure's stale offset). The built app, its
 * CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { HeartbeatRecord, PageviewRecord, StoredRecord } from '../../src/lib/records';
import { OUTBOX_IDB } from '../../src/lib/tracker/versions';
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

/**
 * Opens `${prefix}a` in a new context whose clock starts at `clock`, the page focused,
 * once an answer of the ingest has told it the server's clock.
 */
async function visit(browser: Browser, prefix: string, clock: number) {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, prefix);
	const page = await context.newPage();
	await page.clock.install({ time: clock });
	await page.goto(`${app.url}${prefix}a`);
	await emulateFocus(page);
	await page.waitForFunction(() => localStorage.getItem('couchstats:offset') !== null);
	return { context, page };
}

/** Leaves the page, and reads the records under `prefix` once `path`'s last heartbeat is stored. */
async function leave(page: Page, prefix: string, path = `${prefix}b`) {
	await page.goto('about:blank');
	const records = await waitForRecords(app, (rs) =>
		rs.some((r) => r.path === path && r.type === 'heartbeat')
	);
	return records.filter((r) => r.path.startsWith(prefix));
}

const track = (page: Page, name: string) =>
	page.evaluate(
		(n) => (window as unknown as { couchstats: { track(n: string): void } }).couchstats.track(n),
		name
	);

const moveTo = (page: Page, path: string) =>
	page.evaluate((p) => history.pushState({}, '', p), path);

/**
 * The pageviews, in the order they happened on the server's clock (ids begin with the
 * time a record was stamped, on the browser's clock for a `local` one).
 */
const pageviews = (records: StoredRecord[]) =>
	records
		.filter((r): r is StoredRecord & PageviewRecord => r.type === 'pageview')
		.sort((a, b) => a.ts - b.ts);

/** Every record within 2 s of the server's clock while the test ran, and not after it arrived. */
function onServerClock(records: readonly StoredRecord[], before: number) {
	const after = Date.now();
	for (const record of records) {
		expect(record.ts).toBeGreaterThanOrEqual(before - 2000);
		expect(record.ts).toBeLessThanOrEqual(Math.min(after, record.receivedAt) + 2000);
	}
}

for (const [wrong, by] of [
	['an hour behind', -3600_000],
	['ten minutes ahead', 600_000]
] as const) {
	test(`a first visit on a clock ${wrong} is one session, every record stored on the server's clock`, async ({
		browser
	}) => {
		const prefix = `/clock${by < 0 ? 'behind' : 'ahead'}/`;
		const before = Date.now();
		// The first request's answer tells the server's clock while the visitor reads the first page …
		const { context, page } = await visit(browser, prefix, Date.now() + by);
		// … who then moves on within the site (a single-page app), and leaves.
		await moveTo(page, `${prefix}b`);
		const records = await leave(page, prefix);

		expect(pageviews(records).map((r) => [r.path, r.entry])).toEqual([
			[`${prefix}a`, true],
			[`${prefix}b`, false]
		]);
		expect(new Set(records.map((r) => r.sid)).size).toBe(1);
		// The first page's engaged time and the second's, none refused as from the future.
		expect(records.filter((r) => r.type === 'heartbeat').map((r) => r.path)).toEqual([
			`${prefix}a`,
			`${prefix}b`
		]);
		onServerClock(records, before);
		await context.close();
	});
}

test("a clock corrected between two visits loses nothing of the second (the last measure's offset is stale)", async ({
	browser
}) => {
	const prefix = '/clockfixed/';
	const before = Date.now();
	// The first visit, on a clock an hour behind, learns that offset.
	const { context, page } = await visit(browser, prefix, Date.now() - 3600_000);
	await leave(page, prefix, `${prefix}a`);
	// The clock is corrected, and the visitor comes back at once.
	await page.clock.setSystemTime(Date.now());
	await page.goto(`${app.url}${prefix}b`);
	await emulateFocus(page);
	await track(page, 'signup');
	const records = await leave(page, prefix);
	expect(records.filter((r) => r.type !== 'milestone').map((r) => [r.type, r.path])).toEqual([
		['pageview', `${prefix}a`],
		['heartbeat', `${prefix}a`],
		['pageview', `${prefix}b`],
		['event', `${prefix}b`],
		['heartbeat', `${prefix}b`]
	]);
	onServerClock(records, before);
	await context.close();
});

test("a clock that jumps ahead mid-visit loses nothing after the jump, stored on the server's clock", async ({
	browser
}) => {
	const prefix = '/clockjump/';
	const before = Date.now();
	const { context, page } = await visit(browser, prefix, Date.now());
	await waitForRecords(app, (rs) => rs.some((r) => r.path === `${prefix}a`));
	// The clock is set 31 minutes ahead (a slow clock corrected) while the visitor reads.
	await page.clock.setSystemTime((await page.evaluate(() => Date.now())) + 31 * 60_000);
	await moveTo(page, `${prefix}b`);
	await track(page, 'signup');
	const records = await leave(page, prefix);
	// By the browser's clock the visitor was away 31 minutes: a new session, on /a, then
	// /b. Those two are made in one millisecond, whose ids the random part orders, and
	// moved by the lags of their requests, so they may trade places by a request's time on
	// the way (docs/DESIGN.md §6): each session's pageviews, in no order within it.
	const views = pageviews(records);
	expect(
		[...new Set(views.map((r) => r.sid))]
			.map((sid) => views.filter((r) => r.sid === sid).map((r) => `${r.path} ${r.entry}`))
			.map((session) => session.sort())
			.sort((x, y) => x.length - y.length)
	).toEqual([[`${prefix}a true`], [`${prefix}a true`, `${prefix}b false`]]);
	expect(records.filter((r) => r.type === 'event').map((r) => r.path)).toEqual([`${prefix}b`]);
	onServerClock(records, before);
	await context.close();
});

test('a clock set back 25 s mid-visit keeps the order of the visit and its engaged time', async ({
	browser
}) => {
	// An outside review: the tracker followed the clock back, but the ingest takes such a
	// step for transit, so every later record was stored 25 s early, the entry last; and
	// the engaged time read on the wall clock lost the step (95 ms for 12 s on the page).
	const prefix = '/clockback/';
	const { context, page } = await visit(browser, prefix, Date.now());
	await waitForRecords(app, (rs) => rs.some((r) => r.path === `${prefix}a`));
	// 4 s and 4 s of fake time. The page's clock also runs on in real time, so on a busy
	// machine the session may pass 10 s engaged before the page goes, and a heartbeat
	// then goes as it passes (runs before the CI of 2026-12-06 saw it): heartbeats in a
	// row on one page count as one below.
	await page.clock.runFor(4000);
	const wall = await page.evaluate(() => Date.now());
	await page.clock.setSystemTime(wall - 25_000);
	await page.clock.runFor(4000);
	// A second between the event and what follows: the event goes local (made as the
	// page notices the change) and the rest by the page's new measure, which the event's
	// answer gives (a second on the page's fake clock is no time at all here, so wait for
	// the page to have it), each off by a few milliseconds (a request's trip, a measure's
	// error).
	await track(page, 'signup');
	// The page's clock is now 17 s behind the server's (set back 25 s, 8 s of fake time run).
	await expect
		.poll(() => page.evaluate(() => Number(localStorage.getItem('couchstats:offset'))))
		.toBeGreaterThan(10_000);
	await page.clock.runFor(1000);
	await moveTo(page, `${prefix}b`);
	const records = await leave(page, prefix);
	// In the order of their times on the server's clock, as the session's timeline reads.
	const made = records
		.filter((r) => r.type !== 'milestone')
		.sort((a, b) => a.ts - b.ts)
		.filter((r, i, all) => r.type !== 'heartbeat' || all[i + 1]?.type !== 'heartbeat');
	expect(made.map((r) => [r.type, r.path])).toEqual([
		['pageview', `${prefix}a`],
		['event', `${prefix}a`],
		['heartbeat', `${prefix}a`],
		['pageview', `${prefix}b`],
		['heartbeat', `${prefix}b`]
	]);
	expect(new Set(records.map((r) => r.sid)).size).toBe(1);
	const onA = records.filter(
		(r): r is StoredRecord & HeartbeatRecord => r.type === 'heartbeat' && r.path === `${prefix}a`
	);
	expect(onA.reduce((sum, r) => sum + r.engagedMs, 0)).toBeGreaterThanOrEqual(8_000);
	// None in the future (a re-check found the held time plus the new measure 25 s ahead).
	for (const record of records) expect(record.ts).toBeLessThanOrEqual(record.receivedAt + 2000);
	await context.close();
});

for (const [wrong, by] of [
	['slow', -600_000],
	['fast', 600_000]
] as const) {
	test(`records that wait on a ${wrong} clock keep their time when the clock is corrected before they leave`, async ({
		browser
	}) => {
		// An outside review: records waiting to be sent (offline, or journaled as the page
		// closed) were moved by the request that finally carried them, by the corrected
		// clock's lag: a slow clock's landed 10 minutes early, a fast clock's were refused
		// as from the future and lost.
		const prefix = `/clockwait${wrong}/`;
		const before = Date.now();
		const { context, page } = await visit(browser, prefix, Date.now() + by);
		await waitForRecords(app, (rs) => rs.some((r) => r.path === `${prefix}a`));
		// The ingest cannot be reached for a while (requests fail as offline).
		let refused = 0;
		const offline = '**/api/ingest/_bulk_docs';
		await context.route(offline, (route) => (refused++, route.abort('internetdisconnected')));
		await track(page, 'signup');
		await moveTo(page, `${prefix}b`);
		await expect.poll(() => refused).toBeGreaterThan(0);
		// The clock is corrected meanwhile; then the ingest answers again.
		await page.clock.setSystemTime(Date.now());
		await context.unroute(offline);
		// A second on the page before the next page (the fake clock's second takes no real
		// time): the waiting records are on the measure of the first answer, a few
		// milliseconds off, as the next page's are on the browser's clock.
		await page.clock.runFor(1000);
		await moveTo(page, `${prefix}c`);
		const records = await leave(page, prefix, `${prefix}c`);
		// In the order they happened, on the server's clock.
		const facts = records
			.filter((r) => r.type === 'pageview' || r.type === 'event')
			.sort((x, y) => x.ts - y.ts);
		expect(facts.map((r) => [r.type, r.path])).toEqual([
			['pageview', `${prefix}a`],
			['event', `${prefix}a`],
			['pageview', `${prefix}b`],
			['pageview', `${prefix}c`]
		]);
		onServerClock(records, before);
		await context.close();
	});
}

/** The records in the page's outbox database, read from IndexedDB itself. */
const inOutbox = (page: Page) =>
	page.evaluate(
		(name) =>
			new Promise<number>((resolve, reject) => {
				// No version: the database as it is (it exists once the outbox has opened it).
				const open = indexedDB.open(name);
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const count = db.transaction('docs').objectStore('docs').count();
					count.onsuccess = () => (db.close(), resolve(count.result));
					count.onerror = () => (db.close(), reject(count.error));
				};
			}),
		OUTBOX_IDB
	);

test('after a fast clock is corrected, the next page opens the outbox at once and delivers what it held', async ({
	browser
}) => {
	// An outside accuracy check (C7): the outbox's database opens at a version made of the
	// clock, and IndexedDB refuses a lower one, so after a clock 10 minutes fast was
	// corrected, the outbox could not be opened for 10 minutes: the records it held waited
	// (here the closing page also sends them, outside the test's routes), and so did
	// anything a page wrote to it meanwhile.
	const prefix = '/clockoutbox/';
	const { context, page } = await visit(browser, prefix, Date.now() + 600_000);
	await waitForRecords(app, (rs) => rs.some((r) => r.path === `${prefix}a`));
	await expect.poll(() => page.evaluate(() => 'couchstatsDeferred' in window)).toBe(true);
	// Offline: what the visitor does next waits in the outbox.
	const offline = '**/api/ingest/_bulk_docs';
	await context.route(offline, (route) => route.abort('internetdisconnected'));
	await track(page, 'signup');
	await moveTo(page, `${prefix}b`);
	await expect.poll(() => inOutbox(page)).toBeGreaterThanOrEqual(2);
	// The clock is corrected, the tab closed; later, online, the visitor opens another page.
	await page.clock.setSystemTime(Date.now());
	await page.close();
	await context.unroute(offline);
	const next = await context.newPage();
	await next.goto(`${app.url}${prefix}c`);
	const records = await waitForRecords(app, (rs) =>
		[`${prefix}b`, `${prefix}c`].every((path) =>
			rs.some((r) => r.type === 'pageview' && r.path === path)
		)
	);
	expect(
		records
			.filter((r) => r.path.startsWith(prefix) && r.type !== 'heartbeat' && r.type !== 'milestone')
			.map((r) => [r.type, r.path])
			.sort()
	).toEqual([
		['event', `${prefix}a`],
		['pageview', `${prefix}a`],
		['pageview', `${prefix}b`],
		['pageview', `${prefix}c`]
	]);
	await expect.poll(() => inOutbox(next)).toBe(0);
	await context.close();
});
