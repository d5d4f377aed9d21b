/**
 * "Latest events" when a dashboard opens (an outside new-user review: the list was empty
 * until something new arrived, with visitors active a minute before): the site's latest
 * pageviews, returns and events, read from the store in one bounded read, which records
 * that list nothing cannot crowd out (an outside security probe and its re-check: sessions
 * of one heartbeat each, some dated ahead, emptied the list when sessions were read one by
 * one).
 */
import { beforeAll, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readActiveNow } from '../../src/lib/server/stats/read-stats';
import { createViewReader } from '../../src/lib/server/stats/view-reader';
import {
	AHEAD_MS,
	LATEST_WINDOW_MS,
	readLatestRecords
} from '../../src/lib/server/sessions/latest-records';
import { LATEST_MAX, type LiveRecord } from '../../src/lib/stats/active';
import { sessionRecords, uuidv7At } from '../support/golden';
import { indexed, storeRecords, useCouch } from './harness';

let couch: Couch;
const SITE = 'latest';
/** One session's pageview, event, return and a long run of heartbeats after them. */
const ONE = 'latest-one';
/** Made-up sessions of one heartbeat each, and records dated ahead, beside a real visitor. */
const CROWDED = 'latest-crowded';
const NOW = Date.UTC(2026, 10, 20, 12, 0);
const ago = (seconds: number) => NOW - seconds * 1000;
const sid = (n: number) => uuidv7At(ago(3600), n);
const flags = { entry: false, firstOfDay: false, firstEver: false, pathFirstOfDay: false };
const pageview = (ts: number, path: string) => ({ type: 'pageview' as const, ts, path, ...flags });
const heartbeat = (ts: number, path: string) => ({
	type: 'heartbeat' as const,
	ts,
	path,
	engagedMs: 10_000
});
const row = (ts: number, path: string): LiveRecord => ({ type: 'pageview', path, ts });

beforeAll(async () => {
	({ couch } = await useCouch());
	await storeRecords(couch, [
		// B: 20 pageviews a minute apart, the last 30 s ago.
		...sessionRecords(
			SITE,
			sid(2),
			'b',
			{},
			Array.from({ length: 20 }, (_, i) => pageview(ago(30 + 60 * (19 - i)), `/b${i}`))
		),
		// C: one pageview a minute ago; D: gone 3 minutes ago, not active, still listed.
		...sessionRecords(SITE, sid(3), 'c', {}, [pageview(ago(60), '/c')]),
		...sessionRecords(SITE, sid(4), 'd', {}, [pageview(ago(180), '/d')]),
		// E to I: one pageview each, 100 s ago.
		...[5, 6, 7, 8, 9].flatMap((n) =>
			sessionRecords(SITE, sid(n), `v${n}`, {}, [pageview(ago(100), `/${n}`)])
		),
		...sessionRecords(ONE, sid(1), 'a', {}, [
			// Before the list's window: never listed.
			pageview(NOW - LATEST_WINDOW_MS - 1000, '/before'),
			pageview(ago(1200), '/'),
			{ type: 'event', ts: ago(900), path: '/', name: 'signup' },
			{ ...pageview(ago(800), '/long'), from: '/' },
			{ ...pageview(ago(700), '/'), from: '/long', revisit: true },
			...Array.from({ length: 60 }, (_, i) => heartbeat(ago(610 - 10 * i), '/long'))
		]),
		// 60 made-up sessions of a heartbeat each, 5 s ago, and 20 pageviews dated 4.5 min ahead.
		...Array.from({ length: 60 }, (_, i) =>
			sessionRecords(CROWDED, uuidv7At(ago(5), 1000 + i), `j${i}`, {}, [heartbeat(ago(5), '/')])
		).flat(),
		...Array.from({ length: 20 }, (_, i) =>
			sessionRecords(CROWDED, uuidv7At(NOW + 270_000, 2000 + i), `f${i}`, {}, [
				pageview(NOW + 270_000, '/ahead')
			])
		).flat(),
		...sessionRecords(CROWDED, sid(3), 'c', {}, [pageview(ago(60), '/c')])
	]);
	await indexed(couch);
});

test('the latest pageviews, returns and events of the last 30 minutes, newest first, at most LATEST_MAX', async () => {
	const active = await readActiveNow(createViewReader(couch), SITE, NOW);
	expect(active.visitors).toBe(7);
	expect(active.latest).toEqual([
		row(ago(30), '/b19'),
		row(ago(60), '/c'),
		row(ago(90), '/b18'),
		// One millisecond: the later record first (their ids' order).
		...[9, 8, 7, 6, 5].map((n) => row(ago(100), `/${n}`)),
		row(ago(150), '/b17'),
		// D left 3 minutes ago: its pageview is one of the latest all the same.
		row(ago(180), '/d'),
		...[16, 15, 14, 13, 12].map((i) => row(ago(30 + 60 * (19 - i)), `/b${i}`))
	]);
	expect(active.latest).toHaveLength(LATEST_MAX);
});

test('a return is listed as a return and an event by its name; heartbeats and records before the window are not, and cost the read nothing', async () => {
	const reader = createViewReader(couch);
	expect(await readLatestRecords(reader, ONE, NOW)).toEqual([
		{ type: 'return', path: '/', ts: ago(700) },
		{ type: 'pageview', path: '/long', ts: ago(800) },
		{ type: 'event', path: '/', name: 'signup', ts: ago(900) },
		{ type: 'pageview', path: '/', ts: ago(1200) }
	]);
	expect(reader.queries).toBe(1);
	expect(reader.rowsRead).toBe(4);
});

test('one read of at most LATEST_MAX rows, however many sessions list nothing; records dated well ahead of now are not listed', async () => {
	const reader = createViewReader(couch);
	expect(await readLatestRecords(reader, CROWDED, NOW)).toEqual([row(ago(60), '/c')]);
	expect(reader.queries).toBe(1);
	expect(reader.rowsRead).toBe(1);
	// Once now has come near them, they are the latest.
	const later = await readLatestRecords(createViewReader(couch), CROWDED, NOW + 270_000 - AHEAD_MS);
	expect(later).toHaveLength(LATEST_MAX);
	expect(later.every((r) => r.path === '/ahead')).toBe(true);
});
