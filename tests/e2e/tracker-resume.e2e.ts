/**
 * A page left open until its session ended, then used again (review15 F2, an outside
 * accuracy check in Chromium: the page was counted again as a page view, an entry and a
 * session credited to the referrer it had been loaded from). In real Chromium with an
 * injected clock (Playwright `page.clock`) and scripted visibility (tracker-support.ts
 * `scriptedContext`): what the tracker stores, and what the views count of it.
 */
import { expect, test } from './fixtures';
import nano from 'nano';
import type { PageviewRecord, StoredRecord } from '../../src/lib/records';
import type { RunningApp } from '../support/app';
import {
	pending,
	scriptedContext,
	setVisible,
	useTrackedApp,
	waitForRecords
} from './tracker-support';

const MIN = 60_000;
/** Three hours ago: room for an hour of fake time, inside the ingest window. */
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 1000) * 1000;

let app: RunningApp;
useTrackedApp((started) => ({ app } = started));

/** A `_design/stats` view's `_sum` over the site's day buckets, by what its key holds after the bucket (`all`: nothing). */
async function daySums(view: string): Promise<Map<unknown, number[]>> {
	const db = nano(app.couchUrl!.href).use(`${app.prefix}-events`);
	const { rows } = await db.view('stats', view, {
		startkey: ['demo', 'd'],
		endkey: ['demo', 'd', {}],
		group: true
	});
	const sums = new Map<unknown, number[]>();
	for (const row of rows) {
		// Keys are arrays; nano types them as strings.
		const [key, value] = [row.key as unknown as unknown[], row.value as number[]];
		const at = key.length > 3 ? JSON.stringify(key.slice(3)) : 'all';
		// _sum pads the shorter arrays: a day whose rows are shorter (no return on it: the
		// fake clock crossed midnight between the view and the return) must not cut the rest.
		const sum = sums.get(at) ?? [];
		const length = Math.max(sum.length, value.length);
		sums.set(
			at,
			Array.from({ length }, (_, i) => (sum[i] ?? 0) + (value[i] ?? 0))
		);
	}
	return sums;
}

test('a page left open until its session ended and used again counts one page view: the next session opens on it as a return from (direct), not as a second page view from its referrer', async ({
	browser
}) => {
	const body = '<button data-track="signup">Sign up</button>';
	const context = await scriptedContext(browser, app, true, '/resume/', body);
	const page = await context.newPage();
	await page.clock.install({ time: T0 - 1000 });
	await page.clock.pauseAt(T0);
	await page.goto(`${app.url}/resume/a?utm_source=newsletter`, {
		referer: 'https://news.example.com/item'
	});
	const vidOf = () =>
		page.evaluate(
			() => JSON.parse(localStorage.getItem('couchstats:visitor:demo') ?? '{}').id as string
		);
	await expect.poll(vidOf).toBeTruthy();
	const vid = await vidOf();

	// Read for 35 s, then the visitor goes elsewhere, leaving the tab open.
	await setVisible(page, true);
	await page.clock.runFor(35_000);
	await setVisible(page, false);
	// 40 minutes later they come back to it, read on, click the call to action, read on.
	await page.clock.pauseAt(T0 + 40 * MIN);
	await setVisible(page, true);
	await page.clock.runFor(15_000);
	await page.getByRole('button', { name: 'Sign up' }).click();
	await page.clock.runFor(20_000);
	await setVisible(page, false);
	// It hid with its last heartbeat, sent then with what waited: read once the ingest has
	// answered for all of it. The engaged milestone the read waits for can come first, in a
	// request sent while the page was on screen (a run on a busy machine read 16,999 ms).
	await expect.poll(() => pending(page).then((waiting) => waiting.length)).toBe(0);
	await page.close();

	const mine = (rs: StoredRecord[]) =>
		rs.filter((r) => r.vid === vid).sort((a, b) => a.ts - b.ts || a._id.localeCompare(b._id));
	const records = mine(
		await waitForRecords(app, (rs) =>
			mine(rs).some((r) => r.type === 'milestone' && r.milestone === 'engaged')
		)
	);
	const views = records.filter((r): r is PageviewRecord & StoredRecord => r.type === 'pageview');
	const [first, back] = views;
	expect(views).toHaveLength(2);
	// The page view, once, in the session its referrer and campaign brought.
	expect([first.path, first.entry, first.revisit, first.src, first.utm, first.ref]).toEqual([
		'/resume/a',
		true,
		undefined,
		'newsletter',
		{ source: 'newsletter' },
		'https://news.example.com/item'
	]);
	// The next session opens on it as a return: no page view, nothing brought it.
	expect(back.sid).not.toBe(first.sid);
	expect([back.path, back.entry, back.revisit, back.src, back.land, back.utm, back.ref]).toEqual([
		'/resume/a',
		true,
		true,
		'(direct)',
		'/resume/a',
		undefined,
		undefined
	]);
	expect(back.ts - T0).toBeGreaterThanOrEqual(40 * MIN);
	// Its time and its click are its own, and make it an engaged session.
	const second = records.filter((r) => r.sid === back.sid);
	expect(second.filter((r) => r.type === 'event').map((r) => [r.type, r.src])).toEqual([
		['event', '(direct)']
	]);
	const engaged = second.reduce((ms, r) => ms + (r.type === 'heartbeat' ? r.engagedMs : 0), 0);
	expect(Math.abs(engaged - 35_000)).toBeLessThanOrEqual(1000);
	expect(second.flatMap((r) => (r.type === 'milestone' ? [r.milestone] : [])).sort()).toEqual([
		'actual',
		'engaged',
		'nonbounce'
	]);

	// What the views count of it: one page view, two sessions, one from each source.
	const [pageviews, visitors, , sessions] = (await daySums('metrics')).get('all')!;
	// One visitor, unless the fake clock crossed midnight (UTC, the demo site's zone) while
	// the page was left: the return then opened the visitor's next day.
	const day = (t: number) => new Date(t).toISOString().slice(0, 10);
	const days = day(T0) === day(back.ts) ? 1 : 2;
	expect({ pageviews, visitors, sessions }).toEqual({ pageviews: 1, visitors: days, sessions: 2 });
	const sources = await daySums('dimensions');
	expect(sources.get('["referrer","newsletter"]')?.[0]).toBe(1);
	expect(sources.get('["referrer","(direct)"]')?.[0]).toBe(1);
	// The page: one page view, two entries (each session began on it), one return.
	const [views1, , , entries, , returns] = (await daySums('pages')).get('["/resume/a"]')!;
	expect({ views: views1, entries, returns }).toEqual({ views: 1, entries: 2, returns: 1 });
	await context.close();
});
