/**
 * The sites page's progress re-read (`/sites/progress.json`) on the built app: what the
 * page's load reads, as JSON, for the signed-in owner only, and never a token's or the
 * share link's hash. The page's load also reads each of the account's sites' visitors
 * today, and no other site's; past a page of sites, those of the page asked for only.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch } from '../../src/lib/server/couch';
import { unflatten } from 'devalue';
import {
	addOwner,
	addToken,
	createSite,
	enableShareLink
} from '../../src/lib/server/accounts/site-admin';
import { hashToken } from '../../src/lib/server/accounts/tokens';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import type { SitesToday } from '../../src/routes/sites/site-numbers';
import type { SitesPage } from '../../src/routes/sites/sites-page';
import { pageview } from '../support/ingest-records';
import { clearOfHourEdge } from '../support/wall-clock';
import { indexed, postLogin, sendThroughIngest, startApp } from './harness';

let app: RunningApp;

async function signIn(name = app.adminName, password = ADMIN_PASSWORD): Promise<string> {
	const login = await postLogin(app.url, name, password);
	return login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
}

/** The sites page's own data, as its load answers it for `query` (`?after=demo`, say). */
async function pageData(cookie: string, query = ''): Promise<SitesPage & { numbers: SitesToday }> {
	const res = await fetch(`${app.url}/sites/__data.json${query}`, { headers: { cookie } });
	expect(res.status).toBe(200);
	const body = (await res.json()) as { nodes: ({ data: unknown[] } | null)[] };
	return unflatten(body.nodes.at(-1)!.data) as SitesPage & { numbers: SitesToday };
}

beforeAll(async () => {
	// The ingest reads the site list on every request: sites made here take records at once.
	app = await startApp({ env: { COUCHSTATS_INGEST_SITES_TTL_MS: '0' } });
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

test('answers the signed-in owner the sites page’s list and deletions, and nobody else', async () => {
	const anonymous = await fetch(`${app.url}/sites/progress.json`, { redirect: 'manual' });
	expect([anonymous.status, await anonymous.json()]).toEqual([
		401,
		{ error: 'unauthorized', message: 'log in' }
	]);

	const cookie = await signIn();
	const res = await fetch(`${app.url}/sites/progress.json?deleted=gone`, { headers: { cookie } });
	expect(res.status).toBe(200);
	expect(res.headers.get('cache-control')).toBe('private, no-store');
	const body = await res.json();
	expect(body.sites.map((s: { id: string }) => s.id)).toEqual(['demo']);
	// No deletion runs, and none of "gone" finished in this process.
	expect(body.deleting).toEqual([]);
	expect(body.finished).toBeUndefined();
});

test('shows the owner no hash of a token or of the share link, nor CouchDB’s _id and _rev', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin: User = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const { secret: token } = await addToken(couch, admin, 'demo', 'report');
	const share = await enableShareLink(couch, admin, 'demo');
	const hashes = [hashToken(token), hashToken(share)];
	const cookie = await signIn();

	const json = await fetch(`${app.url}/sites/progress.json`, { headers: { cookie } });
	const body = await json.json();
	expect(Object.keys(body.sites[0]).sort()).toEqual([
		// The addresses its owners left out (their setting, shown to them on its settings page).
		'excludedAddresses',
		'funnels',
		'goals',
		'hostnames',
		'id',
		'invited',
		'name',
		'owners',
		// The site's own retention period (its owners' setting).
		'retention',
		// Who made the share link (an account name, no secret).
		'shareBy',
		'shareSessions',
		'shared',
		'timeZone',
		'tokens',
		// Each host name's Unicode form beside its stored punycode (no secret).
		'unicodeHosts'
	]);
	expect(body.sites[0]).toMatchObject({
		id: 'demo',
		shared: true,
		tokens: [{ id: `tok_${hashes[0].slice(0, 8)}`, label: 'report', createdAt: expect.any(Number) }]
	});
	expect(Object.keys(body.sites[0].tokens[0]).sort()).toEqual(['by', 'createdAt', 'id', 'label']);

	// The page's own data (embedded in its HTML) and the settings page's hold no hash either.
	for (const path of ['/sites', '/sites/demo/settings']) {
		const page = await fetch(`${app.url}${path}`, { headers: { cookie } });
		expect(page.status).toBe(200);
		const html = await page.text();
		for (const hash of hashes) expect(html).not.toContain(hash);
		expect(html).not.toMatch(/shareHash|_rev|"?_id"?:/);
	}
	const text = JSON.stringify(body);
	for (const hash of hashes) expect(text).not.toContain(hash);
});

test('the page reads today’s visitors of the account’s own sites, and of no other site', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin: User = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	for (const id of ['counted', 'not-theirs']) {
		await createSite(couch, admin, { id, name: id, hostnames: ['localhost'], timeZone: 'UTC' });
	}
	await addOwner(couch, admin, 'counted', 'counted-owner', 'counted-owner-password');
	// Now's records, read as today's within the minute: not across midnight.
	const now = await clearOfHourEdge(60_000);
	const visit = (site: string) => pageview(now, { site, tz: 'UTC' });
	const sent = await sendThroughIngest(app.url, [
		visit('counted'),
		visit('counted'),
		visit('not-theirs')
	]);
	expect(sent.status).toBe(201);
	expect((await sent.json()).filter((r: { error?: string }) => r.error)).toEqual([]);
	await indexed(couch);

	const numbers = async (cookie: string) => (await pageData(cookie)).numbers;
	const theirs = await numbers(await signIn('counted-owner', 'counted-owner-password'));
	expect(Object.keys(theirs.today)).toEqual(['counted']);
	const { visitors, hours } = theirs.today.counted;
	const hour = new Date(now).toISOString().slice(0, 13);
	expect([visitors, hours.length]).toEqual([2, 24]);
	expect(hours.filter((h) => h.visitors).map((h) => [h.period, h.visitors])).toEqual([
		[`${hour}:00`, 2]
	]);
	// An admin sees every site, each with its own.
	const all = await numbers(await signIn());
	expect(Object.keys(all.today)).toEqual(['counted', 'demo', 'not-theirs']);
	expect(all.today['not-theirs'].visitors).toBe(1);
});

