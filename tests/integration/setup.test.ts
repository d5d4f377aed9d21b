import crypto from 'node:crypto';
import http from 'node:http';
import { describe, expect, test, vi } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { startEmbeddedCouch } from '../../src/lib/server/embedded/server';
import { PASSWORD_ITERATIONS } from '../../src/lib/server/embedded/passwords';
import { ensureSetup } from '../../src/lib/server/boot/setup';
import { promoteStaged } from '../../src/lib/server/boot/staged-designs';
import {
	basicAuth,
	embeddedOnly,
	externalCouchUrl,
	firstAccountFor,
	NOT_ALLOWED,
	TEST_ADMIN_PASSWORD,
	tempDir,
	testAccount,
	useCouch
} from './harness';

/** Creates (once per run) an account that is no server admin, and its URL on the server. */
async function nonAdmin(url: URL): Promise<URL> {
	const name = testAccount('reader');
	await createCouch(url, 'x')
		.server.use('_users')
		.insert({
			_id: `org.couchdb.user:${name}`,
			name,
			type: 'user',
			roles: [],
			password: 'reader-password'
		} as never)
		.catch((e) => {
			if (e.statusCode !== 409) throw e;
		});
	const asReader = new URL(url);
	asReader.username = name;
	asReader.password = 'reader-password';
	return asReader;
}

