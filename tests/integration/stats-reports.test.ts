/**
 * The reports of what the tracker records (404 pages, scroll depth, new vs returning,
 * outbound links, file downloads, lost records), read through the Stats API route and
 * its CSV export from the embedded store, every number worked out by hand below.
 *
 * | session | visitor | when (UTC)     | what happens                                                   |
 * | ------- | ------- | -------------- | -------------------------------------------------------------- |
 * | A       | V1 new  | Nov 1 10:00    | / from news.example, scrolls 0→40→80; /missing (404) from /,    |
 * |         |         |                | scrolls to 100; github.com link; a.pdf; its browser dropped 7   |
 * | B       | V2 new  | Nov 1 12:00    | /old (404) direct; github.com link                               |
 * | C       | V1 back | Nov 2 09:00    | / direct, scrolls to 30 (and an old heartbeat without           |
 * |         |         |                | scrollFrom, counted nowhere); a.pdf; dropped 3, then 2 more     |
 * | bot     | V9      | Nov 2 11:00    | a 404 and a deep scroll, flagged bot: counted nowhere           |
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { revisionFor, type StoredRecord } from '../../src/lib/records';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { GET } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { goldenSite, uuidv7At } from '../support/golden';
import { indexed, storeRecords, useCouch } from './harness';

const SITE = 'reports';
let couch: Couch;
let token: string;
let n = 0;

const t = (day: number, h: number, m = 0) => Date.UTC(2026, 10, day, h, m);
const entry = { entry: true, firstOfDay: true, pathFirstOfDay: true };

/** The records of one session, stamped as the tracker stamps them. */
function session(sid: string, vid: string, src: string, list: Record<string, unknown>[]) {
	const land = String(list[0].path);
	return list.map((fields) => {
		const _id = uuidv7At(fields.ts as number, ++n);
		return {
			_id,
			_rev: revisionFor(_id),
			v: 1,
			site: SITE,
			sid: uuidv7At(list[0].ts as number, 0xfff00 + sid.charCodeAt(0)),
			vid: `visitor-${vid}`.padEnd(16, '0'),
			src,
			land,
			receivedAt: (fields.ts as number) + 500,
			...fields
		} as unknown as StoredRecord;
	});
}

const beat = (path: string, ts: number, scrollFrom: number, scroll: number) => ({
	type: 'heartbeat',
	path,
	ts,
	engagedMs: 5000,
	scrollFrom,
	scroll
});
const click = (name: string, path: string, ts: number, url: string) => ({
	type: 'event',
	name,
	path,
	ts,
	props: { url },
	firstOfSession: true,
	firstOfDay: true
});

const GITHUB = 'https://github.com/couchstats';
const PDF = 'https://reports.example/files/a.pdf';

function records(): StoredRecord[] {
	return [
		...session('A', 'V1', 'news.example', [
			{
				type: 'pageview',
				path: '/',
				ts: t(1, 10),
				ref: 'https://news.example/x',
				firstEver: true,
				...entry
			},
			beat('/', t(1, 10, 1), 0, 40),
			beat('/', t(1, 10, 2), 40, 80),
			{
				type: 'pageview',
				path: '/missing',
				ts: t(1, 10, 3),
				from: '/',
				notFound: true,
				entry: false,
				firstOfDay: false,
				firstEver: false,
				pathFirstOfDay: true
			},
			beat('/missing', t(1, 10, 4), 0, 100),
			click('outbound', '/missing', t(1, 10, 5), GITHUB),
			click('download', '/missing', t(1, 10, 6), PDF),
			{ type: 'dropped', path: '/missing', ts: t(1, 10, 7), count: 7 }
		]),
		...session('B', 'V2', '(direct)', [
			{ type: 'pageview', path: '/old', ts: t(1, 12), notFound: true, firstEver: true, ...entry },
			click('outbound', '/old', t(1, 12, 1), GITHUB)
		]),
		...session('C', 'V1', '(direct)', [
			{ type: 'pageview', path: '/', ts: t(2, 9), firstEver: false, ...entry },
			beat('/', t(2, 9, 1), 0, 30),
			{ type: 'heartbeat', path: '/', ts: t(2, 9, 2), engagedMs: 5000, scroll: 90 },
			click('download', '/', t(2, 9, 3), PDF),
			{ type: 'dropped', path: '/', ts: t(2, 9, 10), count: 3 },
			{ type: 'dropped', path: '/', ts: t(2, 9, 40), count: 2 }
		]),
		...session('D', 'V9', '(direct)', [
			{
				type: 'pageview',
				path: '/bot',
				ts: t(2, 11),
				notFound: true,
				firstEver: true,
				...entry,
				bot: true
			},
			{ ...beat('/bot', t(2, 11, 1), 0, 100), bot: true }
		])
	];
}

