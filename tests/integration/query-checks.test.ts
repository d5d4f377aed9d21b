/**
 * What the read APIs take, through the route handlers and the real embedded store: a
 * parameter an API does not know is a 400 naming it, and the Sessions API's cursor fits
 * the list it came from. An outside probe: `sorce=`, `Source=`, `pages=`, `evnt=`,
 * `props=` and `filter=` were answered with the whole site's numbers and `filter: null`,
 * and a sessions cursor of `range=today` reused with `range=yesterday` or on another site
 * answered 200 with a wrong page.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { GET as FUNNELS } from '../../src/routes/api/v1/funnels/+server';
import { GET as JOURNEYS } from '../../src/routes/api/v1/journeys/+server';
import { GET as PATHS } from '../../src/routes/api/v1/paths/+server';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import {
	getWithToken,
	importedRecords,
	importedSite,
	indexed,
	okWithToken,
	siteWithToken,
	storeRecords,
	type GetHandler
} from './harness';

const SITE = 'query-checks';
const OTHER = 'query-other';
const DAY = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;

let couch: Couch;
let token: string;
let otherToken: string;

beforeAll(async () => {
	({ couch, token } = await importedSite(SITE, [
		'timestamp,path,session_id,visitor_id,referrer,utm_source',
		'2026-11-09T08:00:00Z,/,y1,y1,,',
		'2026-11-09T09:00:00Z,/,y2,y2,,',
		'2026-11-09T10:00:00Z,/,y3,y3,,',
		'2026-11-10T08:00:00Z,/,s1,s1,,newsletter',
		'2026-11-10T09:00:00Z,/a,s2,s2,,newsletter',
		'2026-11-10T10:00:00Z,/a,s3,s3,,',
		'2026-11-10T11:00:00Z,/,s4,s4,,'
	]));
	otherToken = await siteWithToken(couch, OTHER, OTHER);
	await storeRecords(
		couch,
		importedRecords(
			[
				'timestamp,path,session_id,visitor_id',
				'2026-11-10T07:00:00Z,/,o1,o1',
				'2026-11-10T07:30:00Z,/,o2,o2',
				'2026-11-10T07:45:00Z,/,o3,o3'
			],
			{ site: OTHER }
		)
	);
	await indexed(couch);
});

describe('a parameter the API does not take', () => {
	const APIS: [string, string, GetHandler, string][] = [
		['stats', '/api/v1/stats', STATS, DAY],
		['stats export', '/api/v1/stats/export', EXPORT, `${DAY}&breakdown=pages&format=csv`],
		['journeys export', '/api/v1/stats/export', EXPORT, `${DAY}&breakdown=journeys`],
		['paths export', '/api/v1/stats/export', EXPORT, `${DAY}&breakdown=paths`],
		['sessions', '/api/v1/sessions', SESSIONS, DAY],
		['journeys', '/api/v1/journeys', JOURNEYS, DAY],
		['paths', '/api/v1/paths', PATHS, DAY],
		['funnels', '/api/v1/funnels', FUNNELS, `site=${SITE}`]
	];

	test.each(APIS)('the %s API (%s) answers its own query', async (_, path, handler, query) => {
		expect((await getWithToken(handler, path, query, token)).status).toBe(200);
	});

	test.each([
		'sorce=newsletter',
		'Source=newsletter',
		'pages=/a',
		'evnt=signup',
		'props=plan=pro',
		'filter=source'
	])('%s is a 400 naming it on every read API, not the whole site’s numbers', async (param) => {
		const name = param.slice(0, param.indexOf('='));
		for (const [what, path, handler, query] of APIS) {
			const res = await getWithToken(handler, path, `${query}&${param}`, token);
			expect(res.status, `${what} ${param}`).toBe(400);
			expect((await res.json()).message, what).toMatch(
				new RegExp(`^"${name}" is not a parameter of this API: it takes site, share, `)
			);
		}
	});

	test('the source filter, spelt right, still filters', async () => {
		const body = await okWithToken(STATS, '/api/v1/stats', `${DAY}&source=newsletter`, token);
		expect(body.filter).toEqual({ kind: 'source', value: 'newsletter' });
		expect(body.totals.sessions).toBe(2);
	});
});

describe('the Sessions API’s cursor', () => {
	const list = (query: string, as = token) => getWithToken(SESSIONS, '/api/v1/sessions', query, as);
	const sids = (body: { sessions: { entryPage: string; startedAt: string }[] }) =>
		body.sessions.map((s) => s.startedAt);

	test('pages the list it came from', async () => {
		const first = await okWithToken(SESSIONS, '/api/v1/sessions', `${DAY}&limit=2`, token);
		expect(sids(first)).toEqual(['2026-11-10T11:00:00.000Z', '2026-11-10T10:00:00.000Z']);
		const second = await okWithToken(
			SESSIONS,
			'/api/v1/sessions',
			`${DAY}&limit=2&cursor=${first.next}`,
			token
		);
		expect(sids(second)).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-10T08:00:00.000Z']);
		expect(second.next).toBeNull();
	});

	test('is a 400 with another range, zone, filter or site', async () => {
		const first = await okWithToken(SESSIONS, '/api/v1/sessions', `${DAY}&limit=1`, token);
		const cursor = `limit=1&cursor=${first.next}`;
		for (const [query, as] of [
			[`site=${SITE}&from=2026-11-09&to=2026-11-09&tz=UTC&${cursor}`, token],
			[`site=${SITE}&from=2026-11-09&to=2026-11-10&tz=UTC&${cursor}`, token],
			[`site=${SITE}&from=2026-11-10&to=2026-11-10&tz=Europe/London&${cursor}`, token],
			[`${DAY}&page=/&${cursor}`, token],
			[`site=${OTHER}&from=2026-11-10&to=2026-11-10&tz=UTC&${cursor}`, otherToken]
		]) {
			const res = await list(query, as);
			expect(res.status, query).toBe(400);
			expect((await res.json()).message, query).toBe(
				'cursor is not one this API returned for this site, range and filter'
			);
		}
		// Rows per page may change between pages.
		expect((await list(`${DAY}&limit=3&cursor=${first.next}`)).status).toBe(200);
	});
});