describe('set-up on every boot', () => {
	test('creates the databases, the demo site and the design documents once', async () => {
		const { couch, url, prefix, setup } = await useCouch();
		expect(setup.createdDbs).toEqual(expect.arrayContaining(Object.values(couch.names)));
		expect(setup.deployedDesigns).toEqual(
			expect.arrayContaining([
				`${couch.names.events}/_design/stats`,
				`${couch.names.events}/_design/validate`,
				`${couch.names.events}/_design/visitor`,
				`${couch.names.events}/_design/retention`
			])
		);
		const demo = await couch.sites.get('site:demo');
		expect(demo).toMatchObject({
			id: 'demo',
			timeZone: 'UTC',
			hostnames: ['localhost', '127.0.0.1']
		});

		const again = await ensureSetup(couch, {
			adminPassword: TEST_ADMIN_PASSWORD,
			adminName: firstAccountFor(prefix)
		});
		expect(again).toEqual({
			createdDbs: [],
			deployedDesigns: [],
			stagedDesigns: [],
			firstAccount: undefined,
			serverAdmins: expect.arrayContaining([url.username])
		});
	});

	test('redeploys a design document only when its content changed; changed views go beside the live ones until built', async () => {
		const { couch, prefix } = await useCouch();
		const adminName = firstAccountFor(prefix);
		const events = couch.names.events;
		const scope = couch.server.use<{ couchstats_hash: string }>(events);
		const view = { map: 'function (doc) { emit(doc.type, 1); }', reduce: '_count' };
		const designs = {
			events: [{ _id: '_design/probe', views: { byType: view } }],
			sites: [],
			checkpoints: [],
			users: []
		};
		const setup = () => ensureSetup(couch, { designs, adminName });
		expect(await setup()).toMatchObject({
			deployedDesigns: [`${events}/_design/probe`],
			stagedDesigns: []
		});
		const first = (await scope.get('_design/probe')).couchstats_hash;
		expect(await setup()).toMatchObject({ deployedDesigns: [], stagedDesigns: [] });

		designs.events[0].views.byType = { ...view, reduce: '_sum' };
		const staged = { db: events, id: '_design/probe' };
		expect(await setup()).toMatchObject({
			deployedDesigns: [`${events}/_design/probe-next`],
			stagedDesigns: [staged]
		});
		expect((await scope.get('_design/probe')).couchstats_hash).toBe(first);
		const next = (await scope.get('_design/probe-next')).couchstats_hash;
		expect(next).not.toBe(first);
		// Still staged on the next start, not written again.
		expect(await setup()).toMatchObject({ deployedDesigns: [], stagedDesigns: [staged] });

		// `_view_cleanup` after it too: no problem to report.
		const log = vi.fn();
		expect(await promoteStaged(couch, staged, { log })).toBe(true);
		expect(log).not.toHaveBeenCalled();
		expect((await scope.get('_design/probe')).couchstats_hash).toBe(next);
		await expect(scope.get('_design/probe-next')).rejects.toMatchObject({ statusCode: 404 });
		expect(await setup()).toMatchObject({ deployedDesigns: [], stagedDesigns: [] });
		expect(await promoteStaged(couch, staged)).toBe(false);

		// Back to a version whose views are live: what was staged meanwhile goes.
		designs.events[0].views.byType = { ...view, reduce: '_stats' };
		expect((await setup()).stagedDesigns).toEqual([staged]);
		designs.events[0].views.byType = { ...view, reduce: '_sum' };
		expect(await setup()).toMatchObject({ deployedDesigns: [], stagedDesigns: [] });
		await expect(scope.get('_design/probe-next')).rejects.toMatchObject({ statusCode: 404 });
	});

	test('stops waiting for a staged index when told to, and leaves both design documents as they were', async () => {
		const { couch } = await useCouch();
		const db = `${couch.names.events}-slow`;
		await couch.server.db.create(db);
		const scope = couch.server.use<{ views: object }>(db);
		const docs = Array.from({ length: 30 }, (_, i) => ({ _id: `d${i}`, n: i }));
		await scope.bulk({ docs });
		const views = { n: { map: 'function (doc) { emit(doc.n, null); }' } };
		await scope.insert({ _id: '_design/slow', views });
		// Indexing this map takes at least 30 × 50 ms.
		const slow =
			'function (doc) { var until = Date.now() + 50; while (Date.now() < until) {} emit(doc.n, null); }';
		await scope.insert({ _id: '_design/slow-next', views: { n: { map: slow } } });
		const stop = new AbortController();
		const promoting = promoteStaged(couch, { db, id: '_design/slow' }, { signal: stop.signal });
		stop.abort();
		await expect(promoting).rejects.toThrow();
		expect((await scope.get('_design/slow')).views).toEqual(views);
		await expect(scope.get('_design/slow-next')).resolves.toBeDefined();
		await couch.server.db.destroy(db);
	});

	test('leaves the databases readable and writable by server admins only', async () => {
		const { couch, url } = await useCouch();
		const anonymous = `${couch.url.protocol}//${couch.url.host}`;
		const reader = await nonAdmin(url);
		const asReader = { authorization: basicAuth(reader) };
		for (const name of Object.values(couch.names)) {
			const read = await fetch(`${anonymous}/${name}/_all_docs`);
			expect(NOT_ALLOWED, `anonymous read of ${name}`).toContain(read.status);
			const readBy = await fetch(`${anonymous}/${name}/_all_docs`, { headers: asReader });
			expect(NOT_ALLOWED, `non-admin read of ${name}`).toContain(readBy.status);
			const write = await fetch(`${anonymous}/${name}`, {
				method: 'POST',
				headers: { ...asReader, 'content-type': 'application/json' },
				body: JSON.stringify({ _id: 'written-by-a-non-admin' })
			});
			expect(NOT_ALLOWED, `non-admin write to ${name}`).toContain(write.status);
		}
		await expect(couch.events.get('written-by-a-non-admin')).rejects.toMatchObject({
			statusCode: 404
		});
		const security = await couch.server.request({ db: couch.names.events, path: '_security' });
		expect(security).toEqual({
			admins: { names: [], roles: ['_admin'] },
			members: { names: [], roles: ['_admin'] }
		});
	});

	test('lets only admins write accounts: an anonymous sign-up in _users is refused', async () => {
		const { couch } = await useCouch();
		const anonymous = `${couch.url.protocol}//${couch.url.host}`;
		const name = testAccount('mallory');
		const signUp = await fetch(`${anonymous}/_users/org.couchdb.user:${name}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name, type: 'user', roles: [], password: 'mallory-pw' })
		});
		// Apache CouchDB runs _users' validate_doc_update (403, couchdb/users/validate.test.ts);
		// the embedded store refuses everyone but its admin before (401, guard.ts).
		expect([401, 403]).toContain(signUp.status);
		const users = couch.server.use('_users');
		await expect(users.head(`org.couchdb.user:${name}`)).rejects.toMatchObject({
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
				line: "couchstats: the CouchDB server admin \"admin\" has the name of couchstats' first account, which then could never log in (CouchDB checks server admins first) — give the first account another name with COUCHSTATS_ADMIN_NAME (the embedded store's server admin is always couchdb-admin), or rename that server admin in CouchDB's [admins] and in COUCHDB_URL"
			});
		} finally {
			await store.close();
		}
	});

	test('refuses a first account named like the COUCHDB_URL server admin (COUCHSTATS_ADMIN_NAME)', async () => {
		const { url, prefix } = await useCouch();
		await expect(
			ensureSetup(createCouch(url, prefix), { adminName: url.username })
		).rejects.toThrow(
			`the CouchDB server admin "${url.username}" has the name of couchstats' first account`
		);
	});

	test('refuses a CouchDB user that is not a server admin, in one line', async () => {
		const { url } = await useCouch();
		const asReader = await nonAdmin(url);
		await expect(ensureSetup(createCouch(asReader, 'x'))).rejects.toThrow(
			// The embedded store takes no credentials but its admin's (embedded/guard.ts).
			externalCouchUrl
				? `the CouchDB user "${asReader.username}" is not a server admin`
				: 'rejected the credentials in COUCHDB_URL'
		);
	});
});

