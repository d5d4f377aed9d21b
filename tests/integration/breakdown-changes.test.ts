/**
 * Each breakdown row compared with the previous period, read through the Stats API and
 * its export from the embedded store when the request asks (`compare=`, as the
 * dashboard's links give it): the row's main metric in the previous period and its
 * change (new for a row absent before), for the rows shown only ("(other)" has none),
 * and the export's columns of it; without `compare=`, the rows as they were. The week of
 * 2026-11-08…14 (UTC) compares with 2026-11-01…07.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { entryPageview } from '../support/golden';
import { getWithToken, indexed, okWithToken, useCouch } from './harness';

const SITE = 'rowchange';
const WEEK = `site=${SITE}&from=2026-11-08&to=2026-11-14`;
const COMPARED = `${WEEK}&compare=days`;

/** Each visitor's one pageview (an entry, first of their day): when, which page, which browser. */
const PAGEVIEWS: [string, string, string][] = [
	// The previous period.
	['2026-11-03T10:00:00Z', '/', 'Firefox'],
	['2026-11-03T11:00:00Z', '/', 'Firefox'],
	['2026-11-04T12:00:00Z', '/docs', 'Chrome'],
	['2026-11-05T12:00:00Z', '/gone', 'Firefox'],
	// The range.
	['2026-11-09T10:00:00Z', '/', 'Firefox'],
	['2026-11-10T10:00:00Z', '/', 'Firefox'],
	['2026-11-11T10:00:00Z', '/', 'Chrome'],
	['2026-11-12T10:00:00Z', '/docs', 'Safari'],
	['2026-11-13T10:00:00Z', '/new', 'Chrome']
];

/** `signup` fired once in the previous period, three times in the range. */
const SIGNUPS = [
	'2026-11-03T10:01:00Z',
	'2026-11-09T10:01:00Z',
	'2026-11-10T10:01:00Z',
	'2026-11-11T10:01:00Z'
];

let couch: Couch;
let token: string;

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('breakdown changes test');
	token = created.secret;
	const site = siteRecord(
		{ id: SITE, name: 'Row change', hostnames: [`${SITE}.example`], timeZone: 'UTC' },
		['owner'],
		0
	);
	await couch.sites.insert({ ...site, tokens: [created.token] });
	const pageviews = PAGEVIEWS.map(([time, path, browser], n) => ({
		...entryPageview(SITE, Date.parse(time), n, `visitor-number-${n}`, path),
		browser
	}));
	// An entry pageview's fields but its flags, as an event.
	const signups = SIGNUPS.map((time, n) => {
		const pageview = entryPageview(SITE, Date.parse(time), 100 + n, 'visitor-number-0', '/');
		const { _id, _rev, v, site, sid, vid, ts, receivedAt } = pageview as typeof pageview & {
			receivedAt: number;
		};
		return {
			_id,
			_rev,
			v,
			site,
			sid,
			vid,
			ts,
			receivedAt,
			path: '/',
			type: 'event',
			name: 'signup'
		};
	});
	const res = await couch.events.bulk({ docs: [...pageviews, ...signups], new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
	await indexed(couch);
});

describe('the Stats API’s breakdown rows', () => {
	test('carry their main metric in the previous period and its change; "(other)" none', async () => {
		const body = await okWithToken(STATS, '/api/v1/stats', `${COMPARED}&limit=2`, token);
		expect(body.previous).toMatchObject({ from: '2026-11-01', to: '2026-11-07' });
		// /: 3 pageviews against 2 (+50 %); /docs: 1 against 1; /new, absent before, in "(other)".
		expect(body.breakdowns.pages).toEqual([
			expect.objectContaining({ path: '/', pageviews: 3, previous: { pageviews: 2 }, change: 0.5 }),
			expect.objectContaining({
				path: '/docs',
				pageviews: 1,
				previous: { pageviews: 1 },
				change: 0
			}),
			expect.not.objectContaining({ previous: expect.anything() })
		]);
		expect(body.breakdowns.pages[2]).toMatchObject({ path: '(other)', pageviews: 1 });
		expect(body.breakdowns.entryPages[0]).toMatchObject({
			path: '/',
			entries: 3,
			previous: { entries: 2 },
			change: 0.5
		});
	});

	test('a row absent before is new, and each breakdown compares its own metric', async () => {
		const body = await okWithToken(STATS, '/api/v1/stats', COMPARED, token);
		expect(body.breakdowns.pages.find((r: { path: string }) => r.path === '/new')).toMatchObject({
			pageviews: 1,
			previous: { pageviews: 0 },
			change: 'new'
		});
		// Visitors by browser: Chrome 2 against 1, Firefox 2 against 3, Safari 1 against none.
		expect(
			body.breakdowns.browsers.map((r: Record<string, unknown>) => [
				r.value,
				r.visitors,
				r.previous,
				r.change
			])
		).toEqual([
			['Chrome', 2, { visitors: 1 }, 1],
			['Firefox', 2, { visitors: 3 }, -0.3333],
			['Safari', 1, { visitors: 0 }, 'new']
		]);
		expect(body.breakdowns.events[0]).toMatchObject({
			name: 'signup',
			count: 3,
			previous: { count: 1 },
			change: 2
		});
	});
});

test('without compare=, the rows are as they were, and their reads too', async () => {
	const [plain, compared] = await Promise.all(
		[WEEK, COMPARED].map((query) => okWithToken(STATS, '/api/v1/stats', query, token))
	);
	expect(plain.breakdowns.pages).toEqual([
		{ path: '/', pageviews: 3, visitors: 3, engagedTimeMs: 0, entries: 3, exits: 3 },
		{ path: '/docs', pageviews: 1, visitors: 1, engagedTimeMs: 0, entries: 1, exits: 1 },
		{ path: '/new', pageviews: 1, visitors: 1, engagedTimeMs: 0, entries: 1, exits: 1 }
	]);
	expect(plain.previous).toEqual(compared.previous);
	// The comparison's own reads: the breakdown views over the previous period.
	expect(compared.meta.queries).toBeGreaterThan(plain.meta.queries);
});

describe('a breakdown’s export', () => {
	const csv = async (query: string) => {
		const res = await getWithToken(EXPORT, '/api/v1/stats/export', query, token);
		expect(res.status).toBe(200);
		return (await res.text()).trim().split(/\r?\n/);
	};

	test('compares every row when it is asked to compare, as the dashboard’s links ask', async () => {
		expect(await csv(`${WEEK}&compare=days&breakdown=pages&format=csv`)).toEqual([
			'path,pageviews,visitors,engagedTimeMs,entries,exits,previousPageviews,change',
			'/,3,3,0,3,3,2,0.5',
			'/docs,1,1,0,1,1,1,0',
			'/new,1,1,0,1,1,0,new'
		]);
		const res = await getWithToken(
			EXPORT,
			'/api/v1/stats/export',
			`${WEEK}&compare=days&breakdown=events&format=json`,
			token
		);
		expect(await res.json()).toEqual([
			{ name: 'signup', prop: '', value: '', count: 3, previousCount: 1, change: 2 }
		]);
	});

	test('has its own columns only without compare=', async () => {
		expect(await csv(`${WEEK}&breakdown=browsers&format=csv`)).toEqual([
			'value,sessions,visitors',
			'Chrome,2,2',
			'Firefox,2,2',
			'Safari,1,1'
		]);
	});
});
