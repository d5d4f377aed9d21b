/**
 * A session's source through the importer's classification (the tracker's rule,
 * records.ts `sourceOf`), the real `dimensions` and `metrics` views and the Stats and
 * Sessions APIs: a tagged link's `utm_source` names the source, whatever the referrer,
 * and a platform's hosts count under one name. An outside review found a newsletter's
 * visitors (tagged, without a referrer) counted as `(direct)`, `?source=newsletter`
 * reading 0, and `l.facebook.com` and `m.facebook.com` as sources of their own; an outside
 * test, `utm_source=facebook` apart from `facebook.com`.
 */
import { beforeAll, expect, test } from 'vitest';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { importedSite, okWithToken } from './harness';

let token: string;
const SITE = 'campaigns';
const RANGE = `site=${SITE}&from=2026-11-10&to=2026-11-10&tz=UTC`;

beforeAll(async () => {
	({ token } = await importedSite(SITE, [
		'timestamp,path,session_id,visitor_id,referrer,utm_source',
		// Two newsletter readers without a referrer, one tagged in the URL, one in its column.
		'2026-11-10T08:00:00Z,/?utm_source=Newsletter,n1,n1,,',
		'2026-11-10T08:10:00Z,/launch,n2,n2,,newsletter',
		// A tagged link shared on Facebook: the tag names it.
		'2026-11-10T09:00:00Z,/launch?utm_source=newsletter,n3,n3,https://l.facebook.com/l.php,',
		// Facebook's link and mobile hosts, untagged: one source.
		'2026-11-10T10:00:00Z,/,f1,f1,https://l.facebook.com/l.php,',
		'2026-11-10T10:05:00Z,/,f2,f2,https://m.facebook.com/story,',
		// Facebook by its bare names in a tag, with and without its referrer: the same source.
		'2026-11-10T10:10:00Z,/?utm_source=facebook,f3,f3,,',
		'2026-11-10T10:15:00Z,/,f4,f4,https://lm.facebook.com/l.php,FB',
		// Mastodon is no one host: its name stays.
		'2026-11-10T10:20:00Z,/,m1,m1,https://mastodon.social/@a,mastodon',
		// Direct: neither.
		'2026-11-10T11:00:00Z,/,d1,d1,,'
	]));
});

test('a tagged visit counts under its utm_source, and a platform’s hosts under one source', async () => {
	const site = await okWithToken(STATS, '/api/v1/stats', RANGE, token);
	expect(site.totals).toMatchObject({ visitors: 9, sessions: 9 });
	expect(site.breakdowns.referrers).toEqual([
		{ value: 'facebook.com', sessions: 4, visitors: 4 },
		{ value: 'newsletter', sessions: 3, visitors: 3 },
		{ value: '(direct)', sessions: 1, visitors: 1 },
		{ value: 'mastodon', sessions: 1, visitors: 1 }
	]);
	// The UTM table keeps each tag as it was given.
	expect(site.breakdowns.utm.source).toEqual([
		{ value: 'newsletter', sessions: 2, visitors: 2 },
		{ value: 'FB', sessions: 1, visitors: 1 },
		{ value: 'Newsletter', sessions: 1, visitors: 1 },
		{ value: 'facebook', sessions: 1, visitors: 1 },
		{ value: 'mastodon', sessions: 1, visitors: 1 }
	]);
});

test('the source filter keeps the sessions of a campaign, named as given or as counted', async () => {
	for (const given of ['newsletter', 'Newsletter']) {
		const tagged = await okWithToken(STATS, '/api/v1/stats', `${RANGE}&source=${given}`, token);
		expect(tagged.totals).toMatchObject({ visitors: 3, sessions: 3, pageviews: 3 });
	}
	// A platform by any of its names: a host of its, or a bare name a tag gives it.
	for (const given of ['l.facebook.com', 'facebook', 'FB']) {
		const facebook = await okWithToken(STATS, '/api/v1/stats', `${RANGE}&source=${given}`, token);
		expect(facebook.totals).toMatchObject({ visitors: 4, sessions: 4 });
	}
	const sessions = await okWithToken(SESSIONS, '/api/v1/sessions', RANGE, token);
	expect(
		(sessions.sessions as { entryPage: string; source: string }[])
			.map((s) => `${s.entryPage} ${s.source}`)
			.sort()
	).toEqual([
		'/ (direct)',
		'/ facebook.com',
		'/ facebook.com',
		'/ facebook.com',
		'/ facebook.com',
		'/ mastodon',
		'/ newsletter',
		'/launch newsletter',
		'/launch newsletter'
	]);
});
