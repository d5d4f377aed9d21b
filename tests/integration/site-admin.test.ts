import { describe, expect, test, vi } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { login, sessionFor } from '../../src/lib/server/accounts/auth';
import { ensureSetup } from '../../src/lib/server/boot/setup';
import { CouchstatsError, FieldError } from '../../src/lib/server/errors';
import {
	acceptInvitation,
	addOwner,
	addToken,
	createSite,
	declineInvitation,
	disableShareLink,
	enableShareLink,
	findSite,
	findSiteByShareLink,
	listInvitations,
	listSites,
	MAX_INVITATIONS,
	MAX_INVITATIONS_FROM,
	MAX_INVITED,
	MAX_OWNED,
	loadManagedSite,
	parseSiteForm,
	removeOwner,
	revokeToken,
	setExcludedAddresses,
	siteForOwner,
	updateSite
} from '../../src/lib/server/accounts/site-admin';
import { parseExcludedAddresses } from '../../src/lib/server/accounts/excluded-addresses';
import { authorizeSite, type Credentials } from '../../src/lib/server/stats/authorize';
import { findToken } from '../../src/lib/server/accounts/tokens';
import { requestSiteDeletion, startSiteDeletion } from '../../src/lib/server/accounts/site-delete';
import { refusedOrigins } from '../../src/lib/server/ingest/refused-origins';
import { createCouch, setCouch, type Couch } from '../../src/lib/server/couch';
import {
	createIngest,
	UNAVAILABLE_RETRY_S,
	type Ingest
} from '../../src/lib/server/ingest/handler';
import { startSiteCache } from '../../src/lib/server/ingest/site-cache';
import { pageview } from '../support/ingest-records';
import { freePort, ingestConfig, testAccount, useCouch } from './harness';

/** The ingest with the app's own site cache, its TTL far longer than a test. */
function appIngest(couch: Couch) {
	return createIngest({
		couch: () => couch,
		config: ingestConfig({ burst: 1000, perSecond: 1 }),
		sites: startSiteCache(3_600_000)
	});
}

/** Posts `docs` to `_bulk_docs` from `clientAddress`, from a page at `origin` if given. */
function postRecords(ingest: Ingest, clientAddress: string, docs: object[], origin?: string) {
	return ingest.handle({
		path: '_bulk_docs',
		clientAddress,
		request: new Request('http://app.test/api/ingest/_bulk_docs', {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
			body: JSON.stringify({ docs, new_edits: false })
		})
	});
}

const admin: User = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };
const alice: User = { name: 'alice', roles: [], isAdmin: false };
const bob: User = { name: 'bob', roles: [], isAdmin: false };

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
}

/**
 * A new account of this run's own (`_users` outlives the test database), which an admin
 * makes an owner of `site`.
 */
async function accountOwning(couch: Couch, name: string, site: string): Promise<User> {
	const account = testAccount(name);
	await addOwner(couch, admin, site, account, 'a-long-password-1');
	return { name: account, roles: [], isAdmin: false };
}

const blog = {
	id: 'alice-blog',
	name: 'Alice’s blog',
	hostnames: 'alice.example www.alice.example',
	timeZone: 'Europe/Paris'
};

