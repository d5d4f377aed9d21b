/**
 * An export derived from another analytics tool (GA, Plausible) imported by the
 * importer's classification (backfill.ts), stored in the embedded store and read through
 * the Stats API: its pageview lines carry `engaged_ms` and no `type` column, its event
 * lines no browser, OS or device. An outside probe read Pageviews 0, Sessions 0 and Actual
 * sessions 308 of such a file (its pageviews taken for heartbeats), and "(unknown)" for
 * every event's browser, OS and device under an event filter.
 */
import { beforeAll, expect, test } from 'vitest';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { importedSite, okWithToken } from './harness';

const SITE = 'derived';
let token: string;

beforeAll(async () => {
	({ token } = await importedSite(SITE, [
		'timestamp,path,visitor_id,engaged_ms,event,browser,os,device',
		// D1: two pages, 20 s engaged in all, then a signup.
		'2026-11-10T10:00:00Z,/,d1,5000,,Firefox,Linux,desktop',
		'2026-11-10T10:01:00Z,/pricing,d1,15000,,Firefox,Linux,desktop',
		'2026-11-10T10:01:30Z,/pricing,d1,,signup,,,',
		// D2: one page, 3 s engaged, then a signup.
		'2026-11-10T11:00:00Z,/,d2,3000,,Safari,iOS,mobile',
		'2026-11-10T11:00:20Z,/,d2,,signup,,,'
	]));
});

const read = (filter = '') =>
	okWithToken(
		STATS,
		'/api/v1/stats',
		`site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC${filter}`,
		token
	);

test('its pageview lines count as pageviews and sessions, their engaged time as engaged time', async () => {
	const { totals } = await read();
	expect(totals).toMatchObject({
		pageviews: 3,
		sessions: 2,
		visitors: 2,
		actualSessions: 1,
		engagedTimeMs: 23_000
	});
});

test("its events count under an event filter by their session's browser, OS and device", async () => {
	const { totals, breakdowns } = await read('&event=signup');
	expect(totals).toMatchObject({ events: 2, sessions: 2, visitors: 2 });
	const row = (value: string) => ({ value, sessions: 1, visitors: 1 });
	expect(breakdowns.browsers).toEqual([row('Firefox'), row('Safari')]);
	expect(breakdowns.os).toEqual([row('Linux'), row('iOS')]);
	expect(breakdowns.devices).toEqual([row('desktop'), row('mobile')]);
});
