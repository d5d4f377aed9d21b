/**
 * Session rules in real Chromium with an injected clock (Playwright `page.clock`):
 * the sliding 30-minute window shared by tabs, pageview dedup, the actual / engaged /
 * nonbounce milestones (once, only when their rule holds), engaged-time accounting and
 * the scroll depth heartbeats carry.
 *
 * Visibility and focus are scripted, the deferred chunk is blocked so only the core runs
 * under the fake clock, and the ingest takes that clock as right (tracker-support.ts
 * `scriptedContext`); records made while a page is hidden are sent at once.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type {
	EventRecord,
	HeartbeatRecord,
	MilestoneRecord,
	PageviewRecord,
	StoredRecord
} from '../../src/lib/records';
import { uuidv7 } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	CHROME_UA,
	emulateFocus,
	routeStandalonePage,
	scriptedContext,
	setVisible,
	startTrackedApp,
	waitForRecords
} from './tracker-support';

const MIN = 60_000;
/** Three hours ago: far enough back for 80 minutes of fake time, inside the ingest window. */
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 1000) * 1000;

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

/** Opens `path` in a new tab whose clock starts (paused) at `time`. */
async function openAt(context: BrowserContext, path: string, time: number): Promise<Page> {
	const page = await context.newPage();
	await page.clock.install({ time: time - 1000 });
	await page.clock.pauseAt(time);
	await page.goto(app.url + path);
	return page;
}

/**
 * A client-side navigation. Its page view waits for the router's title (TITLE_MS, on a
 * clock these tests may have paused): the page's own `pageview()` call makes it at once.
 */
const navigate = (page: Page, path: string) =>
	page.evaluate((p) => {
		history.pushState(null, '', p);
		(window as unknown as { couchstats: { pageview(): void } }).couchstats.pageview();
	}, path);

/** Records of one visitor, read once the count of `type` reached `count`. */
async function recordsOf(vid: () => string | undefined, done: (rs: StoredRecord[]) => boolean) {
	const records = await waitForRecords(app, (rs) => done(rs.filter((r) => r.vid === vid())));
	return records
		.filter((r) => r.vid === vid())
		.sort((a, b) => a.ts - b.ts || a._id.localeCompare(b._id));
}

/** The page's visitor id, once its first call has made one (a new visitor settles first). */
async function visitorOf(page: Page): Promise<string> {
	const id = () =>
		page.evaluate(
			() => JSON.parse(localStorage.getItem('couchstats:visitor:demo') ?? '{}').id as string
		);
	await expect.poll(id).toBeTruthy();
	return id();
}

