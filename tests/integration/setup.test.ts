import { describe, expect, test } from 'vitest';
import { ensureSetup } from '../../src/lib/server/setup';
import { createCouch } from '../../src/lib/server/couch';
import {
	basicAuth,
	embeddedOnly,
	NOT_ALLOWED,
	TEST_ADMIN_PASSWORD,
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
		expect(again).toEqual({ createdDbs: [], deployedDesigns: [], firstAccount: undefined });
	});

	test('redeploys a design document only when its content changed', async () => {
		const { couch } = await useCouch();
		const view = { map: 'function (doc) { emit(doc.type, 1); }', reduce: '_count' };
		const designs = {
			events: [{ _id: '_design/probe', views: { byType: view } }],
			sites: [],
			checkpoints: []
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

	test('refuses a CouchDB user that is not a server admin, in one line', async () => {
		const { url } = await useCouch();
		const asReader = await nonAdmin(url);
		await expect(ensureSetup(createCouch(asReader, 'x'))).rejects.toThrow(
			`the CouchDB user "${asReader.username}" is not a server admin`
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
			const origin = `${couch.url.protocol}//${couch.url.host}`;
			const selector = await fetch(`${origin}/${couch.names.events}/_changes?filter=_selector`, {
				method: 'POST'
			});
			expect(selector.status).toBe(400);
			const create = await fetch(`${origin}/brand-new-db`, { method: 'PUT' });
			expect(create.status).toBe(401);
			expect((await fetch(`${origin}/`)).status).toBe(200);
		}
	);
});
