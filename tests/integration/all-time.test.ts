/**
 * "All time" (`range=all`) is one range in every read that offers it: from the local day
 * of the site's first record, or from the first later day its zone's offset can be read
 * (the answer then says so), in the Stats, Sessions and Funnels APIs and the pages. An
 * outside probe (probe40b) got a 500 from the Stats API and the dashboard for a
 * Pacific/Kiritimati site with records of 1975 (UTC−10:40 until 1979), and "sessions
 * started from 2016-11-29" (ten years back) where the dashboard's all time began on the
 * first record's day.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { readDashboard } from '../../src/lib/server/stats/dashboard';
import { readFunnelPage } from '../../src/lib/server/funnels/pages';
import { readSessionsPage } from '../../src/lib/server/sessions/pages';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as FUNNELS } from '../../src/routes/api/v1/funnels/+server';
import { listParams, nextSessionsQuery } from '../../src/lib/stats/sessions';
import { readAgainParams } from '../../src/lib/stats/range';
import { entryPageview } from '../support/golden';
import { indexed, okWithToken, storeRecords, useCouch } from './harness';

const SITE = 'kiritimati';

/** One entry pageview each (UTC); the first on a day of UTC−10:40, which cannot be read. */
const INSTANTS = [
	'1975-06-01T12:00:00.000Z', // 1975-06-01 01:20 at UTC−10:40
	'1990-05-01T00:00:00.000Z', // 1990-04-30 14:00 at UTC−10:00
	'2026-11-20T00:00:00.000Z' //  2026-11-20 14:00 at UTC+14:00
];

/** The first day of Pacific/Kiritimati at UTC−10:00, the first it has on UTC quarter hours. */
const FIRST_READABLE = '1979-10-02';

let couch: Couch;
let token: string;
const site = {
	...siteRecord(
		{
			id: SITE,
			name: 'Kiritimati',
			hostnames: ['kiritimati.example'],
			timeZone: 'Pacific/Kiritimati'
		},
		['owner'],
		0
	),
	funnels: [
		{
			id: 'f1',
			name: 'Home',
			steps: [
				{ kind: 'page' as const, path: '/' },
				{ kind: 'page' as const, path: '/next' }
			]
		}
	]
};

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('all time test');
	token = created.secret;
	await couch.sites.insert({ ...site, tokens: [created.token] });
	await storeRecords(
		couch,
		INSTANTS.map((iso, i) =>
			entryPageview(SITE, Date.parse(iso), i, `visitor-alltime-${String(i).padStart(4, '0')}`, '/')
		)
	);
	await indexed(couch);
});

const note = expect.stringMatching(
	/^Days before 1979-10-02 are left out: time zone Pacific\/Kiritimati was then at UTC−10:40, not a whole number of quarter hours/
);

describe('all time', () => {
	test('the Stats API starts it on the first day the zone can be read, and says so', async () => {
		const stats = await okWithToken(STATS, '/api/v1/stats', `site=${SITE}&range=all`, token);
		expect(stats.range).toMatchObject({ from: FIRST_READABLE, tz: 'Pacific/Kiritimati', note });
		expect(stats.trackingSince).toBe(INSTANTS[0]);
		expect(stats.totals).toMatchObject({ pageviews: 2, visitors: 2, sessions: 2 });
		// Nothing of the period before can be read either: it is empty, not a 500.
		expect(stats.previous.totals).toMatchObject({ pageviews: 0 });
	});

	test('the Sessions and Funnels APIs read the same days', async () => {
		const sessions = await okWithToken(
			SESSIONS,
			'/api/v1/sessions',
			`site=${SITE}&range=all`,
			token
		);
		expect(sessions.range).toMatchObject({ from: FIRST_READABLE, note });
		expect(sessions.total).toBe(2);
		expect(sessions.sessions).toHaveLength(2);
		const funnel = await okWithToken(
			FUNNELS,
			'/api/v1/funnels',
			`site=${SITE}&funnel=f1&range=all`,
			token
		);
		expect(funnel.range).toMatchObject({ from: FIRST_READABLE, note });
		expect(funnel.steps[0].sessions).toBe(2);
	});

	test('a site whose records can all be read starts on its first record’s day everywhere', async () => {
		const utc = `site=${SITE}&range=all&tz=UTC`;
		const stats = await okWithToken(STATS, '/api/v1/stats', utc, token);
		const sessions = await okWithToken(SESSIONS, '/api/v1/sessions', utc, token);
		const funnel = await okWithToken(FUNNELS, '/api/v1/funnels', `${utc}&funnel=f1`, token);
		for (const range of [stats.range, sessions.range, funnel.range]) {
			expect(range.from).toBe('1975-06-01');
			expect(range.note).toBeUndefined();
		}
		expect(sessions.total).toBe(3);
	});

	test('the dashboard, session list and funnel pages read it as the APIs do', async () => {
		const params = new URLSearchParams('range=all');
		const now = Date.parse('2026-12-01T00:00:00Z');
		const dashboard = await readDashboard(couch, site, params, { now: () => now });
		expect(dashboard.problem).toBeUndefined();
		expect(dashboard.range).toMatchObject({ preset: 'all', from: FIRST_READABLE, note });
		expect(dashboard.totals).toMatchObject({ ok: true, value: { pageviews: 2 } });
		const sessions = await readSessionsPage(couch, site, params, now, false);
		expect(sessions.range).toMatchObject({ preset: 'all', from: FIRST_READABLE });
		expect(sessions.list).toMatchObject({ total: 2, range: { from: FIRST_READABLE, note } });
		const funnels = await readFunnelPage(couch, site, params, now);
		expect(funnels.range).toMatchObject({ preset: 'all', from: FIRST_READABLE });
		expect(funnels.report).toMatchObject({ range: { from: FIRST_READABLE, note } });
	});

	test('a page of all time asks the APIs again for the same days, however many (its next page, CSV, later batches)', async () => {
		// In UTC all time runs from 1975: 18,800 days, more than the APIs take as dates (a
		// review: the session list's next page and a funnel's later batches were refused).
		const params = new URLSearchParams('range=all&tz=UTC');
		const now = Date.now();
		const sessions = await readSessionsPage(couch, site, params, now, false);
		expect(sessions.range).toMatchObject({ from: '1975-06-01' });
		const again = new URLSearchParams({ site: SITE, ...listParams(sessions), limit: '1' });
		const first = await okWithToken(SESSIONS, '/api/v1/sessions', String(again), token);
		expect(first.range).toMatchObject({ from: '1975-06-01' });
		expect(first.sessions).toHaveLength(1);
		const next = nextSessionsQuery(sessions, first.next);
		next.set('site', SITE);
		const second = await okWithToken(SESSIONS, '/api/v1/sessions', String(next), token);
		// The page's own limit: the other two.
		expect(second.sessions).toHaveLength(2);
		expect(second.sessions.map((s: { sid: string }) => s.sid)).not.toContain(first.sessions[0].sid);
		const funnels = await readFunnelPage(couch, site, params, now);
		const batch = new URLSearchParams({
			site: SITE,
			funnel: 'f1',
			...readAgainParams(funnels.range)
		});
		const funnel = await okWithToken(FUNNELS, '/api/v1/funnels', String(batch), token);
		expect(funnel.range).toMatchObject({ from: '1975-06-01' });
		expect(funnel.steps[0].sessions).toBe(3);
	});
});