test('tabs share one session with a sliding 30-minute window, and a path is not counted again within 30 minutes (a return to it is a revisit)', async ({
	browser
}) => {
	const context = await scriptedContext(browser, app, false, '/s/');
	const tab1 = await openAt(context, '/s/a', T0);
	const vid = await visitorOf(tab1);
	const tab2 = await openAt(context, '/s/b', T0 + 20 * MIN);

	await tab1.clock.pauseAt(T0 + 45 * MIN); // 25 min after the last activity: same session
	await navigate(tab1, '/s/c');
	await tab2.clock.pauseAt(T0 + 46 * MIN);
	await navigate(tab2, '/s/b'); // viewed 26 min ago in this session: a revisit, no pageview
	await tab2.clock.pauseAt(T0 + 47 * MIN);
	await navigate(tab2, '/s/a'); // viewed 47 min ago: recorded again
	await tab1.clock.pauseAt(T0 + 78 * MIN); // 31 min without activity: a new session
	await navigate(tab1, '/s/c');
	await tab1.close();
	await tab2.close();

	const records = await recordsOf(
		() => vid,
		(rs) => rs.filter((r) => r.type === 'pageview').length >= 6
	);
	const views = records.filter((r): r is PageviewRecord & StoredRecord => r.type === 'pageview');
	const pageviews = views.filter((r) => !r.revisit);
	const [s1, s2] = [pageviews[0].sid, pageviews[4]?.sid];
	expect(s1).not.toBe(s2);
	// The way back to /s/b, in the session's order, counted nowhere.
	expect(views.filter((r) => r.revisit).map((r) => [r.path, r.sid, r.entry, r.from])).toEqual([
		['/s/b', s1, false, '/s/c']
	]);
	// Every pageview of the visitor's first day (the demo site's day is UTC) is a new
	// visitor's, in the new session too, unless the fake clock crossed midnight.
	const firstDay = new Date(T0).toISOString().slice(0, 10);
	const onFirstDay = (t: number) => new Date(T0 + t * MIN).toISOString().slice(0, 10) === firstDay;
	expect(pageviews.map((r) => [r.path, r.sid, r.entry, r.from, r.firstEver])).toEqual([
		['/s/a', s1, true, undefined, true],
		['/s/b', s1, false, '/s/a', onFirstDay(20)],
		// From the page its tab showed (tab 2's /s/b came between, in another tab).
		['/s/c', s1, false, '/s/a', onFirstDay(45)],
		['/s/a', s1, false, '/s/b', onFirstDay(47)],
		['/s/c', s2, true, undefined, onFirstDay(78)]
	]);
	expect(pageviews.map((r) => r.ts - T0).map((t) => Math.round(t / MIN))).toEqual([
		0, 20, 45, 47, 78
	]);
	// First of this path in the visitor's day (the demo site's day is UTC): /s/a and /s/c
	// again, even in the new session, are not — unless the fake clock crossed midnight.
	const seen = new Set<string>();
	const firstOfPathDay = pageviews.map((r) => {
		const key = new Date(r.ts).toISOString().slice(0, 10) + r.path;
		return !seen.has(key) && !!seen.add(key);
	});
	expect(pageviews.map((r) => r.pathFirstOfDay)).toEqual(firstOfPathDay);
	if (new Date(T0).getUTCDate() === new Date(T0 + 78 * MIN).getUTCDate())
		expect(firstOfPathDay).toEqual([true, true, true, false, false]);
	// Two pageviews made session 1 a non-bounce; no engaged time, so nothing else.
	const milestones = records.filter(
		(r): r is MilestoneRecord & StoredRecord => r.type === 'milestone'
	);
	expect(milestones.map((r) => [r.sid, r.milestone])).toEqual([[s1, 'nonbounce']]);
	expect(records.filter((r) => r.type === 'heartbeat')).toEqual([]);
	await context.close();
});

test('a reload in one tab records nothing after another tab of the session moved', async ({
	browser
}) => {
	// An outside re-check: tab A on /s/a, tab B opens /s/b, tab A reloads: a return to
	// /s/a "from /s/b" was recorded, which journeys and exit pages then followed.
	const context = await scriptedContext(browser, app, false, '/s/');
	const onPath = (page: Page, path: string) =>
		page.waitForFunction(
			(p) => JSON.parse(localStorage.getItem('couchstats:session:demo') ?? '{}').path === p,
			path
		);
	const tab1 = await context.newPage();
	await tab1.goto(app.url + '/s/a');
	await onPath(tab1, '/s/a');
	const vid = await visitorOf(tab1);
	const tab2 = await context.newPage();
	await tab2.goto(app.url + '/s/b');
	await onPath(tab2, '/s/b');
	await tab1.reload();
	await navigate(tab1, '/s/c');
	await onPath(tab1, '/s/c');
	const records = await recordsOf(
		() => vid,
		(rs) => rs.some((r) => r.type === 'pageview' && r.path === '/s/c')
	);
	const views = records.filter((r): r is PageviewRecord & StoredRecord => r.type === 'pageview');
	expect(views.map((r) => [r.path, r.revisit ?? false])).toEqual([
		['/s/a', false],
		['/s/b', false],
		['/s/c', false]
	]);
	await context.close();
});