test('past a page of sites, the page reads those of the page asked for, and only their numbers', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	// 57 more sites than the three above: 60, in pages of 25, 25 and 10.
	const docs = Array.from({ length: 57 }, (_, i) => {
		const id = `many-${String(i + 1).padStart(2, '0')}`;
		const input = { id, name: `Many ${i + 1}`, hostnames: [`${id}.example`], timeZone: 'UTC' };
		return siteRecord(input, [app.adminName], Date.now());
	});
	await couch.sites.bulk({ docs });
	const ids = ['counted', 'demo', ...docs.map((d) => d.id), 'not-theirs'];
	const cookie = await signIn();

	for (const [query, shown, pager] of [
		['', ids.slice(0, 25), { from: 1, to: 25, matching: 60, next: 'many-23' }],
		[
			'?after=many-23',
			ids.slice(25, 50),
			{ from: 26, to: 50, matching: 60, previous: 'many-24', next: 'many-48' }
		],
		['?before=many-24', ids.slice(0, 25), { from: 1, to: 25, matching: 60, next: 'many-23' }],
		// Past the last site: the last page.
		['?after=zz', ids.slice(35), { from: 36, to: 60, matching: 60, previous: 'many-34' }],
		// The search finds "many-…" by its id and "Many …" by its name.
		['?q=MANY&after=many-50', ids.slice(52, 59), { from: 51, to: 57, matching: 57 }]
	] as const) {
		const data = await pageData(cookie, query);
		expect(data.sites.map((s) => s.id)).toEqual(shown);
		expect(Object.keys(data.numbers.today)).toEqual(shown);
		expect(data.pager).toMatchObject({ ...pager, total: 60, searchable: true });
		expect(data.pager.next).toBe('next' in pager ? pager.next : undefined);
		// The progress re-read, with the page's query, answers the same page.
		const progress = await fetch(`${app.url}/sites/progress.json${query}`, { headers: { cookie } });
		expect(((await progress.json()) as SitesPage).sites.map((s) => s.id)).toEqual(shown);
	}

	// The page says where it stands and links the pages beside it, keeping the search.
	const html = await (
		await fetch(`${app.url}/sites?q=many&after=many-25`, { headers: { cookie } })
	).text();
	expect(html).toContain('Sites 26–50 of 57 matching “many” (60 in all)');
	expect(html).toMatch(/<a href="\/sites\?q=many&amp;after=many-50" rel="next"/);
	expect(html).toMatch(/<a href="\/sites\?q=many&amp;before=many-26" rel="prev"/);
	expect(html).toMatch(/<a href="\/sites\?q=many"[^>]*>First</);

	// An account with a handful of sites sees them all, with no search and no pager.
	const owner = await signIn('counted-owner', 'counted-owner-password');
	expect((await pageData(owner)).pager).toEqual({
		q: '',
		from: 1,
		to: 1,
		matching: 1,
		total: 1,
		searchable: false
	});
	const own = await (await fetch(`${app.url}/sites`, { headers: { cookie: owner } })).text();
	expect(own).not.toMatch(/role="search"|Pages of sites|Sites 1–1/);
});
