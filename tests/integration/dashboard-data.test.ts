/**
 * The dashboard's data (src/lib/server/stats/dashboard.ts) on the golden data set: the same
 * numbers as the Stats API, a filter from the query string, and a clear problem instead
 * of widgets when the query string cannot be read.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readDashboard } from '../../src/lib/server/stats/dashboard';
import { readFunnelPage } from '../../src/lib/server/funnels/pages';
import { readSessionsPage } from '../../src/lib/server/sessions/pages';
import { GOLDEN_NOW, goldenRecords, goldenSite } from '../support/golden';
import { indexed, storeRecords, useCouch } from './harness';

let couch: Couch;
const site = goldenSite();
const range = 'range=custom&from=2026-11-01&to=2026-11-03&tz=UTC';
const read = (query: string) =>
	readDashboard(couch, site, new URLSearchParams(query), { now: () => GOLDEN_NOW });

beforeAll(async () => {
	({ couch } = await useCouch());
	await storeRecords(couch, goldenRecords());
	// Exact numbers need a built index: on a busy machine a first read outlasting the
	// reader's time limit answers from the index as it stands (indexing: true).
	await indexed(couch);
});

describe('the dashboard data', () => {
	test('is unfiltered without a filter parameter', async () => {
		const data = await read(range);
		expect(data.filter).toBeNull();
		expect(data.unfiltered).toBeUndefined();
		expect(data.totals).toMatchObject({ ok: true, value: { visitors: 7, sessions: 7 } });
	});

	test('reads every widget under a source filter, with the whole site’s totals beside', async () => {
		const data = await read(`${range}&source=(direct)`);
		expect(data.filter).toEqual({ kind: 'source', value: '(direct)' });
		expect(data.totals).toMatchObject({ ok: true, value: { visitors: 4, sessions: 4 } });
		expect(data.unfiltered).toMatchObject({ ok: true, value: { visitors: 7, sessions: 7 } });
		expect(data.previous).toMatchObject({ ok: true, value: { totals: { sessions: 2 } } });
		expect(data.breakdowns).toMatchObject({
			ok: true,
			value: { referrers: [{ value: '(direct)', sessions: 4, visitors: 4 }] }
		});
		// Active now is the whole site's (H is no longer active at GOLDEN_NOW, G and I are).
		expect(data.activeNow).toMatchObject({ ok: true, value: { visitors: 2 } });
	});

	test.each([
		['page=/a&event=signup', 'only one filter at a time: the request has page and event'],
		['page=pricing', 'page "pricing" must be a path starting with /'],
		// An outside review: these were read as 7 days and as the first page, silently.
		['range=bogus', expect.stringMatching(/^range "bogus" must be one of today, yesterday, /)],
		['page=/a&page=/b', 'page is given 2 times; give it once'],
		['country=FR', expect.stringMatching(/^country is not a filter/)]
	])('states the problem with %s instead of reading widgets', async (query, problem) => {
		const data = await read(query.startsWith('range=') ? query : `${range}&${query}`);
		expect(data.problem).toEqual(problem);
		expect(data.totals).toBeUndefined();
		expect(data.filter).toBeNull();
	});

	test('names the date a range problem is about, for the range form to mark, and no field otherwise', async () => {
		const backwards = await read('range=custom&from=2026-12-07&to=2026-12-01');
		expect(backwards.problem).toBe('the range from 2026-12-07 to 2026-12-01 ends before it starts');
		expect(backwards.problemField).toBe('to');
		const twoFilters = await read(`${range}&page=/a&event=signup`);
		expect(twoFilters.problemField).toBeUndefined();
	});

	test.each([
		['Bad/Zone', 'tz "Bad/Zone" is not an IANA time zone like Europe/Paris'],
		['Etc/GMT+14', 'tz "Etc/GMT+14" is not an IANA time zone like Europe/Paris']
	])('states the problem with tz=%s and keeps a zone the page can render', async (tz, problem) => {
		const data = await read(`range=7d&tz=${encodeURIComponent(tz)}`);
		expect(data.problem).toBe(problem);
		// The page formats times in range.tz; a zone Intl refuses made it answer 500.
		expect(data.range.tz).toBe(site.timeZone);
		expect(() => new Intl.DateTimeFormat('en', { timeZone: data.range.tz })).not.toThrow();
	});

	// An outside review: on a site in America/Los_Angeles, `tz=US/Pacific` (the same zone by
	// another name) was read as another zone, and the page said its visitors may count on
	// two days (the note shows when the range names a zone the site does not).
	test.each([
		['US/Pacific', 'America/Los_Angeles'],
		['America/Los_Angeles', 'US/Pacific'],
		['Etc/UTC', 'UTC']
	])(
		'reads tz=%s on a site in %s in the site’s zone, by its name, on each page',
		async (tz, zone) => {
			const there = { ...site, timeZone: zone };
			const params = new URLSearchParams(`range=custom&from=2026-11-01&to=2026-11-03&tz=${tz}`);
			const data = await readDashboard(couch, there, params, { now: () => GOLDEN_NOW });
			expect(data.problem).toBeUndefined();
			expect(data.range.tz).toBe(zone);
			expect(data.range.tz === data.site.timeZone).toBe(true);
			const own = new URLSearchParams(`range=custom&from=2026-11-01&to=2026-11-03&tz=${zone}`);
			expect(data.totals).toEqual(
				(await readDashboard(couch, there, own, { now: () => GOLDEN_NOW })).totals
			);
			const sessions = await readSessionsPage(couch, there, params, GOLDEN_NOW, false);
			expect(sessions.range.tz).toBe(zone);
			expect(sessions.list).toMatchObject({ range: { tz: zone } });
			const funnels = await readFunnelPage(couch, there, params, GOLDEN_NOW);
			expect(funnels.range.tz).toBe(zone);
		}
	);

	// An outside probe: `tz=Europe/berlin` on a Europe/Berlin site was echoed as typed, and
	// the page then said visitors seen in "Europe/berlin" may count on two days.
	test.each(['Europe/paris', 'EUROPE/PARIS', 'europe/paris'])(
		'reads tz=%s in the site’s own zone, by its name, on each page',
		async (tz) => {
			const data = await read(range.replace('tz=UTC', `tz=${tz}`));
			expect(data.problem).toBeUndefined();
			expect(data.range.tz).toBe(site.timeZone);
			const same = await read(range.replace('tz=UTC', 'tz=Europe/Paris'));
			expect(data.totals).toEqual(same.totals);
			const params = new URLSearchParams(`range=7d&tz=${tz}`);
			const sessions = await readSessionsPage(couch, site, params, GOLDEN_NOW, false);
			expect(sessions.range.tz).toBe(site.timeZone);
			expect(sessions.list).toMatchObject({ range: { tz: site.timeZone } });
			const funnels = await readFunnelPage(couch, site, params, GOLDEN_NOW);
			expect(funnels.range.tz).toBe(site.timeZone);
		}
	);
});
