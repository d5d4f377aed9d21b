/**
 * A day's visitors are the people active on it, whatever their first record of the day
 * was: records classified by the tracker's own session adapter across the site's midnight
 * (src/lib/tracker/session.ts, Asia/Dhaka, whose midnight is 18:00 UTC), sent through the
 * ingest handler and read through the Stats API, its CSV export and the sites list. An
 * outside review read 1 visitor on the new day, 2 converting visitors of a goal and a
 * conversion rate of 200 %: one visitor's only record of the day was a click, another's a
 * return to a page, and visitors were counted by their first pageview of the day.
 */
import { beforeAll, expect, test } from 'vitest';
import { revisionFor, uuidv7, type ClientRecord } from '../../src/lib/records';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { createIngest } from '../../src/lib/server/ingest/handler';
import type { Goal } from '../../src/lib/stats/goals';
import { createSessions, stateKeys } from '../../src/lib/tracker/session';
import { resolveOptions } from '../../src/lib/tracker/settings';
import { memoryStore } from '../../src/lib/tracker/storage';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { readSitesToday } from '../../src/routes/sites/site-numbers';
import { CHROME_UA } from '../support/ingest-records';
import { getWithToken, indexed, okWithToken, useCouch } from './harness';

const SITE = 'midnight';
const TZ = 'Asia/Dhaka';
const PAGE = `https://${SITE}.example`;
const goals: Goal[] = [{ id: 'g1', kind: 'event', name: 'cta' }];

/**
 * The visitors, one step a line: `HH:MM[:SS] pageview PATH` or `… event NAME`, UTC on
 * 10 November 2026 (18:00 is midnight in Dhaka).
 */
const VISITORS = {
	// Through midnight: /b after it, back to /a, /c, then the goal.
	m1: [
		'17:56 pageview /',
		'17:57:30 pageview /a',
		'18:00:30 pageview /b',
		'18:01:30 pageview /a',
		'18:02 pageview /c',
		'18:02:30 event cta'
	],
	// Back to /pricing after midnight: the day's only record, a return (no pageview).
	m2: ['17:57 pageview /pricing', '17:58:30 pageview /', '18:01 pageview /pricing'],
	// Stays on /pricing across midnight and clicks the goal: the day's only record, an event.
	m3: ['17:58:40 pageview /pricing', '18:01:40 event cta']
};

/** The records one visitor's browser makes of its steps, as tracker.ts makes them. */
function browserRecords(steps: string[]): ClientRecord[] {
	const store = memoryStore();
	const keys = stateKeys(SITE);
	const { day } = resolveOptions({ site: SITE, timeZone: TZ }, PAGE);
	const sessions = createSessions(store, keys, uuidv7, (t) => day.format(t));
	let path = '/';
	return steps.flatMap((step) => {
		const [time, kind, value] = step.split(' ');
		const ts = Date.parse(`2026-11-10T${time.length === 5 ? time + ':00' : time}Z`);
		if (kind === 'pageview') path = value;
		const fields =
			kind === 'pageview'
				? sessions.pageview(value, ts)
				: { name: value, ...sessions.event(value, ts) };
		if (!fields) return [];
		const s = sessions.touch(ts);
		const _id = uuidv7(ts);
		const record = { _id, _rev: revisionFor(_id), v: 1, type: kind, site: SITE, ts, path };
		const who = { sid: s.id, vid: sessions.visitor(ts), src: s.src, land: s.land };
		return [{ ...record, ...who, ...fields } as ClientRecord];
	});
}

let couch: Couch;
let token: string;

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('day visitors test');
	token = created.secret;
	const site = siteRecord(
		{ id: SITE, name: 'Midnight', hostnames: [`${SITE}.example`], timeZone: TZ },
		['owner'],
		0
	);
	await couch.sites.insert({ ...site, tokens: [created.token], goals });
	const ingest = createIngest({
		couch: () => couch,
		now: () => Date.UTC(2026, 10, 10, 18, 5),
		config: {
			ip: { burst: 1000, perSecond: 1 },
			ipRecords: { burst: 1000, perSecond: 1 },
			records: { burst: 1000, perSecond: 1 },
			session: { burst: 1000, perSecond: 1 },
			visitor: { burst: 1, perSecond: 1 },
			sitesTtlMs: 0
		}
	});
	for (const steps of Object.values(VISITORS)) {
		const res = await ingest.handle({
			path: '_bulk_docs',
			clientAddress: '203.0.113.7',
			request: new Request('http://app.test/api/ingest/_bulk_docs', {
				method: 'POST',
				body: JSON.stringify({ docs: browserRecords(steps), new_edits: false }),
				headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA, origin: PAGE }
			})
		});
		expect(res.status).toBe(201);
		expect((await res.json()).filter((r: { error?: string }) => r.error)).toEqual([]);
	}
	await indexed(couch);
});

const query = (from: string, to: string) =>
	`site=${SITE}&from=${from}&to=${to}&tz=${TZ}&interval=day`;
const read = (from: string, to: string) =>
	okWithToken(STATS, '/api/v1/stats', query(from, to), token);

test('the day after midnight counts everyone active on it: a pageview, a return, an event', async () => {
	const next = await read('2026-11-11', '2026-11-11');
	expect(next.totals).toMatchObject({ pageviews: 2, visitors: 3, newVisitors: 0, events: 2 });
	// Two of its three visitors converted (the review read 200 %: 2 of 1).
	expect(next.goals).toMatchObject([{ conversions: 2, visitors: 2, conversionRate: 0.6667 }]);
});

test('the day before is as it was, and each visitor counts once a day over both', async () => {
	const day = await read('2026-11-10', '2026-11-10');
	expect(day.totals).toMatchObject({ pageviews: 5, visitors: 3, newVisitors: 3, sessions: 3 });
	const both = await read('2026-11-10', '2026-11-11');
	expect(both.totals).toMatchObject({ pageviews: 7, visitors: 6, newVisitors: 3 });
	expect(both.timeseries.map((p: { visitors: number }) => p.visitors)).toEqual([3, 3]);
});

test('the CSV export and the sites list read the same visitors', async () => {
	const res = await getWithToken(
		EXPORT,
		'/api/v1/stats/export',
		`${query('2026-11-10', '2026-11-11')}&breakdown=timeseries&format=json`,
		token
	);
	expect(res.status).toBe(200);
	const rows = await res.json();
	expect(rows.map((r: { visitors: number }) => r.visitors)).toEqual([3, 3]);
	const sites = await readSitesToday(
		couch,
		[{ id: SITE, name: 'Midnight', timeZone: TZ, goals }],
		Date.UTC(2026, 10, 10, 18, 30)
	);
	expect(sites.today[SITE].visitors).toBe(3);
});

test("the breakdowns count visitors by their day's first pageview: the return's and the click's visitors are in none", async () => {
	const next = await read('2026-11-11', '2026-11-11');
	expect(next.breakdowns.newVsReturning).toEqual([
		{ value: 'returning', sessions: 0, visitors: 1 }
	]);
});