describe('the server', () => {
	test('answers an idle longpoll with no changes once its timeout has passed, as CouchDB does', async () => {
		const { couch } = await useCouch();
		const started = Date.now();
		const answer = (await couch.server.request({
			db: couch.names.events,
			path: '_changes',
			qs: { feed: 'longpoll', since: 'now', timeout: 600 }
		})) as { results: unknown[]; last_seq: unknown };
		expect(answer.results).toEqual([]);
		// A string on Apache CouchDB, a number on the embedded store.
		expect(['string', 'number']).toContain(typeof answer.last_seq);
		expect(Date.now() - started).toBeGreaterThanOrEqual(550);
	});
});

describe('the embedded store', () => {
	embeddedOnly('its guard in front of express-pouchdb')(
		'refuses the requests that crash express-pouchdb and keeps serving',
		async () => {
			const { couch } = await useCouch();
			const { origin, admin } = storeOf(couch);
			const selector = await fetch(`${origin}/${couch.names.events}/_changes?filter=_selector`, {
				method: 'POST',
				headers: admin
			});
			expect(selector.status).toBe(400);
			const create = await fetch(`${origin}/brand-new-db`, { method: 'PUT' });
			expect(create.status).toBe(401);
			expect((await fetch(`${origin}/`, { headers: admin })).status).toBe(200);
		}
	);

	embeddedOnly('its guard and the replication it leaves out')(
		'serves nobody but its admin (and GET _session and its welcome), and no replication at all: a _replicator document neither crashes it nor runs',
		async () => {
			// An outside review: one anonymous PUT of a _replicator document crashed the app,
			// and once it was restarted the replication ran with the admin's rights (it copied
			// _users out, and an admin account in).
			const { couch } = await useCouch();
			const { origin, admin } = storeOf(couch);
			const replication = {
				source: couch.names.sites,
				target: 'loot',
				create_target: true,
				user_ctx: { name: null, roles: [] }
			};
			const put = (headers: Record<string, string> = {}) =>
				fetch(`${origin}/_replicator/x`, {
					method: 'PUT',
					headers: { 'content-type': 'application/json', ...headers },
					body: JSON.stringify(replication)
				});
			expect((await put()).status).toBe(401);
			expect((await fetch(`${origin}/${couch.names.sites}/_all_docs`)).status).toBe(401);
			// Another name for the host (a page rebinding its DNS name to loopback; fetch
			// cannot set Host).
			const rebound = await new Promise<number>((resolve, reject) =>
				http
					.get(`${origin}/`, { headers: { ...admin, host: 'rebind.attacker.example' } }, (res) =>
						resolve(res.resume().statusCode ?? 0)
					)
					.on('error', reject)
			);
			expect(rebound).toBe(403);
			// Not even the admin can start one: neither route nor daemon is there.
			const replicate = await fetch(`${origin}/_replicate`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...admin },
				body: JSON.stringify(replication)
			});
			expect(replicate.status).not.toBe(200);
			// Paths as sent, not as parsed (an outside re-check crashed the app with one GET of
			// this form, and with a PUT /_session); fetch would drop the `..` itself.
			const raw = (method: string, pathname: string) =>
				new Promise<number>((resolve, reject) =>
					http
						.request(
							{ host: couch.url.hostname, port: couch.url.port, path: pathname, method },
							(res) => resolve(res.resume().statusCode ?? 0)
						)
						.on('error', reject)
						.end()
				);
			expect(await raw('GET', '/_users/x/../../_session')).toBe(401);
			expect(await raw('PUT', '/_session')).toBe(401);
			// Asking who a session is and the welcome still work for everyone, and the store keeps serving.
			expect((await fetch(`${origin}/_session`)).status).toBe(200);
			expect((await fetch(`${origin}/`)).status).toBe(200);
			expect((await fetch(`${origin}/`, { headers: admin })).status).toBe(200);
		}
	);
});

