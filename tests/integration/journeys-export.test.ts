/**
 * The journeys and paths exports (`GET /api/v1/stats/export?…&breakdown=journeys|paths`)
 * on the hand-worked sessions of tests/support/journeys.ts, whose journeys and paths
 * journeys-goals.test.ts works out: every line by hand, and the same numbers as the
 * Journeys and Paths APIs answer for the same range, page or path and filter. Another
 * site holds the same visits and one more; none of its records counts here.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { createToken, hashToken } from '../../src/lib/server/accounts/tokens';
import { revisionFor, type StoredRecord } from '../../src/lib/records';
import type { JourneyStep } from '../../src/lib/stats/journeys';
import { GET as JOURNEYS } from '../../src/routes/api/v1/journeys/+server';
import { GET as PATHS } from '../../src/routes/api/v1/paths/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { uuidv7At } from '../support/golden';
import { tripsRecords, tripsSite } from '../support/journeys';
import {
	getWithToken,
	indexed,
	okWithToken,
	siteWithToken,
	storeRecords,
	useCouch,
	type GetHandler
} from './harness';

let couch: Couch;
let token: string;
let rivalToken: string;

const RANGE = 'site=trips&from=2026-11-10&to=2026-11-11&tz=UTC';
/** The same dates in another zone: other sessions fall in them. */
const TOKYO = 'site=trips&from=2026-11-10&to=2026-11-11&tz=Asia/Tokyo';
/** The share link of site `trips`. */
const SHARE = 'shr_' + 't'.repeat(32);
const RIVAL_SHARE = 'shr_' + 'r'.repeat(32);

/**
 * The visits of `trips` again on site `rival` (ids of their own), and one more there:
 * a session entering on /pricing that goes on to /rival-only, which no line of `trips`
 * may hold, nor may its counts grow by it or the copies.
 */
function rivalRecords(): StoredRecord[] {
	const copies = tripsRecords().map((record, i) => ({
		...record,
		_id: uuidv7At(record.ts, 0x70000 + i)
	}));
	const bounce = copies.at(-1)!;
	const onward = {
		...bounce,
		_id: uuidv7At(bounce.ts + 60_000, 0x7ffff),
		ts: bounce.ts + 60_000,
		path: '/rival-only',
		from: '/pricing',
		entry: false,
		firstOfDay: false,
		trail: ['/pricing']
	};
	return [...copies, onward].map((record) => ({
		...record,
		site: 'rival',
		_rev: revisionFor(record._id)
	})) as StoredRecord[];
}

function get(handler: GetHandler, path: string, query: string, secret = token) {
	return getWithToken(handler, path, query, secret);
}

/** The lines of an export's CSV, its header first. */
async function csvLines(query: string, secret = token): Promise<string[]> {
	const res = await get(EXPORT, '/api/v1/stats/export', `${query}&format=csv`, secret);
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
	const text = await res.text();
	expect(text.endsWith('\r\n')).toBe(true);
	return text.slice(0, -2).split('\r\n');
}

/**
 * Expects the export `query` to hold the `expected` lines, as JSON and as CSV under
 * `header` (a line's cells in the header's order; none for an absent field), every one
 * however low `limit` is: an export has no "(other)".
 */
async function expectExported(query: string, header: string, expected: Record<string, unknown>[]) {
	const json = await okWithToken(
		EXPORT,
		'/api/v1/stats/export',
		`${query}&format=json&limit=1`,
		token
	);
	expect(json).toEqual(expected);
	const cells = (line: Record<string, unknown>) =>
		header
			.split(',')
			.map((column) => line[column] ?? '')
			.join(',');
	expect(await csvLines(`${query}&limit=1`)).toEqual([header, ...expected.map(cells)]);
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('journeys export test');
	token = created.secret;
	await couch.sites.insert({
		...tripsSite(),
		tokens: [created.token],
		shareHash: hashToken(SHARE)
	});
	rivalToken = await siteWithToken(couch, 'rival', 'Rival');
	const rival = await couch.sites.get('site:rival');
	await couch.sites.insert({ ...rival, shareHash: hashToken(RIVAL_SHARE) });
	await storeRecords(couch, [...tripsRecords(), ...rivalRecords()]);
	await indexed(couch);
});

