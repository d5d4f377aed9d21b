/**
 * "Latest events" when a dashboard opens (an outside new-user review: the list was empty
 * until something new arrived, with visitors active a minute before): the latest
 * pageviews, returns and events of the sessions active now, read from the store.
 */
import { beforeAll, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readActiveNow } from '../../src/lib/server/stats/read-stats';
import { createViewReader } from '../../src/lib/server/stats/view-reader';
import { MAX_SESSIONS, readLatestRecords } from '../../src/lib/server/sessions/latest-records';
import { LATEST_MAX, type LiveRecord } from '../../src/lib/stats/active';
import { sessionRecords, uuidv7At } from '../support/golden';
import { indexed, storeRecords, useCouch } from './harness';

let couch: Couch;
const SITE = 'latest';
const NOW = Date.UTC(2026, 10, 20, 12, 0);
const ago = (seconds: number) => NOW - seconds * 1000;
const sid = (n: number) => uuidv7At(ago(3600), n);
const flags = { entry: false, firstOfDay: false, firstEver: false, pathFirstOfDay: false };
const pageview = (ts: number, path: string) => ({ type: 'pageview' as const, ts, path, ...flags });

beforeAll(async () => {
	({ couch } = await useCouch());
	const heartbeats = Array.from({ length: 60 }, (_, i) => ({
		type: 'heartbeat' as const,
		ts: ago(610 - 10 * i),
		path: '/long',
		engagedMs: 10_000
	}));
	await storeRecords(couch, [
		// A: its pageview, event and return come before 60 heartbeats (more than a page of rows).
		...sessionRecords(SITE, sid(1), 'a', {}, [
			pageview(ago(1200), '/'),
			{ type: 'event', ts: ago(900), path: '/', name: 'signup' },
			{ ...pageview(ago(800), '/long'), from: '/' },
			{ ...pageview(ago(700), '/'), from: '/long', revisit: true },
			...heartbeats
		]),
		// B: 20 pageviews a minute apart, the last 30 s ago.
		...sessionRecords(
			SITE,
			sid(2),
			'b',
			{},
			Array.from({ length: 20 }, (_, i) => pageview(ago(30 + 60 * (19 - i)), `/b${i}`))
		),
		// C: one pageview a minute ago; D: gone 3 minutes ago, not active.
		...sessionRecords(SITE, sid(3), 'c', {}, [pageview(ago(60), '/c')]),
		...sessionRecords(SITE, sid(4), 'd', {}, [pageview(ago(180), '/d')]),
		// J, gone an hour ago: a pageview, then 160 heartbeats (more than three pages of rows).
		...sessionRecords(SITE, sid(10), 'j', {}, [
			pageview(ago(7000), '/kiosk'),
			...Array.from({ length: 160 }, (_, i) => ({
				type: 'heartbeat' as const,
				ts: ago(6000 - 15 * i),
				path: '/kiosk',
				engagedMs: 15_000
			}))
		]),
		// E to I: one pageview each, 100 s ago.
		...[5, 6, 7, 8, 9].flatMap((n) =>
			sessionRecords(SITE, sid(n), `v${n}`, {}, [pageview(ago(100), `/${n}`)])
		)
	]);
	await indexed(couch);
});

test("the active sessions' latest pageviews, returns and events, newest first, at most LATEST_MAX", async () => {
	const active = await readActiveNow(createViewReader(couch), SITE, NOW);
	expect(active.visitors).toBe(8);
	const row = (ts: number, path: string): LiveRecord => ({ type: 'pageview', path, ts });
	expect(active.latest).toEqual([
		row(ago(30), '/b19'),
		row(ago(60), '/c'),
		row(ago(90), '/b18'),
		...[5, 6, 7, 8, 9].map((n) => row(ago(100), `/${n}`)),
		...[17, 16, 15, 14, 13, 12, 11].map((i) => row(ago(30 + 60 * (19 - i)), `/b${i}`))
	]);
	expect(active.latest).toHaveLength(LATEST_MAX);
});

