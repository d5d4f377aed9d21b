import { describe, expect, test } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { startEmbeddedCouch } from '../../src/lib/server/embedded/server';
import { ensureSetup } from '../../src/lib/server/setup';
import { TEST_ADMIN_PASSWORD, tempDir, useCouch } from './harness';

describe('set-up on every boot', () => {
	test('creates the databases, the demo site and the design documents once', async () => {
		const { couch, setup } = await useCouch();
		expect(setup.createdDbs).toEqual(expect.arrayContaining(Object.values(couch.names)));
		expect(setup.deployedDesigns).toEqual(
			expect.arrayContaining([
				`${couch.names.events}/_design/stats`,
				`${couch.names.events}/_design/validate`
			])
		);
		const demo = await couch.sites.get('site:demo');
		expect(demo).toMatchObject({
			id: 'demo',
			timeZone: 'UTC',
			hostnames: ['localhost', '127.0.0.1']
		});

		const again = await ensureSetup(couch, { adminPassword: TEST_ADMIN_PASSWORD });
		expect(again).toEqual({
			createdDbs: [],
			deployedDesigns: [],
			firstAccount: undefined,
			serverAdmins: ['couchdb-admin']
		});
	});

	test('redeploys a design document only when its content changed', async () => {
		const { couch } = await useCouch();
		const view = { map: 'function (doc) { emit(doc.type, 1); }', reduce: '_count' };
		const designs = {
			events: [{ _id: '_design/probe', views: { byType: view } }],
			sites: [],
			checkpoints: [],
			users: []
		};
		expect((await ensureSetup(couch, { designs })).deployedDesigns).toEqual([
			`${couch.names.events}/_design/probe`
		]);
		expect((await ensureSetup(couch, { designs })).deployedDesigns).toEqual([]);
		designs.events[0].views.byType = { ...view, reduce: '_sum' };
		expect((await ensureSetup(couch, { designs })).deployedDesigns).toEqual([
			`${couch.names.events}/_design/probe`
		]);
	});

	test('leaves the databases readable by server admins only', async () => {
		const { couch } = await useCouch();
		const anonymous = `${couch.url.protocol}//${couch.url.host}`;
		for (const name of Object.values(couch.names)) {
			const res = await fetch(`${anonymous}/${name}/_all_docs`);
			expect(res.status, name).toBe(401);
		}
		const security = await couch.server.request({ db: couch.names.events, path: '_security' });
		expect(security).toEqual({
			admins: { names: [], roles: ['_admin'] },
			members: { names: [], roles: ['_admin'] }
		});
	});

	test('lets only admins write accounts: an anonymous sign-up in _users is refused', async () => {
		const { couch } = await useCouch();
		const anonymous = `${couch.url.protocol}//${couch.url.host}`;
		const signUp = await fetch(`${anonymous}/_users/org.couchdb.user:mallory`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'mallory', type: 'user', roles: [], password: 'mallory-pw' })
		});
		expect(signUp.status).toBe(403);
		expect(await signUp.json()).toMatchObject({
			error: 'forbidden',
			reason: 'accounts are created and changed by couchstats admins only'
		});
		const users = couch.server.use('_users');
		await expect(users.head('org.couchdb.user:mallory')).rejects.toMatchObject({
			statusCode: 404
		});
	});

	test('refuses to start when a server admin has the first account’s name, in one line', async () => {
		const dataDir = tempDir();
		const store = await startEmbeddedCouch({ dataDir, memory: true });
		try {
			const origin = `${store.url.protocol}//${store.url.host}`;
			const auth = `Basic ${Buffer.from(`${store.url.username}:${store.url.password}`).toString('base64')}`;
			// express-pouchdb's own config path; CouchDB 3's is /_node/_local/_config.
			const added = await fetch(`${origin}/_config/admins/admin`, {
				method: 'PUT',
				headers: { authorization: auth, 'content-type': 'application/json' },
				body: JSON.stringify('server-admin-password')
			});
			expect(added.status).toBe(200);
			await expect(ensureSetup(createCouch(store.url, 'clash'))).rejects.toMatchObject({
				line: 'couchstats: the CouchDB server admin "admin" has the name of couchstats\' first account, which then could never log in (CouchDB checks server admins first) — rename that server admin, e.g. to couchdb-admin, in CouchDB\'s [admins] and in COUCHDB_URL'
			});
		} finally {
			await store.close();
		}
	});

	test('refuses a CouchDB user that is not a server admin, in one line', async () => {
		const { couch, url } = await useCouch();
		const users = couch.server.use('_users');
		await users
			.insert({
				_id: 'org.couchdb.user:reader',
				name: 'reader',
				type: 'user',
				roles: [],
				password: 'reader-password'
			} as never)
			.catch(() => undefined);
		const asReader = new URL(url);
		asReader.username = 'reader';
		asReader.password = 'reader-password';
		await expect(ensureSetup(createCouch(asReader, 'x'))).rejects.toThrow(
			'the CouchDB user "reader" is not a server admin'
		);
	});
});

describe('the embedded store', () => {
	test('answers an idle longpoll with no changes once its timeout has passed, as CouchDB does', async () => {
		const { couch } = await useCouch();
		const started = Date.now();
		const answer = (await couch.server.request({
			db: couch.names.events,
			path: '_changes',
			qs: { feed: 'longpoll', since: 'now', timeout: 600 }
		})) as { results: unknown[]; last_seq: unknown };
		expect(answer.results).toEqual([]);
		expect(answer.last_seq).toBeDefined();
		expect(Date.now() - started).toBeGreaterThanOrEqual(550);
	});

	test('refuses the requests that crash express-pouchdb and keeps serving', async () => {
		const { couch } = await useCouch();
		const origin = `${couch.url.protocol}//${couch.url.host}`;
		const selector = await fetch(`${origin}/${couch.names.events}/_changes?filter=_selector`, {
			method: 'POST'
		});
		expect(selector.status).toBe(400);
		const create = await fetch(`${origin}/brand-new-db`, { method: 'PUT' });
		expect(create.status).toBe(401);
		expect((await fetch(`${origin}/`)).status).toBe(200);
	});
});
