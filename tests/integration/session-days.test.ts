/**
 * A session's milestones and engaged time count where the session does, at its entry
 * pageview's time, through the importer's classification (the tracker's rules), the real `metrics` view
 * and the Stats API: sessions that crossed the site's midnight are actual, engaged and
 * non-bounce on the day they began, and the next day has none of them. An outside review
 * read "1 engaged of 0 actual sessions" on the day after such a visit (each milestone
 * had counted on the day it was reached).
 */
import { beforeAll, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import {
	importedRecords,
	indexed,
	okWithToken,
	siteWithToken,
	storeRecords,
	useCouch
} from './harness';

let couch: Couch;
let token: string;
const SITE = 'midnight';
/** Asia/Dhaka (+06:00): its midnight is 18:00 UTC. */
const TZ = 'Asia/Dhaka';

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	token = await siteWithToken(couch, SITE, 'Midnight');
	const lines = [
		'timestamp,path,session_id,visitor_id,engaged_ms,event',
		// M1: / at 23:56 (Dhaka), /a, then after midnight 12 s engaged on /a, and /b.
		'2026-11-10T17:56:00Z,/,m1,m1,,',
		'2026-11-10T17:57:30Z,/a,m1,m1,,',
		'2026-11-10T18:00:20Z,/a,m1,m1,12000,',
		'2026-11-10T18:00:30Z,/b,m1,m1,,',
		// M3: /pricing at 23:58:40, 11 s engaged before midnight, a click after it.
		'2026-11-10T17:58:40Z,/pricing,m3,m3,,',
		'2026-11-10T17:58:52Z,/pricing,m3,m3,11000,',
		'2026-11-10T18:01:40Z,/pricing,m3,m3,,cta',
		// K1: a bounced visit on the next day.
		'2026-11-11T09:00:00Z,/,k1,k1,,'
	];
	const docs = importedRecords(lines, { site: SITE, timeZone: TZ });
	// Reached after midnight: M1's actual and engaged, M3's engaged.
	const after = docs.filter((d) => d.type === 'milestone' && d.ts >= Date.UTC(2026, 10, 10, 18));
	expect(after.map((d) => `${d.land} ${(d as { milestone?: string }).milestone}`)).toEqual([
		'/ actual',
		'/ engaged',
		'/pricing engaged'
	]);
	await storeRecords(couch, docs);
	await indexed(couch);
});

const read = (from: string, to: string) =>
	okWithToken(STATS, '/api/v1/stats', `site=${SITE}&from=${from}&to=${to}&tz=${TZ}`, token);

test('sessions that crossed midnight are actual, engaged and non-bounce on the day they began', async () => {
	const day = await read('2026-11-10', '2026-11-10');
	expect(day.totals).toMatchObject({
		sessions: 2,
		actualSessions: 2,
		engagedSessions: 2,
		bounceRate: 0,
		engagementRate: 1
	});
	// Their engaged time too, M1's 12 s sent after midnight included (an outside re-check:
	// the day before read 0 s, the next day 42 s a session for sessions of 3 s).
	expect(day.totals).toMatchObject({ engagedTimeMs: 23_000, avgEngagedTimeMs: 11_500 });
});

test('the next day counts only its own sessions: none of those milestones', async () => {
	const next = await read('2026-11-11', '2026-11-11');
	expect(next.totals).toMatchObject({
		sessions: 1,
		actualSessions: 0,
		engagedSessions: 0,
		bounceRate: 1
	});
	// The pageviews and events stay on the day they were made.
	expect(next.totals).toMatchObject({ pageviews: 2, events: 1, engagedTimeMs: 0 });
});

test('over both days every milestone counts once', async () => {
	const both = await read('2026-11-10', '2026-11-11');
	expect(both.totals).toMatchObject({
		sessions: 3,
		actualSessions: 2,
		engagedSessions: 2,
		bounceRate: 0.3333
	});
});