describe('sites and owners', () => {
	test('a site form is parsed, and each bad field is named', () => {
		expect(parseSiteForm(form(blog))).toEqual({
			id: 'alice-blog',
			name: 'Alice’s blog',
			hostnames: ['alice.example', 'www.alice.example'],
			timeZone: 'Europe/Paris'
		});
		expect(() => parseSiteForm(form({ ...blog, id: 'Bad Id' }))).toThrow(/^id must be/);
		expect(() => parseSiteForm(form({ ...blog, timeZone: 'Mars/Olympus' }))).toThrow(
			/^timeZone must be an IANA time zone/
		);
		expect(() => parseSiteForm(form({ ...blog, hostnames: 'not a/host' }))).toThrow(/^hostnames/);
	});

	test('owners see only their sites, admins see all, and ids are unique', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		await createSite(couch, bob, parseSiteForm(form({ ...blog, id: 'bob-shop', name: 'Bob' })));
		expect((await listSites(couch, alice)).map((s) => s.id)).toEqual(['alice-blog']);
		expect((await listSites(couch, bob)).map((s) => s.id)).toEqual(['bob-shop']);
		expect((await listSites(couch, admin)).map((s) => s.id)).toEqual([
			'alice-blog',
			'bob-shop',
			'demo'
		]);
		await expect(loadManagedSite(couch, bob, 'alice-blog')).rejects.toMatchObject({ status: 404 });
		await expect(createSite(couch, bob, parseSiteForm(form(blog)))).rejects.toMatchObject({
			status: 409,
			message: 'a site with id "alice-blog" already exists'
		});
	});

	test('an owner edits a site and adds an existing account; only an admin creates accounts', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const edited = await updateSite(couch, alice, 'alice-blog', {
			...parseSiteForm(form(blog)),
			name: 'Renamed'
		});
		expect(edited.name).toBe('Renamed');

		// _users outlives the test database: a name of this run's own.
		const carol = testAccount('carol');
		await expect(addOwner(couch, admin, 'alice-blog', carol)).rejects.toThrow(
			`there is no account "${carol}"`
		);
		await addOwner(couch, admin, 'alice-blog', carol, 'a-long-password-1');
		const { site, message } = await addOwner(couch, admin, 'alice-blog', carol);
		expect(site.owners).toEqual(['alice', carol]);
		expect(message).toBe(`Added owner ${carol}.`);
		const carolUser: User = { name: carol, roles: [], isAdmin: false };
		expect((await listSites(couch, carolUser)).map((s) => s.id)).toEqual(['alice-blog']);
		const removed = await removeOwner(couch, alice, 'alice-blog', carol);
		expect(removed.site.owners).toEqual(['alice']);
		expect(removed.message).toBe(`Removed owner ${carol}.`);
		expect(await listSites(couch, carolUser)).toEqual([]);
		await expect(removeOwner(couch, alice, 'alice-blog', 'alice')).rejects.toThrow(
			'a site needs at least one owner'
		);
	});

	test('an owner invites an account, which becomes an owner only once it accepts; the answer is the same for a name without an account', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const erinUser = await accountOwning(couch, 'erin', 'demo');
		const erin = erinUser.name;
		const nobody = testAccount('nobody');
		const answers = [];
		for (const name of [erin, nobody]) {
			const { site, message } = await addOwner(couch, alice, 'alice-blog', name);
			expect(site.owners).toEqual(['alice']);
			answers.push(message.replace(name, 'NAME'));
		}
		expect(answers[0]).toBe(answers[1]);
		expect(answers[0]).toMatch(/^Invited NAME\. The account becomes an owner once it accepts/);
		await expect(
			addOwner(couch, alice, 'alice-blog', erin, 'a-long-password-1')
		).rejects.toMatchObject({ status: 400, field: 'password' });

		// Invited is not owner: erin cannot see the site until she accepts.
		expect((await listSites(couch, erinUser)).map((s) => s.id)).toEqual(['demo']);
		await expect(loadManagedSite(couch, erinUser, 'alice-blog')).rejects.toMatchObject({
			status: 404
		});
		expect(await listInvitations(couch, erinUser)).toEqual([
			{ id: 'alice-blog', owners: ['alice'] }
		]);
		expect((await loadManagedSite(couch, alice, 'alice-blog')).invited).toEqual([erin, nobody]);
		// Nobody else can accept or decline it.
		await expect(acceptInvitation(couch, bob, 'alice-blog')).rejects.toMatchObject({
			status: 404,
			message: 'no invitation to site "alice-blog"'
		});

		const accepted = await acceptInvitation(couch, erinUser, 'alice-blog');
		expect(accepted.owners).toEqual(['alice', erin]);
		expect(accepted.invited).toEqual([nobody]);
		expect((await listSites(couch, erinUser)).map((s) => s.id)).toEqual(['alice-blog', 'demo']);
		expect(await listInvitations(couch, erinUser)).toEqual([]);
		expect((await addOwner(couch, alice, 'alice-blog', erin)).message).toBe(
			`${erin} is an owner already.`
		);

		// An owner cancels an invitation; an invited account declines one.
		const cancelled = await removeOwner(couch, alice, 'alice-blog', nobody);
		expect(cancelled.message).toBe(`Cancelled the invitation of ${nobody}.`);
		expect(cancelled.site.invited).toBeUndefined();
		await addOwner(couch, erinUser, 'alice-blog', 'frank-' + erin.slice(-6));
		const frank: User = { name: 'frank-' + erin.slice(-6), roles: [], isAdmin: false };
		expect((await declineInvitation(couch, frank, 'alice-blog')).invited).toBeUndefined();
		await expect(acceptInvitation(couch, frank, 'alice-blog')).rejects.toMatchObject({
			status: 404
		});
	});

	test('a site holds at most MAX_INVITED invitations', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		for (let i = 0; i < MAX_INVITED; i++) await addOwner(couch, alice, 'alice-blog', `guest-${i}`);
		await expect(addOwner(couch, alice, 'alice-blog', 'one-more')).rejects.toMatchObject({
			status: 400,
			field: 'name',
			message: `a site has at most ${MAX_INVITED} invitations waiting; cancel one first`
		});
	});

	test('an account that is no admin owns at most MAX_OWNED sites, and a name has at most MAX_INVITATIONS invitations waiting, MAX_INVITATIONS_FROM from one account', async () => {
		// An outside probe: one account created 1,000 sites, another was invited 1,000 times.
		const { couch } = await useCouch();
		const carol: User = { name: 'carol', roles: [], isAdmin: false };
		const dave: User = { name: 'dave', roles: [], isAdmin: false };
		const site = (i: number) => parseSiteForm(form({ ...blog, id: `alice-${i}` }));
		for (let i = 0; i < MAX_OWNED; i++) await createSite(couch, alice, site(i));
		await expect(createSite(couch, alice, site(MAX_OWNED))).rejects.toMatchObject({
			status: 400,
			field: 'id',
			message: `an account owns at most ${MAX_OWNED} sites; delete one first, or ask an admin to create the site`
		});
		// An admin is not bound, and may create the site for her.
		await createSite(couch, admin, site(MAX_OWNED));
		await createSite(couch, bob, parseSiteForm(form({ ...blog, id: 'bobs' })));
		// The same answer for a name with an account or without one.
		for (const name of ['carol', 'nobody-' + Date.now()]) {
			for (let i = 0; i < MAX_INVITATIONS_FROM; i++) {
				await addOwner(couch, alice, `alice-${i}`, name);
			}
			const next = `alice-${MAX_INVITATIONS_FROM}`;
			await expect(addOwner(couch, alice, next, name)).rejects.toMatchObject({
				status: 400,
				field: 'name',
				message: `your sites have ${MAX_INVITATIONS_FROM} invitations of ${name} waiting, the most one account's may; cancel one first`
			});
			// Inviting again where it waits is no new invitation.
			await expect(addOwner(couch, alice, 'alice-0', name)).resolves.toBeTruthy();
			// Another account may still invite the name (an outside probe: it could not).
			await expect(addOwner(couch, bob, 'bobs', name)).resolves.toBeTruthy();
		}
		await declineInvitation(couch, carol, 'alice-0');
		const next = `alice-${MAX_INVITATIONS_FROM}`;
		await expect(addOwner(couch, alice, next, 'carol')).resolves.toBeTruthy();

		// A name's limit, whoever invites: sites of others inviting dave fill it.
		const template = await loadManagedSite(couch, admin, `alice-${MAX_OWNED}`);
		const others = MAX_INVITATIONS - 1;
		await couch.sites.bulk({
			docs: Array.from({ length: others }, (_, i) => {
				const { _rev, ...doc } = { ...template, id: `other-${i}`, _id: `site:other-${i}` };
				void _rev;
				return { ...doc, owners: ['admin'], invited: ['dave'] };
			})
		});
		await addOwner(couch, alice, 'alice-0', 'dave');
		await expect(addOwner(couch, alice, 'alice-1', 'dave')).rejects.toMatchObject({
			status: 400,
			field: 'name',
			message: `dave has ${MAX_INVITATIONS} invitations waiting, the most a name may; they can accept or decline some first`
		});
		// Its sites list shows every one of them.
		expect(await listInvitations(couch, dave)).toHaveLength(MAX_INVITATIONS);
	});

	test('invitations take no account past MAX_OWNED sites; an admin adding it still may', async () => {
		// An outside probe: an account that owned 51 sites accepted invitations up to 54.
		const { couch } = await useCouch();
		await createSite(couch, admin, parseSiteForm(form({ ...blog, id: 'many-0' })));
		const many = await accountOwning(couch, 'many', 'many-0');
		const site = (i: number) => parseSiteForm(form({ ...blog, id: `many-${i}` }));
		for (let i = 1; i < MAX_OWNED; i++) await createSite(couch, many, site(i));
		await createSite(couch, bob, parseSiteForm(form({ ...blog, id: 'bobs' })));
		await addOwner(couch, bob, 'bobs', many.name);
		await expect(acceptInvitation(couch, many, 'bobs')).rejects.toMatchObject({
			status: 400,
			message: `an account owns at most ${MAX_OWNED} sites; delete one first, or ask an admin to add you to "bobs"`
		});
		expect((await findSite(couch, 'bobs'))?.owners).toEqual(['bob']);
		expect((await listInvitations(couch, many)).map((i) => i.id)).toEqual(['bobs']);
		// An unknown invitation is still a 404, whatever the count.
		await expect(acceptInvitation(couch, many, 'nowhere')).rejects.toMatchObject({
			status: 404
		});
		await addOwner(couch, admin, 'bobs', many.name);
		expect((await findSite(couch, 'bobs'))?.owners).toEqual(['bob', many.name]);
	});

	test('concurrent site creations and acceptances by an account one short of MAX_OWNED leave it MAX_OWNED sites', async () => {
		// Each checked the count and then saved: at MAX_OWNED - 1, all of them passed.
		const { couch } = await useCouch();
		const eve: User = { name: 'eve', roles: [], isAdmin: false };
		const site = (id: string) => parseSiteForm(form({ ...blog, id }));
		for (let i = 1; i < MAX_OWNED; i++) await createSite(couch, eve, site(`eve-${i}`));
		for (const id of ['bobs-1', 'bobs-2']) {
			await createSite(couch, bob, site(id));
			await addOwner(couch, bob, id, eve.name);
		}
		// A creation refused for its id leaves no claim taking a place.
		await createSite(couch, bob, site('bobs-3'));
		await expect(createSite(couch, eve, site('bobs-3'))).rejects.toMatchObject({ status: 409 });
		const results = await Promise.allSettled([
			...['eve-a', 'eve-b', 'eve-c', 'eve-d'].map((id) => createSite(couch, eve, site(id))),
			acceptInvitation(couch, eve, 'bobs-1'),
			acceptInvitation(couch, eve, 'bobs-2')
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		for (const r of results) {
			if (r.status === 'rejected') {
				expect(r.reason).toMatchObject({ status: 400 });
				expect(String(r.reason.message)).toMatch(`an account owns at most ${MAX_OWNED} sites`);
			}
		}
		const owned = (await listSites(couch, eve)).filter((s) => s.owners.includes(eve.name));
		expect(owned).toHaveLength(MAX_OWNED);
	});

	test('a site created under the id of a deleted one lists none of its refused origins', async () => {
		// An outside probe: the new site's settings listed the deleted one's refusals.
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const now = Date.now();
		refusedOrigins.note(blog.id, 'https://evil.example', ['r1', 'r2'], now, '192.0.2.1');
		expect(refusedOrigins.list(blog.id, now)).toHaveLength(1);
		await requestSiteDeletion(couch, alice, blog.id, blog.id);
		const progress = await startSiteDeletion(couch, alice, blog.id);
		await vi.waitFor(() => expect(progress.state).toBe('done'), { timeout: 60_000, interval: 50 });
		await createSite(couch, alice, parseSiteForm(form(blog)));
		expect(refusedOrigins.list(blog.id, Date.now())).toEqual([]);
	});

	test("creating a site under an id taken by another keeps that site's refused origins", async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const now = Date.now();
		refusedOrigins.note(blog.id, 'https://evil.example', ['r1'], now, '192.0.2.1');
		await expect(createSite(couch, bob, parseSiteForm(form(blog)))).rejects.toMatchObject({
			status: 409
		});
		expect(refusedOrigins.list(blog.id, now).map((r) => r.origin)).toEqual([
			'https://evil.example'
		]);
	});

	test("an admin adding an existing account with a password is told the password was not changed, and it is not; an owner's password is refused whether the account exists", async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const dave = testAccount('dave');
		await addOwner(couch, admin, 'alice-blog', dave, 'the-first-password');
		const { message } = await addOwner(couch, admin, 'alice-blog', dave, 'another-password-2');
		expect(message).toBe(
			`Added owner ${dave}. ${dave} already has an account; the password was not changed.`
		);
		expect(await login(couch, dave, 'another-password-2')).toBeUndefined();
		for (const name of [dave, testAccount('nobody')]) {
			await expect(
				addOwner(couch, alice, 'alice-blog', name, 'a-third-password-3')
			).rejects.toMatchObject({
				status: 400,
				field: 'password',
				message: 'only an admin may create accounts; leave the password empty to invite an account'
			});
		}
		expect(await login(couch, dave, 'a-third-password-3')).toBeUndefined();
		expect((await login(couch, dave, 'the-first-password'))?.user.name).toBe(dave);
	});

	test("refuses the CouchDB server admin's name as an owner, which could never log in", async () => {
		const { couch, url } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const serverAdmin = decodeURIComponent(url.username);
		for (const password of ['a-long-password-1', undefined]) {
			const error = await addOwner(couch, admin, 'alice-blog', serverAdmin, password).catch(
				(e) => e
			);
			expect(error).toBeInstanceOf(FieldError);
			expect(error).toMatchObject({
				status: 400,
				field: 'name',
				message: `"${serverAdmin}" is the CouchDB server admin's name, which can never log in to couchstats; choose another account name`
			});
		}
		const users = couch.server.use('_users');
		await expect(users.head(`org.couchdb.user:${serverAdmin}`)).rejects.toMatchObject({
			statusCode: 404
		});
		expect((await loadManagedSite(couch, admin, 'alice-blog')).owners).toEqual(['alice']);
	});

	test('API tokens are shown once, stored hashed, and revocable', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const { secret, token } = await addToken(couch, alice, 'alice-blog', 'weekly report');
		const stored = await loadManagedSite(couch, alice, 'alice-blog');
		expect(JSON.stringify(stored)).not.toContain(secret);
		expect(findToken(stored, secret)?.id).toBe(token.id);
		await revokeToken(couch, alice, 'alice-blog', token.id);
		expect(findToken(await loadManagedSite(couch, alice, 'alice-blog'), secret)).toBeUndefined();
		// Not "Token revoked." again, from a stale page or a second owner (an outside probe).
		await expect(revokeToken(couch, alice, 'alice-blog', token.id)).rejects.toMatchObject({
			status: 404,
			message: 'no such token: revoked already?'
		});
		await expect(removeOwner(couch, alice, 'alice-blog', 'nobody')).rejects.toMatchObject({
			status: 404,
			message: 'no such owner or invitation: removed already?'
		});
	});

	test("an API token's label is held to a name's rule: no control or invisible reordering characters", async () => {
		// An outside probe showed a site name with U+202E reads as another to co-owners;
		// a token's label is read by them too.
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		for (const [label, fault] of [
			['CI\u202eevil', 'must not contain invisible characters that change how text shows (U+202E)'],
			['CI\nexport', 'must not contain control characters']
		]) {
			await expect(addToken(couch, alice, 'alice-blog', label)).rejects.toMatchObject({
				status: 400,
				field: 'label',
				message: `the label ${fault}`
			});
		}
		expect((await loadManagedSite(couch, alice, 'alice-blog')).tokens).toEqual([]);
	});

	test('removing an owner revokes the API tokens and the share link they made, and no other', async () => {
		// An outside probe: a removed co-owner's token still downloaded every raw record.
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const carolUser = await accountOwning(couch, 'carol', 'alice-blog');
		const carol = carolUser.name;
		const alices = await addToken(couch, alice, 'alice-blog', 'weekly report');
		const carols = await addToken(couch, carolUser, 'alice-blog', 'backup', { records: true });
		const share = await enableShareLink(couch, carolUser, 'alice-blog');
		const site = await loadManagedSite(couch, alice, 'alice-blog');
		expect(siteForOwner(site).tokens.map((t) => [t.label, t.by])).toEqual([
			['weekly report', 'alice'],
			['backup', carol]
		]);
		expect(siteForOwner(site).shareBy).toBe(carol);
		const reads = (credentials: Partial<Credentials>) =>
			authorizeSite(
				couch,
				'alice-blog',
				{ user: null, authorization: null, ...credentials },
				'records'
			);
		expect((await reads({ authorization: `Bearer ${carols.secret}` })).id).toBe('alice-blog');

		const removed = await removeOwner(couch, alice, 'alice-blog', carol);
		expect(removed.message).toBe(
			`Removed owner ${carol}. Revoked what they made: the API token "backup", the share link.`
		);
		await expect(reads({ authorization: `Bearer ${carols.secret}` })).rejects.toMatchObject({
			status: 403
		});
		expect(await findSiteByShareLink(couch, share)).toBeUndefined();
		const after = await loadManagedSite(couch, alice, 'alice-blog');
		expect(findToken(after, alices.secret)?.id).toBe(alices.token.id);
		expect(siteForOwner(after).shared).toBe(false);
		// A share link alice made stays when another owner goes.
		await addOwner(couch, admin, 'alice-blog', carol);
		const hers = await enableShareLink(couch, alice, 'alice-blog');
		expect((await removeOwner(couch, alice, 'alice-blog', carol)).message).toBe(
			`Removed owner ${carol}.`
		);
		expect((await findSiteByShareLink(couch, hers))?.id).toBe('alice-blog');
	});

	test('a share link opens only its site, and stops working when disabled', async () => {
		const { couch } = await useCouch();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		const secret = await enableShareLink(couch, alice, 'alice-blog');
		expect((await findSiteByShareLink(couch, secret))?.id).toBe('alice-blog');
		const tampered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
		// A wrong secret is one lookup of the share view, not a read of every site.
		const list = vi.spyOn(couch.sites, 'list');
		expect(await findSiteByShareLink(couch, tampered)).toBeUndefined();
		expect(list).not.toHaveBeenCalled();
		list.mockRestore();
		const demos = await enableShareLink(couch, admin, 'demo');
		expect((await findSiteByShareLink(couch, demos))?.id).toBe('demo');
		await disableShareLink(couch, alice, 'alice-blog');
		expect(await findSiteByShareLink(couch, secret)).toBeUndefined();
		await expect(disableShareLink(couch, alice, 'alice-blog')).rejects.toMatchObject({
			status: 404,
			message: 'the share link is off already'
		});
		expect((await findSiteByShareLink(couch, demos))?.id).toBe('demo');
		const replaced = await enableShareLink(couch, admin, 'demo');
		expect(await findSiteByShareLink(couch, demos)).toBeUndefined();
		expect((await findSiteByShareLink(couch, replaced))?.id).toBe('demo');
	});

	test('errors meant for the user are CouchstatsErrors with a status', async () => {
		const { couch } = await useCouch();
		const error = await addOwner(couch, admin, 'demo', 'Bad Name').catch((e) => e);
		expect(error).toBeInstanceOf(CouchstatsError);
		expect(error.status).toBe(400);
	});

	test("the ingest takes a new site's records, and a host name added to a site, at once, not after its cached site list expires", async () => {
		const { couch } = await useCouch();
		setCouch(couch);
		const ingest = appIngest(couch);
		const post = async (site: string, origin?: string) =>
			(await postRecords(ingest, '203.0.113.9', [pageview(Date.now(), { site })], origin)).json();
		// A first post reads (and caches) the site list, before the site exists.
		expect(await post('fresh')).toEqual([
			expect.objectContaining({ error: 'forbidden', reason: 'site "fresh" is not registered' })
		]);
		const fresh = { id: 'fresh', name: 'Fresh', hostnames: ['fresh.example'], timeZone: 'UTC' };
		await createSite(couch, alice, fresh);
		// `new_edits: false` answers only the refused documents.
		expect(await post('fresh', 'https://fresh.example')).toEqual([]);
		expect(await post('fresh', 'https://shop.fresh.example')).toEqual({
			error: 'forbidden',
			reason:
				"this origin is not registered for any site: add shop.fresh.example to the host names in the site's settings to take the records of https://shop.fresh.example"
		});
		await updateSite(couch, alice, 'fresh', {
			...fresh,
			hostnames: ['fresh.example', 'shop.fresh.example']
		});
		expect(await post('fresh', 'https://shop.fresh.example')).toEqual([]);
	});

	test("an owner's excluded addresses: their records are dropped at once, answered as stored, and others' kept; only an owner sets them", async () => {
		// An outside probe: the owner's own visits counted, and no way to leave them out by address.
		const { couch } = await useCouch();
		setCouch(couch);
		const ingest = appIngest(couch);
		await createSite(couch, alice, {
			id: 'office',
			name: 'Office',
			hostnames: ['office.example'],
			timeZone: 'UTC'
		});
		const post = async (clientAddress: string) => {
			const record = pageview(Date.now(), { site: 'office' });
			const res = await postRecords(ingest, clientAddress, [record], 'https://office.example');
			const stored = await couch.events.get(String(record._id)).then(
				() => true,
				() => false
			);
			return [res.status, await res.json(), stored];
		};
		// Cached before the setting, as the app's list would be.
		expect(await post('198.51.100.7')).toEqual([201, [], true]);
		const entries = parseExcludedAddresses('198.51.100.0/24, 2001:db8::1');
		const saved = await setExcludedAddresses(couch, alice, 'office', entries);
		expect(siteForOwner(saved).excludedAddresses).toEqual(['198.51.100.0/24', '2001:db8::1']);
		expect(await post('198.51.100.7')).toEqual([201, [], false]);
		expect(await post('2001:db8::1')).toEqual([201, [], false]);
		expect(await post('203.0.113.9')).toEqual([201, [], true]);
		await expect(setExcludedAddresses(couch, bob, 'office', [])).rejects.toMatchObject({
			status: 404
		});
		await setExcludedAddresses(couch, alice, 'office', parseExcludedAddresses(''));
		expect(await post('198.51.100.7')).toEqual([201, [], true]);
	});

	test('the ingest answers 503 with Retry-After while the store cannot be reached', async () => {
		// An outside operations review: only 429s said when to come back.
		const unreachable = createCouch(new URL(`http://127.0.0.1:${await freePort()}`), 'gone');
		const limit = { burst: 1000, perSecond: 1 };
		const ingest = createIngest({
			couch: () => unreachable,
			config: ingestConfig(limit)
		});
		const res = await ingest.handle({
			path: '_bulk_docs',
			clientAddress: '203.0.113.9',
			request: new Request('http://app.test/api/ingest/_bulk_docs', {
				method: 'POST',
				headers: { 'content-type': 'application/json', origin: 'https://alice.example' },
				body: JSON.stringify({ docs: [pageview(Date.now(), { site: 'demo' })], new_edits: false })
			})
		});
		expect(res.status).toBe(503);
		expect(res.headers.get('retry-after')).toBe(String(UNAVAILABLE_RETRY_S));
		expect(await res.json()).toEqual({
			error: 'unavailable',
			reason: 'the sites database is not reachable; retry later'
		});
	});
});