test("a session's listed records are found past a page of heartbeats, a return as a return", async () => {
	const reader = createViewReader(couch);
	const latest = await readLatestRecords(
		reader,
		SITE,
		[{ sid: sid(1), path: '/long', at: ago(20) }],
		NOW
	);
	expect(latest).toEqual([
		{ type: 'return', path: '/', ts: ago(700) },
		{ type: 'pageview', path: '/long', ts: ago(800) },
		{ type: 'event', path: '/', name: 'signup', ts: ago(900) },
		{ type: 'pageview', path: '/', ts: ago(1200) }
	]);
	// 64 records, 50 a page.
	expect(reader.queries).toBe(2);
});

test('sessions whose latest activity is older than the LATEST_MAX records found are not read', async () => {
	const reader = createViewReader(couch);
	// B's 20 pageviews fill the list with records newer than C's latest activity, here
	// given as older than it is: neither C nor the sessions after it are read.
	const latest = await readLatestRecords(
		reader,
		SITE,
		[
			{ sid: sid(2), path: '/b19', at: ago(30) },
			{ sid: sid(1), path: '/long', at: ago(31) },
			{ sid: sid(9), path: '/9', at: ago(32) },
			{ sid: sid(8), path: '/8', at: ago(33) },
			{ sid: sid(7), path: '/7', at: ago(34) },
			{ sid: sid(3), path: '/c', at: ago(3000) },
			{ sid: sid(6), path: '/6', at: ago(3001) }
		],
		NOW
	);
	expect(latest.map((r) => r.path)).toEqual([
		'/b19',
		'/b18',
		'/9',
		'/8',
		'/7',
		...[17, 16, 15, 14, 13, 12, 11, 10, 9, 8].map((i) => `/b${i}`)
	]);
	// B, A (two pages), and E to I's three: five sessions read, then the list was full.
	expect(reader.queries).toBe(6);
});

test("a session's records are read three pages at most: a long run of heartbeats keeps a dashboard read bounded", async () => {
	const reader = createViewReader(couch);
	const latest = await readLatestRecords(
		reader,
		SITE,
		[{ sid: sid(10), path: '/kiosk', at: ago(3600) }],
		NOW
	);
	expect(latest).toEqual([]);
	expect(reader.queries).toBe(3);
	expect(reader.rowsRead).toBe(50 + 51 + 51);
});

test('at most MAX_SESSIONS sessions are read, however many are active and list nothing', async () => {
	// An outside security probe: 5,000 sessions of one heartbeat each, anyone's to send,
	// made every read of the public page read every one of them (4–9 s, 6 CPU-s).
	const reader = createViewReader(couch);
	const junk = Array.from({ length: 3 * MAX_SESSIONS }, (_, i) => ({
		sid: uuidv7At(ago(5), 1000 + i),
		path: '/',
		at: ago(5)
	}));
	const latest = await readLatestRecords(
		reader,
		SITE,
		[...junk, { sid: sid(3), path: '/c', at: ago(60) }],
		NOW
	);
	expect(latest).toEqual([]);
	expect(reader.queries).toBe(MAX_SESSIONS);
});

test('sessions dated well ahead of now are read after every other: made-up ones dated ahead cannot take every place', async () => {
	// An outside re-check: 20 one-heartbeat sessions dated 4.5 minutes ahead emptied the list.
	const reader = createViewReader(couch);
	const ahead = Array.from({ length: MAX_SESSIONS }, (_, i) => ({
		sid: uuidv7At(NOW + 270_000, 2000 + i),
		path: '/',
		at: NOW + 270_000
	}));
	const latest = await readLatestRecords(
		reader,
		SITE,
		[...ahead, { sid: sid(3), path: '/c', at: ago(60) }],
		NOW
	);
	expect(latest).toEqual([{ type: 'pageview', path: '/c', ts: ago(60) }]);
});