test('actual, nonbounce and engaged are emitted once per session across tabs, only when their rule holds', async ({
	browser
}) => {
	const context = await scriptedContext(browser, app, true, '/m/');
	const tab1 = await openAt(context, '/m/1', T0);
	const vid = await visitorOf(tab1);
	await tab1.clock.pauseAt(T0 + 5000);
	for (const ms of [9000, 1000, 500]) {
		await setVisible(tab1, true);
		await tab1.clock.runFor(ms);
		await setVisible(tab1, false); // flushes a heartbeat
	}
	await navigate(tab1, '/m/2'); // an interaction after the opening pageview
	const tab2 = await openAt(context, '/m/3', T0 + 60_000);
	await setVisible(tab2, true);
	await tab2.clock.runFor(40_000);
	await setVisible(tab2, false);
	await tab1.close();
	await tab2.close();

	const records = await recordsOf(
		() => vid,
		(rs) =>
			rs.filter((r) => r.type === 'pageview').length >= 3 &&
			rs.filter((r) => r.type === 'milestone').length >= 3
	);
	const sid = records[0].sid;
	expect(new Set(records.map((r) => r.sid))).toEqual(new Set([sid]));
	const heartbeats = records.filter(
		(r): r is HeartbeatRecord & StoredRecord => r.type === 'heartbeat'
	);
	// The session passes 10 s 1 ms into the third stretch: a heartbeat then, so that its
	// actual milestone goes while the page is open, and the rest as the page hides.
	expect(heartbeats.slice(0, 4).map((r) => r.engagedMs)).toEqual([9000, 1000, 1, 499]);
	const milestones = records.filter(
		(r): r is MilestoneRecord & StoredRecord => r.type === 'milestone'
	);
	expect(milestones.map((r) => r.milestone).sort()).toEqual(['actual', 'engaged', 'nonbounce']);
	const at = (m: string) => milestones.find((r) => r.milestone === m)!.ts;
	// actual only once the session passed 10 s: with the third heartbeat (10.001 s), not the second (10 s).
	expect(at('actual')).toBe(heartbeats[2].ts);
	expect(at('actual')).toBeGreaterThan(heartbeats[1].ts);
	// engaged only with the interaction that followed: made right after its page view (the
	// page's clock is paused, so its records are stamped 1 ms apart to keep their order).
	const second = records.find((r) => r.type === 'pageview' && r.path === '/m/2')!;
	expect(at('engaged') - second.ts).toBeGreaterThanOrEqual(0);
	expect(at('engaged') - second.ts).toBeLessThanOrEqual(2);
	await context.close();
});

test('a visit visible 40 s, hidden 20 s, then visible 15 s records 55 s of engaged time', async ({
	browser
}) => {
	const context = await scriptedContext(browser, app, true, '/engaged');
	const page = await openAt(context, '/engaged', T0);
	const vid = await visitorOf(page);
	await page.clock.pauseAt(T0 + 5000);
	await setVisible(page, true);
	await page.clock.runFor(40_000);
	await setVisible(page, false);
	await page.clock.runFor(20_000);
	await setVisible(page, true);
	await page.clock.runFor(15_000);
	await setVisible(page, false);
	await page.close();

	const records = await recordsOf(
		() => vid,
		(rs) =>
			rs
				.filter((r) => r.type === 'heartbeat')
				.reduce((sum, r) => sum + (r as HeartbeatRecord).engagedMs, 0) >= 54_000
	);
	const heartbeats = records.filter(
		(r): r is HeartbeatRecord & StoredRecord => r.type === 'heartbeat'
	);
	const engaged = heartbeats.reduce((sum, r) => sum + r.engagedMs, 0);
	console.log(
		`engaged time: ${engaged} ms in ${heartbeats.length} heartbeats (${heartbeats.map((r) => r.engagedMs).join(' + ')})`
	);
	expect(Math.abs(engaged - 55_000)).toBeLessThanOrEqual(1000);
	await context.close();
});

