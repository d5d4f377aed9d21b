/**
 * The header's site switcher on the built app, for an account with 60 sites: every
 * owner's page carries the first ten sites, their count and the page's site, not all 60;
 * its search (`/sites/switcher.json`) answers the signed-in account's own sites only.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { unflatten } from 'devalue';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch } from '../../src/lib/server/couch';
import { addOwner, createSite } from '../../src/lib/server/accounts/site-admin';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import type { ShellHeader } from '../../src/lib/shell';
import { sessionCookie, startApp } from './harness';

let app: RunningApp;
let admin = '';
let other = '';

/** `site-01` … `site-60`, named `Site 1` …, each on its own host name. */
const ids = Array.from({ length: 60 }, (_, i) => `site-${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
	app = await startApp();
	const couch = createCouch(app.couchUrl!, app.prefix);
	const docs = ids.map((id, i) =>
		siteRecord(
			{ id, name: `Site ${i + 1}`, hostnames: [`${id}.example`], timeZone: 'UTC' },
			[app.adminName],
			Date.now()
		)
	);
	await couch.sites.bulk({ docs });
	// Another account, owning one site of its own and none of the 60.
	const user: User = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	await createSite(couch, user, {
		id: 'travel-blog',
		name: 'Olga’s travels',
		hostnames: ['olga.example'],
		timeZone: 'UTC'
	});
	await addOwner(couch, user, 'travel-blog', 'olga', 'olga-password');
	admin = await sessionCookie(app.url, app.adminName, ADMIN_PASSWORD);
	other = await sessionCookie(app.url, 'olga', 'olga-password');
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

/** The sites layout's data on the page at `path`, as the page's load answers it. */
async function shellOf(path: string, cookie: string) {
	const res = await fetch(`${app.url}${path}/__data.json`, { headers: { cookie } });
	expect(res.status).toBe(200);
	const body = (await res.json()) as { nodes: ({ data: unknown[] } | null)[] };
	// Nodes: the root layout, the sites layout, …
	return (unflatten(body.nodes[1]!.data) as { shell: Extract<ShellHeader, { kind: 'app' }> }).shell;
}

test('a site’s dashboard carries the first ten sites, their count and its own site, not all 60', async () => {
	const shell = await shellOf('/sites/site-45', admin);
	// The admin sees every site, by id: the demo site, the 60 and the other account's.
	expect(shell.switcher!.sites).toEqual([
		{ id: 'demo', name: 'couchstats demo' },
		...ids.slice(0, 9).map((id, i) => ({ id, name: `Site ${i + 1}` }))
	]);
	expect(shell.switcher!.pager).toMatchObject({ q: '', matching: 62, total: 62, searchable: true });
	expect(shell.site).toEqual({ id: 'site-45', name: 'Site 45' });
	expect(Object.keys(shell).sort()).toEqual(['account', 'site', 'switcher']);

	// The page itself names no other site past the first ten.
	const html = await (
		await fetch(`${app.url}/sites/site-45`, { headers: { cookie: admin } })
	).text();
	expect(html).toContain('site-09');
	for (const id of ids.slice(9).filter((id) => id !== 'site-45')) expect(html).not.toContain(id);
});

test('the sites list carries the same without a page’s site, and another account’s pages its own sites only', async () => {
	const list = await shellOf('/sites', admin);
	expect(list.switcher!.sites).toHaveLength(10);
	expect(list.site).toBeUndefined();
	// Another account's page of a site it may not see names no site of the admin's.
	const res = await fetch(`${app.url}/sites/site-45`, { headers: { cookie: other } });
	expect(res.status).toBe(403);
	expect(await res.text()).not.toContain('Site 45');
	expect((await shellOf('/sites/travel-blog/settings', other)).switcher!.sites).toEqual([
		{ id: 'travel-blog', name: 'Olga’s travels' }
	]);
});

test('the switcher’s search answers the first ten of the account’s sites matching, and their count', async () => {
	const res = await fetch(`${app.url}/sites/switcher.json?q=+SITE-0+`, {
		headers: { cookie: admin }
	});
	expect(res.status).toBe(200);
	expect(res.headers.get('cache-control')).toBe('private, no-store');
	const body = await res.json();
	expect(body.sites.map((site: { id: string }) => site.id)).toEqual(ids.slice(0, 9));
	expect(body.pager).toMatchObject({ q: 'SITE-0', matching: 9, total: 62 });
	// By a host name.
	const byHost = await fetch(`${app.url}/sites/switcher.json?q=site-33.example`, {
		headers: { cookie: admin }
	});
	expect((await byHost.json()).sites).toEqual([{ id: 'site-33', name: 'Site 33' }]);
});

test('the switcher’s search answers another account its own sites only, and nobody signed out', async () => {
	for (const q of ['site', 'Site 45', 'site-45.example', '']) {
		const res = await fetch(`${app.url}/sites/switcher.json?q=${encodeURIComponent(q)}`, {
			headers: { cookie: other }
		});
		expect(res.status).toBe(200);
		const body = await res.json();
		expect(body.sites).toEqual(q ? [] : [{ id: 'travel-blog', name: 'Olga’s travels' }]);
		expect(body.pager).toMatchObject({ matching: q ? 0 : 1, total: 1 });
	}
	for (const cookie of [undefined, 'couchstats_session=forged']) {
		const res = await fetch(`${app.url}/sites/switcher.json?q=site`, {
			headers: cookie ? { cookie } : {},
			redirect: 'manual'
		});
		expect([res.status, await res.json()]).toEqual([
			401,
			{ error: 'unauthorized', message: 'log in' }
		]);
	}
});