describe('the journeys export', () => {
	const HEADER = 'page,pageViews,direction,from,to,views,share';

	test('the journeys through the busiest page: where its viewers came from, then where they went', async () => {
		const res = await get(EXPORT, '/api/v1/stats/export', `${RANGE}&breakdown=journeys`);
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="trips-journeys-_pricing-2026-11-10-2026-11-11.csv"'
		);
		// As journeys-goals.test.ts works them out: /pricing, 5 views.
		expect(await csvLines(`${RANGE}&breakdown=journeys`)).toEqual([
			HEADER,
			'/pricing,5,previous,(entrance),/pricing,3,0.6',
			'/pricing,5,previous,/,/pricing,1,0.2',
			'/pricing,5,previous,/docs,/pricing,1,0.2',
			'/pricing,5,next,/pricing,/thanks,2,0.4',
			'/pricing,5,next,/pricing,(exit),1,0.2',
			'/pricing,5,next,/pricing,/,1,0.2',
			'/pricing,5,next,/pricing,/docs,1,0.2'
		]);
	});

	test('page= walks to another page, direction= keeps one side, source= counts its sessions only', async () => {
		expect(await csvLines(`${RANGE}&breakdown=journeys&page=/`)).toEqual([
			HEADER,
			'/,3,previous,(entrance),/,2,0.6667',
			'/,3,previous,/pricing,/,1,0.3333',
			'/,3,next,/,(exit),1,0.3333',
			'/,3,next,/,/docs/setup,1,0.3333',
			'/,3,next,/,/pricing,1,0.3333'
		]);
		expect(await csvLines(`${RANGE}&breakdown=journeys&page=/&direction=next`)).toEqual([
			HEADER,
			'/,3,next,/,(exit),1,0.3333',
			'/,3,next,/,/docs/setup,1,0.3333',
			'/,3,next,/,/pricing,1,0.3333'
		]);
		const res = await get(
			EXPORT,
			'/api/v1/stats/export',
			`${RANGE}&breakdown=journeys&source=news.example&page=/pricing`
		);
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="trips-journeys-_pricing-2026-11-10-2026-11-11-source-news.example.csv"'
		);
		// S6 only: it entered on /pricing and went on to /, whose views tie with it.
		expect(await csvLines(`${RANGE}&breakdown=journeys&source=news.example&page=/pricing`)).toEqual(
			[HEADER, '/pricing,1,previous,(entrance),/pricing,1,1', '/pricing,1,next,/pricing,/,1,1']
		);
	});

	test.each([
		RANGE,
		`${RANGE}&page=/`,
		`${RANGE}&page=/docs/setup`,
		`${RANGE}&page=/thanks&direction=previous`,
		`${RANGE}&source=news.example`,
		`${RANGE}&source=(direct)&page=/`,
		// Tokyo's days: Nov 9 15:00 UTC to Nov 11 15:00, without S6 and S7.
		`${TOKYO}&page=/pricing`,
		// A week, read as one week bucket.
		'site=trips&from=2026-11-09&to=2026-11-15&tz=UTC'
	])('holds every step of the Journeys API’s answer to %s, as CSV and JSON', async (query) => {
		const api = await okWithToken(JOURNEYS, '/api/v1/journeys', `${query}&limit=9999`, token);
		const side = (name: 'previous' | 'next', steps: JourneyStep[] | undefined) =>
			(steps ?? []).map((step) => ({
				page: api.page,
				pageViews: api.views,
				direction: name,
				from: name === 'previous' ? step.path : api.page,
				to: name === 'previous' ? api.page : step.path,
				views: step.count,
				share: step.share
			}));
		const expected = [...side('previous', api.previous), ...side('next', api.next)];
		expect(expected.length).toBeGreaterThan(0);
		await expectExported(`${query}&breakdown=journeys`, HEADER, expected);
	});
});