async function stats(query: string) {
	const url = new URL(`http://localhost/api/v1/stats?site=${SITE}&tz=UTC&${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
	const res = await GET({ url, request, locals: { user: null } } as never);
	expect(res.status).toBe(200);
	return res.json();
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('reports test');
	token = created.secret;
	await couch.sites.insert({
		...goldenSite(),
		_id: `site:${SITE}`,
		id: SITE,
		hostnames: ['reports.example'],
		timeZone: 'UTC',
		tokens: [created.token]
	});
	await storeRecords(couch, records());
	await indexed(couch);
});

const RANGE = 'from=2026-11-01&to=2026-11-02';

describe('the Stats API’s reports of what the tracker records', () => {
	test('404 pages, by missing path and where the visitor came from; bots left out', async () => {
		const body = await stats(RANGE);
		expect(body.breakdowns.notFound).toEqual([
			{ path: '/missing', from: '/', pageviews: 1 },
			{ path: '/old', from: '(direct)', pageviews: 1 }
		]);
	});

	test('scroll depth: the mean of each page view’s deepest scroll, and who reached each mark', async () => {
		const body = await stats(RANGE);
		expect(body.breakdowns.scrollDepth).toEqual([
			// A reached 80 (25, 50, 75), C 30 (25): (80 + 30) ÷ 2 = 55.
			{
				path: '/',
				pageviews: 2,
				averageScroll: 55,
				reached25: 2,
				reached50: 1,
				reached75: 1,
				reached100: 0
			},
			{
				path: '/missing',
				pageviews: 1,
				averageScroll: 100,
				reached25: 1,
				reached50: 1,
				reached75: 1,
				reached100: 1
			},
			// No heartbeat: a page view that never scrolled counts as 0 %.
			{
				path: '/old',
				pageviews: 1,
				averageScroll: 0,
				reached25: 0,
				reached50: 0,
				reached75: 0,
				reached100: 0
			}
		]);
	});

	test('new vs returning sum to the headline visitors and sessions', async () => {
		const body = await stats(RANGE);
		expect(body.breakdowns.newVsReturning).toEqual([
			{ value: 'new', sessions: 2, visitors: 2 },
			{ value: 'returning', sessions: 1, visitors: 1 }
		]);
		expect(body.totals).toMatchObject({ visitors: 3, newVisitors: 2, sessions: 3 });
	});

	test('outbound links and file downloads, with their URLs', async () => {
		const body = await stats(RANGE);
		expect(body.breakdowns.outboundLinks).toEqual([{ url: GITHUB, clicks: 2 }]);
		expect(body.breakdowns.downloads).toEqual([{ url: PDF, clicks: 2 }]);
	});

	test('lost records: how many, and in which UTC hour, latest first', async () => {
		const body = await stats(RANGE);
		expect(body.breakdowns.dropped).toEqual([
			{ hour: '2026-11-02T09', records: 5, reports: 2 },
			{ hour: '2026-11-01T10', records: 7, reports: 1 }
		]);
		// One day reads one day's losses.
		expect((await stats('from=2026-11-01&to=2026-11-01')).breakdowns.dropped).toEqual([
			{ hour: '2026-11-01T10', records: 7, reports: 1 }
		]);
	});

	test('under a source filter: only the sessions from news.example', async () => {
		const { breakdowns } = await stats(`${RANGE}&source=news.example`);
		expect(breakdowns.notFound).toEqual([{ path: '/missing', from: '/', pageviews: 1 }]);
		expect(breakdowns.scrollDepth.map((r: { path: string }) => r.path)).toEqual(['/', '/missing']);
		expect(breakdowns.scrollDepth[0]).toMatchObject({ pageviews: 1, averageScroll: 80 });
		expect(breakdowns.newVsReturning).toEqual([{ value: 'new', sessions: 1, visitors: 1 }]);
		expect(breakdowns.outboundLinks).toEqual([{ url: GITHUB, clicks: 1 }]);
		expect(breakdowns.downloads).toEqual([{ url: PDF, clicks: 1 }]);
		expect(breakdowns.dropped).toEqual([]);
	});

	test('under a page filter: that page’s 404s, scroll and clicks; no new vs returning', async () => {
		const { breakdowns } = await stats(`${RANGE}&page=/missing`);
		expect(breakdowns.notFound).toEqual([{ path: '/missing', from: '/', pageviews: 1 }]);
		expect(breakdowns.scrollDepth).toEqual([
			expect.objectContaining({ path: '/missing', pageviews: 1, averageScroll: 100 })
		]);
		expect(breakdowns.outboundLinks).toEqual([{ url: GITHUB, clicks: 1 }]);
		expect(breakdowns.downloads).toEqual([{ url: PDF, clicks: 1 }]);
		expect(breakdowns.newVsReturning).toEqual([]);
		expect(breakdowns.dropped).toEqual([]);
	});

	test('under an event filter: only that event’s links', async () => {
		const { breakdowns } = await stats(`${RANGE}&event=outbound`);
		expect(breakdowns.outboundLinks).toEqual([{ url: GITHUB, clicks: 2 }]);
		expect(breakdowns.downloads).toEqual([]);
		expect(breakdowns.notFound).toEqual([]);
		expect(breakdowns.scrollDepth).toEqual([]);
	});

	test('each report exports as CSV with its counts', async () => {
		const csv = async (name: string) => {
			const url = new URL(
				`http://localhost/api/v1/stats/export?site=${SITE}&tz=UTC&${RANGE}&breakdown=${name}&format=csv`
			);
			const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
			const res = await EXPORT({ url, request, locals: { user: null } } as never);
			expect(res.status).toBe(200);
			return (await res.text()).trim().split(/\r?\n/);
		};
		expect(await csv('scrollDepth')).toEqual([
			'path,pageviews,averageScroll,reached25,reached50,reached75,reached100',
			'/,2,55,2,1,1,0',
			'/missing,1,100,1,1,1,1',
			'/old,1,0,0,0,0,0'
		]);
		expect(await csv('notFound')).toEqual([
			'path,from,pageviews',
			'/missing,/,1',
			'/old,(direct),1'
		]);
		expect(await csv('dropped')).toEqual([
			'hour,records,reports',
			'2026-11-02T09,5,2',
			'2026-11-01T10,7,1'
		]);
		expect(await csv('outboundLinks')).toEqual(['url,clicks', `${GITHUB},2`]);
	});
});
