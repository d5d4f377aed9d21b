/**
 * `validate_doc_update` in `_bulk_docs` on the real embedded store (in memory), over
 * HTTP as the app reaches it: CouchDB's answers, the arguments a function sees, a
 * changed function taking effect at the next request, and each function compiled once
 * per design document revision rather than once per document.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { basic, closeTempStores, startTempStore, type TempStore } from './test-store';

let store: TempStore;

beforeAll(async () => {
	store = await startTempStore({ memory: true, viewEngine: false });
});

afterAll(closeTempStores);

const call = (method: string, url: string, body?: unknown, auth?: string) =>
	store.call<unknown>(method, url, body, auth);

type Answer = { id: string; ok?: boolean; rev?: string; error?: string; reason?: unknown };

/** Each document's error (or 'ok'), by id: what holds in any answer order. */
const outcome = (answers: Answer[], key: 'error' | 'reason' = 'error') =>
	Object.fromEntries(answers.map((a) => [a.id, a[key] ?? 'ok']));

async function bulk(body: unknown, auth?: string): Promise<Answer[]> {
	const res = await call('POST', `/${db}/_bulk_docs`, body, auth);
	expect(res.status).toBe(201);
	return res.body as Answer[];
}

/** Puts a design document (replacing the one there), returns its new revision. */
async function design(id: string, fields: Record<string, unknown>): Promise<string> {
	const current = await call('GET', `/${db}/${id}`);
	const rev = current.status === 200 ? (current.body as { _rev: string })._rev : undefined;
	const res = await call('PUT', `/${db}/${id}`, { ...fields, ...(rev ? { _rev: rev } : {}) });
	expect(res.status).toBe(201);
	return (res.body as { rev: string }).rev;
}

/** Refuses documents with `bad: true`, as couchstats' own function refuses a malformed record. */
const REFUSE_BAD = `function (newDoc) {
	if (newDoc.bad) throw { forbidden: 'bad is set on ' + newDoc._id };
	if (newDoc.anonymous) throw { unauthorized: 'log in to write ' + newDoc._id };
}`;

let db = '';
beforeEach(async () => {
	db = `bulk-${randomBytes(4).toString('hex')}`;
	expect((await call('PUT', `/${db}`)).status).toBe(201);
});