test.each([
	['breakdown=journeys&page=/&direction=next', 'journeys-_-next'],
	['breakdown=journeys&page=/docs/setup&direction=previous', 'journeys-_docs_setup-previous'],
	['breakdown=paths', 'paths-entry'],
	['breakdown=paths&step=/&step=/pricing&step=/docs', 'paths-_-_pricing-_docs']
])('the file of %s says which page and side, or which steps: %s', async (query, subject) => {
	for (const format of ['csv', 'json']) {
		const res = await get(EXPORT, '/api/v1/stats/export', `${RANGE}&${query}&format=${format}`);
		expect(res.headers.get('content-disposition')).toBe(
			`attachment; filename="trips-${subject}-2026-11-10-2026-11-11.${format}"`
		);
	}
});

test('a page that is no ASCII is named as it reads in filename*, and with _ in filename', async () => {
	const res = await get(
		EXPORT,
		'/api/v1/stats/export',
		`${RANGE}&breakdown=journeys&page=${encodeURIComponent('/caf%C3%A9 "menu"')}`
	);
	expect(res.status).toBe(200);
	expect(res.headers.get('content-disposition')).toBe(
		// The page as the tables show it, `/café%20%22menu%22`, its `%` as `_`.
		`attachment; filename="trips-journeys-_caf__20_22menu_22-2026-11-10-2026-11-11.csv"; filename*=UTF-8''trips-journeys-_caf%C3%A9_20_22menu_22-2026-11-10-2026-11-11.csv`
	);
});

describe('the paths export', () => {
	const HEADER = 'step1,step2,step3,step4,sessions,share,pathSessions';

	test('the entry pages of the sessions begun in the range, then the paths on from one', async () => {
		expect(await csvLines(`${RANGE}&breakdown=paths`)).toEqual([
			HEADER,
			'/pricing,,,,3,0.6,5',
			'/,,,,2,0.4,5'
		]);
		// S2 went on to /thanks, S6 to /, S7 left.
		expect(await csvLines(`${RANGE}&breakdown=paths&step=/pricing`)).toEqual([
			HEADER,
			'/pricing,(exit),,,1,0.3333,3',
			'/pricing,/,,,1,0.3333,3',
			'/pricing,/thanks,,,1,0.3333,3'
		]);
		// S1's fourth page, the last step counted.
		expect(await csvLines(`${RANGE}&breakdown=paths&step=/&step=/pricing&step=/docs`)).toEqual([
			HEADER,
			'/,/pricing,/docs,/pricing,1,1,1'
		]);
		// Tokyo's days end at 15:00 UTC on Nov 11, before S6 and S7: S1, S2 and S3 entered.
		expect(await csvLines(`${TOKYO}&breakdown=paths`)).toEqual([
			HEADER,
			'/,,,,2,0.6667,3',
			'/pricing,,,,1,0.3333,3'
		]);
		expect(await csvLines(`${RANGE}&breakdown=paths&source=news.example&step=/pricing`)).toEqual([
			HEADER,
			'/pricing,/,,,1,1,1'
		]);
	});

	test.each([
		RANGE,
		`${RANGE}&step=/`,
		`${RANGE}&step=/pricing`,
		`${RANGE}&step=/&step=/pricing`,
		`${RANGE}&step=/thanks`,
		`${RANGE}&source=news.example`,
		TOKYO,
		`${TOKYO}&step=/`,
		'site=trips&from=2026-11-09&to=2026-11-15&tz=UTC&step=/pricing'
	])('holds every page of the Paths API’s answer to %s, as CSV and JSON', async (query) => {
		const api = await okWithToken(PATHS, '/api/v1/paths', `${query}&limit=9999`, token);
		const expected = api.next.map((step: JourneyStep) => ({
			...Object.fromEntries(api.steps.map((path: string, i: number) => [`step${i + 1}`, path])),
			[`step${api.steps.length + 1}`]: step.path,
			sessions: step.count,
			share: step.share,
			pathSessions: api.sessions
		}));
		await expectExported(`${query}&breakdown=paths`, HEADER, expected);
	});
});