describe('an account deleted in the store and created again', () => {
	/** Deletes an account as README's "Accounts" says: a DELETE of its `_users` document. */
	async function deleteAccount(couch: Couch, name: string) {
		const users = couch.server.use<Record<string, unknown>>('_users');
		const doc = await users.get(`org.couchdb.user:${name}`);
		await users.destroy(doc._id, doc._rev);
	}

	test('the new account owns only the site it was added to: not the old sites, invitations, tokens, share links or sessions', async () => {
		// An outside probe: re-created under the same name, it owned every site of the old
		// one, raw records included, and the answer was just "Added owner carol.".
		const { couch } = await useCouch();
		const name = testAccount('rehired');
		const user: User = { name, roles: [], isAdmin: false };
		await createSite(couch, alice, parseSiteForm(form(blog)));
		await createSite(couch, bob, parseSiteForm(form({ ...blog, id: 'bob-shop', name: 'Bob' })));
		await createSite(couch, admin, parseSiteForm(form({ ...blog, id: 'new-home', name: 'New' })));
		await addOwner(couch, admin, 'alice-blog', name, 'the-old-password-1');
		const { secret } = await addToken(couch, user, 'alice-blog', 'old token', { records: true });
		await enableShareLink(couch, user, 'alice-blog');
		await addOwner(couch, bob, 'bob-shop', name);
		const old = await login(couch, name, 'the-old-password-1');
		expect((await sessionFor(couch, old!.token))?.user.name).toBe(name);

		await deleteAccount(couch, name);
		const { site, message } = await addOwner(couch, admin, 'new-home', name, 'the-new-password-1');
		expect(site.owners).toEqual(['admin', name]);
		expect(message).toBe(
			`Added owner ${name}. Sites still listed ${name} (a deleted account's name, or an invitation): alice-blog, bob-shop. It was removed there, with the API tokens and share links made under it, so the new account owns only this site.`
		);
		expect((await listSites(couch, user)).map((s) => s.id)).toEqual(['new-home']);
		expect(await listInvitations(couch, user)).toEqual([]);
		await expect(loadManagedSite(couch, user, 'alice-blog')).rejects.toMatchObject({
			status: 404
		});
		const blogNow = await loadManagedSite(couch, alice, 'alice-blog');
		expect(blogNow.owners).toEqual(['alice']);
		expect(findToken(blogNow, secret)).toBeUndefined();
		expect(blogNow.shareHash).toBeUndefined();
		expect((await loadManagedSite(couch, bob, 'bob-shop')).invited).toBeUndefined();
		// The old account's session does not become the new one's.
		expect(await sessionFor(couch, old!.token)).toBeUndefined();
		const fresh = await login(couch, name, 'the-new-password-1');
		expect((await sessionFor(couch, fresh!.token))?.user.name).toBe(name);
	});

	test('the first account created again at start does not own what the deleted one owned', async () => {
		// Its own first account, not the suite's `admin`, which other tests log in as.
		const { couch } = await useCouch();
		const first = testAccount('first-again');
		const setUp = () => ensureSetup(couch, { adminPassword: 'first-password-1', adminName: first });
		await setUp();
		await createSite(couch, alice, parseSiteForm(form(blog)));
		await addOwner(couch, admin, 'alice-blog', first);
		await deleteAccount(couch, first);
		expect((await setUp()).firstAccount?.name).toBe(first);
		expect((await findSite(couch, 'alice-blog'))?.owners).toEqual(['alice']);
	});
});