test('a page view that never scrolls reports the part on screen once loaded: all of a page that fits the screen, the top quarter of one four screens tall', async ({
	browser
}) => {
	const context = await scriptedContext(browser, app, true, '/fits');
	// 720 px of a 720 px viewport are on screen, and 720 of 2880 here.
	const tall = '<style>body { margin: 0 }</style><div style="height: 2880px">Long read</div>';
	await routeStandalonePage(context, app, '/tall', {}, tall);
	let vid: string | undefined;
	for (const [path, time] of [
		['/fits', T0],
		['/tall', T0 + MIN]
	] as const) {
		const page = await openAt(context, path, time);
		vid ??= await visitorOf(page);
		await setVisible(page, true);
		// 4 s each: the session stays under 10 s engaged, so each page's one heartbeat is
		// the one its hiding flushes (none as the session passes 10 s).
		await page.clock.runFor(4_000);
		await setVisible(page, false); // flushes a heartbeat
		await page.close();
	}

	const records = await recordsOf(
		() => vid,
		(rs) => rs.filter((r) => r.type === 'heartbeat').length >= 2
	);
	const heartbeats = records.filter(
		(r): r is HeartbeatRecord & StoredRecord => r.type === 'heartbeat'
	);
	expect(heartbeats.map((r) => [r.path, r.scrollFrom, r.scroll])).toEqual([
		['/fits', 0, 100],
		['/tall', 0, 25]
	]);
	await context.close();
});

test("every record of a visit carries its session's source and landing page, across tabs, and a repeated event is not the session's first", async ({
	browser
}) => {
	// Real time and the deferred part (track() and the outbox need it).
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/src/');
	const tab1 = await context.newPage();
	await emulateFocus(tab1);
	await tab1.goto(app.url + '/src/landing', { referer: 'https://www.Example.com/x' });
	const vid = await visitorOf(tab1);
	await tab1.waitForFunction(() => 'couchstatsDeferred' in window);
	const track = (page: Page, name: string) =>
		page.evaluate(
			(n) => (window as unknown as { couchstats: { track(n: string): void } }).couchstats.track(n),
			name
		);
	await track(tab1, 'signup');
	await navigate(tab1, '/src/pricing'); // a second pageview: the session is a non-bounce
	await track(tab1, 'signup');
	// A second tab of the same session, arriving from elsewhere: the session's source stays.
	const tab2 = await context.newPage();
	await tab2.goto(app.url + '/src/about', { referer: 'https://other.example/' });
	await tab2.waitForFunction(() => 'couchstatsDeferred' in window);
	await track(tab2, 'signup');
	await tab1.waitForTimeout(300); // some engaged time for the heartbeat on hide
	await tab1.close();
	await tab2.close();

	const records = await recordsOf(
		() => vid,
		(rs) => {
			const count = (type: string) => rs.filter((r) => r.type === type).length;
			return (
				count('pageview') >= 3 && count('event') >= 3 && count('milestone') * count('heartbeat') > 0
			);
		}
	);
	expect(new Set(records.map((r) => r.type))).toEqual(
		new Set(['pageview', 'event', 'heartbeat', 'milestone'])
	);
	expect(records.map((r) => [r.type, r.src, r.land])).toEqual(
		records.map((r) => [r.type, 'example.com', '/src/landing'])
	);
	const pageviews = records.filter(
		(r): r is PageviewRecord & StoredRecord => r.type === 'pageview'
	);
	expect(pageviews.map((r) => [r.path, r.entry, r.ref])).toEqual([
		['/src/landing', true, 'https://www.example.com/x'],
		['/src/pricing', false, undefined],
		['/src/about', false, undefined]
	]);
	const events = records.filter((r): r is EventRecord & StoredRecord => r.type === 'event');
	expect(events.map((r) => [r.name, r.path, r.firstOfSession, r.firstOfDay])).toEqual([
		['signup', '/src/landing', true, true],
		['signup', '/src/pricing', false, false],
		['signup', '/src/about', false, false]
	]);
	expect(
		records.filter((r): r is MilestoneRecord & StoredRecord => r.type === 'milestone').length
	).toBeGreaterThan(0);
	await context.close();
});