describe('whose journeys and paths', () => {
	test('another site’s visits never count: its own export has them, and its credentials read none of trips', async () => {
		// The same visits on `rival`, and S7's copy went on to /rival-only: no exit there.
		const rival = await csvLines(
			'site=rival&from=2026-11-10&to=2026-11-11&tz=UTC&breakdown=journeys&page=/pricing&direction=next',
			rivalToken
		);
		expect(rival).toEqual([
			'page,pageViews,direction,from,to,views,share',
			'/pricing,5,next,/pricing,/thanks,2,0.4',
			'/pricing,5,next,/pricing,/,1,0.2',
			'/pricing,5,next,/pricing,/docs,1,0.2',
			'/pricing,5,next,/pricing,/rival-only,1,0.2'
		]);
		expect(await csvLines(`${RANGE}&breakdown=journeys&page=/pricing&direction=next`)).toEqual([
			'page,pageViews,direction,from,to,views,share',
			'/pricing,5,next,/pricing,/thanks,2,0.4',
			'/pricing,5,next,/pricing,(exit),1,0.2',
			'/pricing,5,next,/pricing,/,1,0.2',
			'/pricing,5,next,/pricing,/docs,1,0.2'
		]);
		expect(await csvLines(`${RANGE}&breakdown=paths&step=/pricing`)).not.toContain(
			'/pricing,/rival-only,,,1,0.3333,3'
		);
		expect(
			await csvLines(
				'site=rival&from=2026-11-10&to=2026-11-11&tz=UTC&breakdown=paths&step=/pricing',
				rivalToken
			)
		).toContain('/pricing,/rival-only,,,1,0.3333,3');
		for (const name of ['journeys', 'paths']) {
			const res = await get(
				EXPORT,
				'/api/v1/stats/export',
				`${RANGE}&breakdown=${name}`,
				rivalToken
			);
			expect(res.status).toBe(403);
			expect((await res.json()).message).toBe('you cannot read the stats of site "trips"');
		}
	});

	test('a share link exports its own site’s journeys and paths, not another site’s', async () => {
		const viaShare = (query: string) => {
			const url = new URL(`http://localhost/api/v1/stats/export?${query}`);
			return EXPORT({ url, request: new Request(url), locals: { user: null } } as never);
		};
		const own = await viaShare(`${RANGE}&breakdown=paths&share=${SHARE}`);
		expect(own.status).toBe(200);
		expect(await own.text()).toBe(
			[
				'step1,step2,step3,step4,sessions,share,pathSessions',
				'/pricing,,,,3,0.6,5',
				'/,,,,2,0.4,5',
				''
			].join('\r\n')
		);
		const other = await viaShare(`${RANGE}&breakdown=journeys&share=${RIVAL_SHARE}`);
		expect(other.status).toBe(403);
		const none = await viaShare(`${RANGE}&breakdown=journeys`);
		expect(none.status).toBe(401);
	});
});

describe('bad parameters', () => {
	test.each([
		[
			'breakdown=journeys&page=/docs/*',
			/^page takes one path, not a pattern with \*: journeys are about one page$/
		],
		['breakdown=journeys&page=pricing', /^page "pricing" must be a path starting with \//],
		['breakdown=journeys&direction=sideways', /^direction "sideways" must be next .* or previous/],
		[
			'breakdown=journeys&event=signup',
			/^journeys and paths can be filtered by source only, not by event:/
		],
		[
			'breakdown=paths&page=/pricing',
			/^journeys and paths can be filtered by source only, not by page:/
		],
		['breakdown=paths&step=pricing', /^step 1 "pricing" must be a path starting with \//],
		[
			'breakdown=paths&step=/&step=/a&step=/b&step=/c',
			/^step is given 4 times; paths are counted up to 4 pages/
		],
		['breakdown=paths&source=', /^source must be a non-empty value/],
		[
			'breakdown=paths&from=2026-11-12&to=2026-11-10',
			/^the range from 2026-11-12 to 2026-11-10 ends before it starts$/
		],
		[
			'breakdown=journeys&from=2016-01-01&to=2026-11-10',
			/^the range from 2016-01-01 to 2026-11-10 is \d+ days; the most is \d+$/
		],
		[
			'breakdown=paths&tz=Nowhere/City',
			/^tz "Nowhere\/City" is not an IANA time zone like Europe\/Paris$/
		],
		['breakdown=journeys&format=xml', /^format "xml" must be csv, json or zip$/]
	])('%s is a 400 saying what was wrong', async (query, message) => {
		const res = await get(EXPORT, '/api/v1/stats/export', `site=trips&${query}`);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'bad_request',
			message: expect.stringMatching(message)
		});
	});
});
