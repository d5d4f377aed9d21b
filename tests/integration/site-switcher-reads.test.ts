/**
 * What the header's site switcher and the sites list cost and count on the built app:
 * the sites layout reads the first ten of the account's sites, their count and the
 * page's site from the sites database's `listed` view, not every site's document, and
 * that count follows sites added, deleted and given away; the sites list reads its page
 * from the same view and its deletions and invitations from `pending`, and lists what
 * reading every site listed. The app runs against the suite's store through a proxy that
 * counts the bytes the sites database answers.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { unflatten } from 'devalue';
import type { RunningApp } from '../support/app';
import { storeProxy, type StoreProxy } from '../support/store-proxy';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { addOwner, createSite, removeOwner } from '../../src/lib/server/accounts/site-admin';
import { requestSiteDeletion } from '../../src/lib/server/accounts/site-delete';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { readSitesList } from '../../src/lib/server/accounts/listed-sites';
import type { SitesPage } from '../../src/routes/sites/sites-page';
import { readSitesQuery } from '../../src/lib/sites-list';
import type { ShellHeader, SwitcherSites } from '../../src/lib/shell';
import { freshPrefix, sessionCookie, startApp, testAccount, TEST_ADMIN_PASSWORD } from './harness';

const store = new URL(inject('couchUrl'));
const prefix = freshPrefix();
const adminName = testAccount('switcher-admin');
const ownerName = testAccount('switcher-owner');
let proxy: StoreProxy;
let app: RunningApp;
let couch: Couch;
let admin = '';
let owner = '';
/** Bytes the sites database answered since the last {@link sitesBytes}. */
let answered = 0;

