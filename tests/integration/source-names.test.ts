/**
 * Sources named as an object's own members (`constructor`, `__proto__`) through the
 * importer's classification (the tracker's rule, records.ts `sourceOf`), the real views
 * and the Stats, Sessions and export APIs: names like any other. An outside probe found
 * them looked up in an object: the tracker stored the landing as a return from (direct)
 * or sent nothing, the source filter read zeros, and its CSV export answered 500.
 */
import { beforeAll, expect, test } from 'vitest';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { getWithToken, importedSite, okWithToken } from './harness';

let token: string;
const SITE = 'object-names';
const RANGE = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;

beforeAll(async () => {
	({ token } = await importedSite(SITE, [
		'timestamp,path,session_id,visitor_id,referrer,utm_source',
		'2026-11-10T08:00:00Z,/a?utm_source=Constructor,c1,c1,,',
		'2026-11-10T08:01:00Z,/b,c1,c1,,',
		'2026-11-10T08:10:00Z,/a,c2,c2,http://constructor/x,',
		'2026-11-10T09:00:00Z,/p,p1,p1,,__PROTO__',
		'2026-11-10T11:00:00Z,/,d1,d1,,'
	]));
});

test('a source named constructor or __proto__ counts its sessions and their landing pageviews', async () => {
	const site = await okWithToken(STATS, '/api/v1/stats', RANGE, token);
	expect(site.totals).toMatchObject({ visitors: 4, sessions: 4, pageviews: 5 });
	expect(site.breakdowns.referrers).toEqual([
		{ value: 'constructor', sessions: 2, visitors: 2 },
		{ value: '(direct)', sessions: 1, visitors: 1 },
		{ value: '__proto__', sessions: 1, visitors: 1 }
	]);
	const sessions = await okWithToken(SESSIONS, '/api/v1/sessions', RANGE, token);
	expect(
		(sessions.sessions as { entryPage: string; source: string; pages: number }[])
			.map((s) => `${s.entryPage} ${s.source} ${s.pages}`)
			.sort()
	).toEqual(['/ (direct) 1', '/a constructor 1', '/a constructor 2', '/p __proto__ 1']);
});

test('the source filter and its CSV export read such a source, as given or as counted', async () => {
	for (const [given, sessions, pageviews] of [
		['constructor', 2, 3],
		['Constructor', 2, 3],
		['__proto__', 1, 1]
	] as const) {
		const filtered = await okWithToken(STATS, '/api/v1/stats', `${RANGE}&source=${given}`, token);
		expect(filtered.filter).toEqual({ kind: 'source', value: given.toLowerCase() });
		expect(filtered.totals).toMatchObject({ sessions, pageviews });
	}
	const res = await getWithToken(
		EXPORT,
		'/api/v1/stats/export',
		`${RANGE}&source=constructor&breakdown=pages&format=csv`,
		token
	);
	expect(res.status).toBe(200);
	const lines = (await res.text()).trim().split('\n');
	expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['/a', '/b']);
});