describe('the embedded store’s accounts', () => {
	embeddedOnly('its password hashing (Apache CouchDB has its own)')(
		'hashes a new password with PASSWORD_ITERATIONS rounds of PBKDF2, and logs it in',
		async () => {
			// An outside review found 10 rounds in hashes it copied out of _users.
			const { couch } = await useCouch();
			const name = testAccount('hashed');
			const users = couch.server.use<{ derived_key: string; salt: string; iterations: number }>(
				'_users'
			);
			await users.insert({
				_id: `org.couchdb.user:${name}`,
				name,
				type: 'user',
				roles: [],
				password: 'a-long-password'
			} as never);
			const stored = await users.get(`org.couchdb.user:${name}`);
			expect(stored.iterations).toBe(PASSWORD_ITERATIONS);
			const key = crypto.pbkdf2Sync(
				'a-long-password',
				stored.salt,
				PASSWORD_ITERATIONS,
				20,
				'sha1'
			);
			expect(stored.derived_key).toBe(key.toString('hex'));
			const { origin, admin } = storeOf(couch);
			const login = (headers: Record<string, string> = {}) =>
				fetch(`${origin}/_session`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', ...headers },
					body: JSON.stringify({ name, password: 'a-long-password' })
				});
			// The app logs in as the store admin; anyone else on the machine could guess
			// passwords there outside its throttle (an outside review, 41 a second).
			expect((await login(admin)).status).toBe(200);
			expect((await login()).status).toBe(401);
			// Nor with the account's own Basic credentials on a path open to anyone, which
			// express-pouchdb would check (an outside re-check guessed 84 a second there).
			const own = `Basic ${Buffer.from(`${name}:a-long-password`).toString('base64')}`;
			const asked = await fetch(`${origin}/_session`, { headers: { authorization: own } });
			expect(asked.status).toBe(401);
			expect(((await asked.json()) as { reason: string }).reason).toBe(
				"the embedded store takes only its admin's credentials"
			);
		}
	);
});

/** The store's origin and its admin's `Authorization` header, from the app's CouchDB URL. */
function storeOf(couch: { url: URL }) {
	const { protocol, host, username, password } = couch.url;
	const basic = Buffer.from(
		`${decodeURIComponent(username)}:${decodeURIComponent(password)}`
	).toString('base64');
	return { origin: `${protocol}//${host}`, admin: { authorization: `Basic ${basic}` } };
}