const adminUser: User = { name: adminName, roles: ['couchstats:admin'], isAdmin: true };
const ownerUser: User = { name: ownerName, roles: [], isAdmin: false };
/** The owner's sites besides `sw-home`: `sw-01` … `sw-39`. */
const ids = Array.from({ length: 39 }, (_, i) => `sw-${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
	proxy = await storeProxy(store, (req, res) => {
		if (!req.url?.startsWith(`/${prefix}-sites`)) return false;
		// Counted as sent, not compressed.
		delete req.headers['accept-encoding'];
		const write = res.write.bind(res) as (chunk: Buffer, ...rest: unknown[]) => boolean;
		res.write = ((chunk: Buffer, ...rest: unknown[]) => {
			answered += chunk.length;
			return write(chunk, ...rest);
		}) as typeof res.write;
		return false;
	});
	app = await startApp({
		env: {
			COUCHDB_URL: proxy.url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: adminName,
			COUCHSTATS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD
		}
	});
	couch = createCouch(store, prefix);
	await createSite(couch, adminUser, {
		id: 'sw-home',
		name: 'Home',
		hostnames: ['home.example'],
		timeZone: 'UTC'
	});
	await addOwner(couch, adminUser, 'sw-home', ownerName, 'owner-password');
	const mine = ids.map((id, i) =>
		siteRecord(
			{ id, name: `Site ${i + 1}`, hostnames: [`${id}.example`], timeZone: 'UTC' },
			[ownerName],
			Date.now()
		)
	);
	// Five sites of another account, sorting among the owner's.
	const others = [0, 1, 2, 3, 4].map((i) =>
		siteRecord(
			{ id: `sw-0${i}x`, name: `Other ${i}`, hostnames: [], timeZone: 'UTC' },
			[testAccount('switcher-other')],
			Date.now()
		)
	);
	await couch.sites.bulk({ docs: [...mine, ...others] });
	admin = await sessionCookie(app.url, adminName, TEST_ADMIN_PASSWORD);
	owner = await sessionCookie(app.url, ownerName, 'owner-password');
});
afterAll(async () => {
	await app?.stop();
	await proxy?.close();
});

/** The sites layout's data on the page at `path` (its node alone, as the bench asks). */
async function shellOf(path: string, cookie: string) {
	const res = await fetch(`${app.url}${path}/__data.json?x-sveltekit-invalidated=01`, {
		headers: { cookie }
	});
	expect(res.status).toBe(200);
	const body = (await res.json()) as { nodes: ({ data: unknown[] } | null)[] };
	return (unflatten(body.nodes[1]!.data) as { shell: Extract<ShellHeader, { kind: 'app' }> }).shell;
}

/** The first sites' ids and the count the switcher shows on `path`. */
async function switcherOf(path: string, cookie: string) {
	const { switcher } = await shellOf(path, cookie);
	return { ids: switcher!.sites.map((site) => site.id), total: switcher!.pager.total };
}

test('an owner’s page carries exactly their first ten sites by id, their count and its own site', async () => {
	const shell = await shellOf('/sites/sw-33', owner);
	expect(shell).toEqual({
		account: ownerName,
		switcher: {
			sites: ids.slice(0, 10).map((id, i) => ({ id, name: `Site ${i + 1}` })),
			pager: {
				q: '',
				from: 1,
				to: 10,
				matching: 40,
				total: 40,
				searchable: true,
				next: 'sw-10'
			}
		},
		site: { id: 'sw-33', name: 'Site 33' }
	});
	// The admin's: every site (the demo site, the owner's 40, the other account's 5).
	const all = await shellOf('/sites/sw-03x', admin);
	expect(all.switcher!.sites.map((site) => site.id)).toEqual([
		'demo',
		'sw-00x',
		'sw-01',
		'sw-01x',
		'sw-02',
		'sw-02x',
		'sw-03',
		'sw-03x',
		'sw-04',
		'sw-04x'
	]);
	expect(all.switcher!.pager).toMatchObject({ matching: 46, total: 46 });
	expect(all.site).toEqual({ id: 'sw-03x', name: 'Other 3' });
});

test('the sites layout reads no site document: the sites database answers it a few rows', async () => {
	await shellOf('/sites/sw-33', admin);
	answered = 0;
	const shell = await shellOf('/sites/sw-33', admin);
	expect(shell.switcher!.pager.total).toBe(46);
	// Reading the 46 sites' documents answered 14.7 KB (the version before the view).
	expect(answered).toBeGreaterThan(0);
	expect(answered).toBeLessThan(2_000);
});

test('the count and the first ten follow a site added, one deleted and one given away', async () => {
	await createSite(couch, ownerUser, {
		id: 'sw-00',
		name: 'New first',
		hostnames: [],
		timeZone: 'UTC'
	});
	expect(await switcherOf('/sites', owner)).toEqual({
		ids: ['sw-00', ...ids.slice(0, 9)],
		total: 41
	});
	expect((await switcherOf('/sites', admin)).total).toBe(47);

	await requestSiteDeletion(couch, ownerUser, 'sw-01', 'sw-01');
	expect(await switcherOf('/sites', owner)).toEqual({
		ids: ['sw-00', ...ids.slice(1, 10)],
		total: 40
	});
	expect((await switcherOf('/sites', admin)).total).toBe(46);
	// Its record gone too (the deletion's last step) changes nothing more.
	const deleting = await couch.sites.get('site:sw-01');
	await couch.sites.destroy(deleting._id, deleting._rev);
	expect((await switcherOf('/sites', owner)).total).toBe(40);
	expect((await switcherOf('/sites', admin)).total).toBe(46);

	// Owned by the admin alone now, and an invitation is no site of the owner's yet.
	await removeOwner(couch, adminUser, 'sw-02', ownerName);
	await couch.sites.insert({
		...siteRecord({ id: 'sw-000', name: 'Ask', hostnames: [], timeZone: 'UTC' }, [adminName], 1),
		invited: [ownerName]
	});
	expect(await switcherOf('/sites/sw-03', owner)).toEqual({
		ids: ['sw-00', ...ids.slice(2, 11)],
		total: 39
	});
	expect((await shellOf('/sites/sw-02', owner)).site).toBeUndefined();
	expect((await switcherOf('/sites', admin)).total).toBe(47);
});

/**
 * Runs `work` while the live design document is a version's without the `listed` and
 * `pending` views (a staged upgrade), then puts it back.
 */
async function withoutViews(work: () => Promise<void>): Promise<void> {
	const design = await couch.sites.get('_design/stats');
	const { listed, pending, ...views } = (design as unknown as { views: Record<string, unknown> })
		.views;
	expect([listed, pending]).not.toContain(undefined);
	const previous = await couch.sites.insert({ ...design, views } as never);
	try {
		await work();
	} finally {
		await couch.sites.insert({ ...design, _rev: previous.rev } as never);
	}
}

test('while the live design document is a version’s without the view, the layout reads every site', async () => {
	const before = await shellOf('/sites/sw-33', owner);
	await withoutViews(async () => {
		answered = 0;
		expect(await shellOf('/sites/sw-33', owner)).toEqual(before);
		// The owner's 40 sites' documents: 11.6 KB.
		expect(answered).toBeGreaterThan(8_000);
	});
	expect(await shellOf('/sites/sw-33', owner)).toEqual(before);
});

/** The sites page's list for `query`, as its progress re-read answers it (no layout). */
async function listOf(query: string, cookie: string): Promise<SitesPage> {
	const res = await fetch(`${app.url}/sites/progress.json${query}`, { headers: { cookie } });
	expect(res.status).toBe(200);
	return (await res.json()) as SitesPage;
}

test('the sites list reads its page’s sites only: a page of ten answers less than a third of every site', async () => {
	const page = `?after=${ids[29]}`;
	await listOf(page, owner);
	answered = 0;
	const shown = await listOf(page, owner);
	expect(shown.sites.map((site) => site.id)).toEqual([...ids.slice(30), 'sw-home']);
	const read = answered;
	await withoutViews(async () => {
		answered = 0;
		expect(await listOf(page, owner)).toEqual(shown);
		expect(read).toBeLessThan(answered / 3);
	});
});

test('Last lands on the last page, read from the end of the view, and Previous from there on the page before', async () => {
	// The owner's 39 sites now: sw-00, sw-03 … sw-39 and sw-home.
	const first = await listOf('', owner);
	expect(first.pager).toMatchObject({ from: 1, to: 25, total: 39, next: 'sw-26' });
	const last = await listOf('?last', owner);
	expect(last.sites.map((site) => site.id)).toEqual([...ids.slice(15), 'sw-home']);
	expect(last.pager).toEqual({
		q: '',
		last: true,
		from: 15,
		to: 39,
		matching: 39,
		total: 39,
		searchable: true,
		previous: 'sw-16'
	});
	// Less than a page before it: the first page, as Previous always gives it.
	const previous = await listOf(`?before=${last.pager.previous}`, owner);
	expect(previous.sites.map((site) => site.id)).toEqual(first.sites.map((site) => site.id));
	expect(previous.pager).toEqual({ ...first.pager, before: 'sw-16' });
	// A search's last page, and one for an account whose sites fit a page.
	const found = await listOf('?q=site 3&last', owner);
	expect(found.sites.map((site) => site.id)).toEqual(ids.slice(29, 39).concat(ids[2]).sort());
	expect(found.pager).toMatchObject({ from: 1, to: 11, matching: 11, last: true });
	expect(found.pager).not.toHaveProperty('previous');
	expect(found.pager).not.toHaveProperty('next');

	// 30 sites more of another account's, after every other: the admin's 77, whose last
	// page has whole pages before it.
	const many = Array.from({ length: 30 }, (_, i) =>
		siteRecord(
			{
				id: `sw-m${String(i + 1).padStart(2, '0')}`,
				name: `Many ${i + 1}`,
				hostnames: [],
				timeZone: 'UTC'
			},
			[testAccount('switcher-many')],
			Date.now()
		)
	);
	await couch.sites.bulk({ docs: many });
	const idsOf = (page: SitesPage) => page.sites.map((site) => site.id);
	const end = await listOf('?last', admin);
	expect(end.pager).toMatchObject({ from: 53, to: 77, total: 77, previous: end.sites[0].id });
	expect(idsOf(end).slice(-15)).toEqual(many.slice(15).map((site) => site.id));
	const before = await listOf(`?before=${end.pager.previous}`, admin);
	expect(before.pager).toMatchObject({ from: 28, to: 52, next: before.sites.at(-1)!.id });
	// Next from there is the last page again: no site left out or shown twice.
	expect(idsOf(await listOf(`?after=${before.pager.next}`, admin))).toEqual(idsOf(end));

	// What reading every site gives, from its documents only.
	answered = 0;
	await listOf('?last', owner);
	const read = answered;
	await withoutViews(async () => {
		answered = 0;
		expect(await listOf('?last', owner)).toEqual(last);
		expect(read).toBeLessThan(answered);
		for (const query of ['?last', `?before=${end.pager.previous}`])
			expect(await listOf(query, admin)).toEqual(query === '?last' ? end : before);
	});
});

test('the sites list pages, counts, deletes and invites as reading every site did, for an owner, an invited account and an admin', async () => {
	// One site being deleted, and one invitation.
	await requestSiteDeletion(couch, ownerUser, 'sw-05', 'sw-05');
	const invited: User = { name: testAccount('switcher-invited'), roles: [], isAdmin: false };
	await couch.sites.insert({
		...siteRecord({ id: 'sw-0000', name: 'Ask', hostnames: [], timeZone: 'UTC' }, [adminName], 1),
		invited: [invited.name, ownerName]
	});
	const queries = [
		...['', 'after=sw-0000', 'after=sw-24', 'before=sw-26', 'before=sw-03x', 'after=zz'],
		// Searches: by id, name, host name, a word's start, any case, and a page of one.
		...['q=sw-1', 'q=SITE 3', 'q=site', 'q=.example', 'q=example', 'q=ask', 'q=ome', 'q=other'],
		...['q=sw&after=sw-10', 'q=sw&before=sw-30', 'q=é'],
		// The last page, of the list and of a search.
		...['last', 'q=sw&last', 'q=site 1&last', 'q=é&last']
	];
	const read = (user: User) =>
		Promise.all(
			queries.map((query) => readSitesList(couch, user, readSitesQuery(new URLSearchParams(query))))
		);
	const users = [ownerUser, invited, adminUser];
	const viewed = await Promise.all(users.map(read));
	// The owner's and the admin's deletions, the invited account's list: its invitation only.
	expect(viewed[0][0].deleting).toEqual([{ id: 'sw-05', name: 'Site 5' }]);
	expect(viewed[0][0].invitations).toEqual([
		{ id: 'sw-000', owners: [adminName] },
		{ id: 'sw-0000', owners: [adminName] }
	]);
	expect(viewed[1][0]).toMatchObject({ sites: [], deleting: [], pager: { total: 0 } });
	expect(viewed[1][0].invitations).toEqual([{ id: 'sw-0000', owners: [adminName] }]);
	expect(viewed[2][0].deleting.map((site) => site.id)).toContain('sw-05');
	// Walking the owner's pages by Next lists each site once, in order.
	const walked = [];
	for (let q = ''; ;) {
		const list = await readSitesList(couch, ownerUser, readSitesQuery(new URLSearchParams(q)));
		walked.push(...list.sites.map((site) => site.id));
		if (list.pager.next === undefined) break;
		q = `after=${list.pager.next}`;
	}
	expect(walked).toEqual([...new Set(walked)].sort());
	expect(walked).toHaveLength(viewed[0][0].pager.total);
	await withoutViews(async () => {
		expect(await Promise.all(users.map(read))).toEqual(viewed);
	});
});

test('the switcher’s search reads the rows of the sites it finds, no site document, and finds what reading every site found', async () => {
	const search = async (q: string, cookie: string) => {
		const res = await fetch(`${app.url}/sites/switcher.json?q=${encodeURIComponent(q)}`, {
			headers: { cookie }
		});
		expect(res.status).toBe(200);
		return (await res.json()) as SwitcherSites;
	};
	const qs = ['site 3', 'SW-2', 'home.example', 'example', 'xample', 'other'];
	const found: SwitcherSites[] = [];
	answered = 0;
	for (const q of qs) found.push(await search(q, owner), await search(q, admin));
	const read = answered;
	expect(found[0].pager).toMatchObject({ matching: 11, from: 1, to: 10 });
	expect(found[1].sites.map((site) => site.id)).toEqual(['sw-03', ...ids.slice(29, 38)]);
	expect(found[8]).toMatchObject({ sites: [], pager: { matching: 0 } });
	await withoutViews(async () => {
		answered = 0;
		const every = [];
		for (const q of qs) every.push(await search(q, owner), await search(q, admin));
		expect(every).toEqual(found);
		expect(read).toBeLessThan(answered / 3);
	});
});