describe('a _bulk_docs checked by validate_doc_update', () => {
	test('a refused document gets its own error and the others are written', async () => {
		await design('_design/v', { validate_doc_update: REFUSE_BAD });
		const answers = await bulk({
			docs: [{ _id: 'a' }, { _id: 'b', bad: true }, { _id: 'c' }, { _id: 'd', anonymous: true }]
		});
		const byId = Object.fromEntries(answers.map((a) => [a.id, a]));
		expect(byId.b).toEqual({ id: 'b', error: 'forbidden', reason: 'bad is set on b' });
		expect(byId.d).toEqual({ id: 'd', error: 'unauthorized', reason: 'log in to write d' });
		expect(byId.a).toMatchObject({ ok: true });
		expect(byId.c).toMatchObject({ ok: true });
		const all = (await call('GET', `/${db}/_all_docs`)).body as { rows: { id: string }[] };
		expect(all.rows.map((row) => row.id)).toEqual(['_design/v', 'a', 'c']);
	});

	test('answers come in the order of the request, as CouchDB gives them', async () => {
		await design('_design/v', { validate_doc_update: REFUSE_BAD });
		const answers = await bulk({
			docs: [{ _id: 'a' }, { _id: 'b', bad: true }, { _id: 'c' }]
		});
		expect(answers.map((a) => [a.id, a.error ?? 'ok'])).toEqual([
			['a', 'ok'],
			['b', 'forbidden'],
			['c', 'ok']
		]);
	});

	test('with new_edits false the answer lists only the refused documents', async () => {
		await design('_design/v', { validate_doc_update: REFUSE_BAD });
		const answers = await bulk({
			new_edits: false,
			docs: [
				{ _id: 'a', _rev: '1-aaaa' },
				{ _id: 'b', _rev: '1-bbbb', bad: true },
				{ _id: 'c', _rev: '1-cccc' }
			]
		});
		expect(answers).toEqual([{ id: 'b', error: 'forbidden', reason: 'bad is set on b' }]);
		expect((await call('GET', `/${db}/a`)).body).toMatchObject({ _rev: '1-aaaa' });
		expect((await call('GET', `/${db}/b`)).status).toBe(404);
	});

	test('a replicated revision is stored with its history', async () => {
		await design('_design/v', { validate_doc_update: REFUSE_BAD });
		const doc = { _id: 'r', _rev: '3-cc', _revisions: { start: 3, ids: ['cc', 'bb', 'aa'] } };
		expect(await bulk({ new_edits: false, docs: [doc] })).toEqual([]);
		const stored = await call('GET', `/${db}/r?revs=true`);
		expect(stored.body).toMatchObject({ _rev: '3-cc', _revisions: doc._revisions });
		// A later revision of the same history replaces it, as replication does.
		const next = { _id: 'r', _rev: '4-dd', _revisions: { start: 4, ids: ['dd', 'cc', 'bb'] } };
		expect(await bulk({ new_edits: false, docs: [next] })).toEqual([]);
		expect((await call('GET', `/${db}/r`)).body).toMatchObject({ _rev: '4-dd' });
	});

	test("an update's old document is the stored one, with its revisions", async () => {
		await design('_design/echo', {
			validate_doc_update: `function (newDoc, oldDoc, userCtx) {
				if (!newDoc.echo) return;
				throw { forbidden: {
					n: newDoc.n,
					old: oldDoc && { n: oldDoc.n, rev: oldDoc._rev, revisions: oldDoc._revisions },
					user: { name: userCtx.name, roles: userCtx.roles }
				} };
			}`
		});
		const [first] = await bulk({ docs: [{ _id: 'x', n: 1 }] });
		const [second] = await bulk({ docs: [{ _id: 'x', _rev: first.rev, n: 2 }] });
		const answers = await bulk({
			docs: [
				{ _id: 'x', _rev: second.rev, n: 3, echo: true },
				{ _id: 'y', n: 4, echo: true }
			]
		});
		const user = { name: decodeURIComponent(store.store.url.username), roles: ['_admin'] };
		const hashes = [second.rev, first.rev].map((rev) => rev!.split('-')[1]);
		expect(outcome(answers, 'reason')).toEqual({
			x: { n: 3, old: { n: 2, rev: second.rev, revisions: { start: 2, ids: hashes } }, user },
			y: { n: 4, old: null, user }
		});
	});

	test("the user context names the database and the security object is the database's", async () => {
		const security = {
			admins: { names: [], roles: [] },
			members: { names: [], roles: ['readers'] }
		};
		await call('PUT', `/${db}/_security`, security);
		await design('_design/echo', {
			validate_doc_update: `function (newDoc, oldDoc, userCtx, secObj) {
				throw { forbidden: { db: userCtx.db, members: secObj.members } };
			}`
		});
		expect(await bulk({ docs: [{ _id: 'x' }] })).toEqual([
			{ id: 'x', error: 'forbidden', reason: { db, members: security.members } }
		]);
	});

	test('a deleted document is no old document', async () => {
		await design('_design/v', {
			validate_doc_update: `function (newDoc, oldDoc) {
				if (newDoc.probe) throw { forbidden: oldDoc === null ? 'none' : oldDoc._rev };
			}`
		});
		const [written] = await bulk({ docs: [{ _id: 'z' }] });
		await bulk({ docs: [{ _id: 'z', _rev: written.rev, _deleted: true }] });
		expect(await bulk({ docs: [{ _id: 'z', probe: true }] })).toEqual([
			{ id: 'z', error: 'forbidden', reason: 'none' }
		]);
	});

	test('a changed, added or removed function takes effect at the next request', async () => {
		await design('_design/v', { validate_doc_update: REFUSE_BAD });
		expect((await bulk({ docs: [{ _id: 'a1', bad: true }] }))[0].error).toBe('forbidden');

		await design('_design/v', {
			validate_doc_update: `function (newDoc) { if (newDoc.odd) throw { forbidden: 'odd' }; }`
		});
		const changed = await bulk({
			docs: [
				{ _id: 'a2', bad: true },
				{ _id: 'a3', odd: true }
			]
		});
		expect(outcome(changed)).toEqual({ a2: 'ok', a3: 'forbidden' });

		await design('_design/w', { validate_doc_update: REFUSE_BAD });
		const added = await bulk({
			docs: [
				{ _id: 'a4', bad: true },
				{ _id: 'a5', odd: true }
			]
		});
		expect(outcome(added, 'reason')).toEqual({ a4: 'bad is set on a4', a5: 'odd' });

		await design('_design/v', { views: {} });
		const removed = await bulk({
			docs: [
				{ _id: 'a6', odd: true },
				{ _id: 'a7', bad: true }
			]
		});
		expect(outcome(removed)).toEqual({ a6: 'ok', a7: 'forbidden' });
	});

	test('design documents are not checked by it, and only the admin may write them', async () => {
		await design('_design/v', {
			validate_doc_update: `function () { throw { forbidden: 'no' }; }`
		});
		const asAdmin = await bulk({ docs: [{ _id: '_design/other', views: {} }] });
		expect(asAdmin[0]).toMatchObject({ id: '_design/other', ok: true });

		const name = `member-${randomBytes(3).toString('hex')}`;
		const user = await call('PUT', `/_users/org.couchdb.user:${name}`, {
			name,
			password: 'member-password',
			roles: [],
			type: 'user'
		});
		expect(user.status).toBe(201);
		await call('PUT', `/${db}/_security`, {
			admins: { names: [], roles: [] },
			members: { names: [name], roles: [] }
		});
		// Only the store admin reaches the store at all (guard.ts), a member of the database
		// neither.
		const asMember = await call(
			'POST',
			`/${db}/_bulk_docs`,
			{ docs: [{ _id: '_design/mine', views: {} }, { _id: 'plain' }] },
			basic(name, 'member-password')
		);
		expect(asMember.status).toBe(401);
		const all = (await call('GET', `/${db}/_all_docs`)).body as { rows: { id: string }[] };
		expect(all.rows.map((row) => row.id)).toEqual(['_design/other', '_design/v']);
	});

	test('compiles each function once per design document revision, not once per document', async () => {
		const counter = `__bulkValidationCompiles_${db.replace(/-/g, '_')}`;
		const counted = (reason: string) => `(function () {
			globalThis.${counter} = (globalThis.${counter} || 0) + 1;
			return function (newDoc) { if (newDoc.bad) throw { forbidden: '${reason}' }; };
		})()`;
		const compiles = () => (globalThis as Record<string, unknown>)[counter] ?? 0;
		await design('_design/v', { validate_doc_update: counted('first') });
		const docs = (from: number) =>
			Array.from({ length: 50 }, (_, i) => ({ _id: `doc-${from + i}`, bad: i === 7 }));
		expect((await bulk({ docs: docs(0) })).filter((a) => a.error)).toHaveLength(1);
		await bulk({ docs: docs(100) });
		expect(compiles()).toBe(1);

		await design('_design/v', { validate_doc_update: counted('second') });
		const answers = await bulk({ docs: docs(200) });
		expect(answers.filter((a) => a.error).map((a) => a.reason)).toEqual(['second']);
		expect(compiles()).toBe(2);
	});
});