test('a tagged link names the session’s source by its utm_source, with or without a referrer; a platform’s hosts are one source', async ({
	browser
}) => {
	// An outside review: a newsletter's visitors (tagged, no referrer) were (direct), and
	// l.facebook.com a source of its own.
	const visits: [string, string | undefined, string][] = [
		['/tag/a?utm_source=Weekly%20Letter', undefined, 'weekly-letter'],
		['/tag/b?utm_source=newsletter', 'https://l.facebook.com/l.php?u=x', 'newsletter'],
		['/tag/c', 'https://l.facebook.com/l.php?u=x', 'facebook.com'],
		// An outside test: a platform's bare name in the tag was a source apart from its host.
		['/tag/d?utm_source=fb', undefined, 'facebook.com']
	];
	for (const [path, referer, source] of visits) {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/tag/');
		const page = await context.newPage();
		await page.goto(app.url + path, referer ? { referer } : {});
		const vid = await visitorOf(page);
		const [pageview] = await recordsOf(
			() => vid,
			(rs) => rs.some((r) => r.type === 'pageview')
		);
		expect([pageview.path, pageview.src]).toEqual([path.replace(/\?.*/, ''), source]);
		await context.close();
	}
});

test('with hash routing on, each #/route is a page recorded once and an anchor none; without it, a hash-routed page is one page', async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/hash/', { 'data-hash-routing': '' });
	await routeStandalonePage(context, app, '/plain/');
	const page = await context.newPage();
	await page.goto(app.url + '/hash/#/a');
	const vid = await visitorOf(page);
	const route = (hash: string) => page.evaluate((h) => (location.hash = h), hash);
	await route('#/b?tab=2'); // a route's own query is not part of it
	await route('#/a'); // viewed moments ago in this session: a return (revisit), no pageview
	await route('#/c');
	await route('#section'); // an anchor in the page, no route: the visitor stays on #/c
	await page.goto(app.url + '/plain/#/a');
	await route('#/b');
	await page.close();

	const records = await recordsOf(
		() => vid,
		(rs) => rs.filter((r) => r.type === 'pageview').length >= 5
	);
	const views = records.filter((r): r is PageviewRecord & StoredRecord => r.type === 'pageview');
	expect(views.map((r) => `${r.path}${r.revisit ? ' (revisit)' : ''}`)).toEqual([
		'/hash/#/a',
		'/hash/#/b',
		'/hash/#/a (revisit)',
		'/hash/#/c',
		'/plain/'
	]);
	await context.close();
});

test('a visitor id made 390 days ago or less is kept; one older is replaced, and the browser is a new visitor', async ({
	browser
}) => {
	const DAY = 86_400_000;
	/** The first pageview of a browser whose stored visitor id was made `days` before T0. */
	async function firstPageview(days: number) {
		const old = uuidv7(T0 - days * DAY);
		const context = await scriptedContext(browser, app, false, '/life/');
		await context.addInitScript((id) => {
			const key = 'couchstats:visitor:demo';
			if (!localStorage.getItem(key))
				localStorage.setItem(key, JSON.stringify({ id, day: '2020-01-01' }));
		}, old);
		const page = await openAt(context, `/life/${days}`, T0);
		const vid = await visitorOf(page);
		const [pv] = await recordsOf(
			() => vid,
			(rs) => rs.some((r) => r.type === 'pageview')
		);
		await context.close();
		return { old, vid, pv: pv as PageviewRecord };
	}
	const kept = await firstPageview(389);
	expect(kept.vid).toBe(kept.old);
	expect(kept.pv).toMatchObject({ vid: kept.old, path: '/life/389', firstEver: false });
	const replaced = await firstPageview(391);
	expect(replaced.vid).not.toBe(replaced.old);
	expect(replaced.pv).toMatchObject({ vid: replaced.vid, path: '/life/391', firstEver: true });
});
