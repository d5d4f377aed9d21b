/**
 * The embedded store's view engine over HTTP, as the app and a CouchDB admin with curl
 * reach it: CouchDB's JSON shapes and errors, `keys` by POST, access as express-pouchdb
 * decides it, views it does not serve passed on, `_active_tasks`, and a changed design
 * document rebuilt while reads keep answering from the previous index.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { MAX_QUERIES } from '../../src/lib/server/embedded/views/http';
import { MAX_KEY_DEPTH } from '../../src/lib/server/embedded/views/params';

const base = new URL(inject('couchUrl'));
const admin = `Basic ${Buffer.from(
	`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`
).toString('base64')}`;
const origin = `${base.protocol}//${base.host}`;

async function call(
	path: string,
	init: { method?: string; body?: unknown; auth?: string | null } = {}
): Promise<{
	status: number;
	body: Record<string, unknown> & { rows?: Record<string, unknown>[] };
}> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (init.auth !== null) headers.authorization = init.auth ?? admin;
	if (init.body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(origin + path, {
		method: init.method ?? 'GET',
		headers,
		body: init.body === undefined ? undefined : JSON.stringify(init.body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** A query string: keys JSON-encoded, as CouchDB reads them; other values as text. */
const q = (params: Record<string, unknown>) =>
	'?' +
	new URLSearchParams(
		Object.entries(params).map(([k, v]) => [
			k,
			['key', 'keys', 'startkey', 'endkey'].includes(k) ? JSON.stringify(v) : String(v)
		])
	);

const db = `views-${randomBytes(4).toString('hex')}`;

const DESIGN = {
	_id: '_design/t',
	views: {
		byN: {
			map: 'function (doc) { if (doc.n !== undefined) emit([doc.g, doc.n], doc.n); }',
			reduce: '_sum'
		},
		rows: { map: 'function (doc) { if (doc.n !== undefined) emit(doc.n, null); }' },
		stats: {
			map: 'function (doc) { if (doc.n !== undefined) emit(doc.g, doc.n); }',
			reduce: '_stats'
		},
		js: {
			map: 'function (doc) { if (doc.n !== undefined) emit(doc.g, doc.n); }',
			reduce: 'function (keys, values) { return values.length; }'
		}
	}
};

beforeAll(async () => {
	expect((await call(`/${db}`, { method: 'PUT' })).status).toBe(201);
	await call(`/${db}/_design/t`, { method: 'PUT', body: DESIGN });
	const docs = Array.from({ length: 30 }, (_, i) => ({
		_id: `d${String(i).padStart(2, '0')}`,
		g: i % 3 ? 'a' : 'b',
		n: i
	}));
	expect((await call(`/${db}/_bulk_docs`, { method: 'POST', body: { docs } })).status).toBe(201);
});

describe('the view engine over HTTP', () => {
	test('answers map rows and grouped reductions in CouchDB’s shapes', async () => {
		const rows = await call(`/${db}/_design/t/_view/rows${q({ startkey: 5, endkey: 7 })}`);
		expect(rows).toEqual({
			status: 200,
			body: {
				total_rows: 30,
				offset: 5,
				rows: [5, 6, 7].map((n) => ({ id: `d0${n}`, key: n, value: null }))
			}
		});
		const grouped = await call(`/${db}/_design/t/_view/byN${q({ group_level: 1 })}`);
		const sum = (g: string) =>
			Array.from({ length: 30 }, (_, i) => i)
				.filter((i) => (i % 3 ? 'a' : 'b') === g)
				.reduce((a, b) => a + b, 0);
		expect(grouped.body).toEqual({
			rows: [
				{ key: ['a'], value: sum('a') },
				{ key: ['b'], value: sum('b') }
			]
		});
		const stats = await call(`/${db}/_design/t/_view/stats${q({ key: 'b' })}`);
		expect(stats.body.rows).toEqual([
			{ key: null, value: { sum: sum('b'), count: 10, min: 0, max: 27, sumsqr: 2565 } }
		]);
	});

	test('takes keys in a POST body, and include_docs', async () => {
		const res = await call(`/${db}/_design/t/_view/rows?include_docs=true`, {
			method: 'POST',
			body: { keys: [3, 1, 99] }
		});
		expect(res.status).toBe(200);
		expect(res.body.rows!.map((r) => [r.key, (r.doc as { _id: string })._id])).toEqual([
			[3, 'd03'],
			[1, 'd01']
		]);
	});

	test('answers several queries of a view at once (POST …/queries) as each alone', async () => {
		const queries = [
			{ startkey: ['a', 4], endkey: ['a', 20] },
			{ group_level: 1 },
			{ reduce: false, startkey: ['b'], endkey: ['b', {}], limit: 3, skip: 1 },
			{
				keys: [
					['a', 1],
					['b', 3],
					['a', 99]
				],
				group: true
			},
			{ startkey: ['b', 30], endkey: ['a'], descending: true, group: true, inclusive_end: false }
		];
		const alone = await Promise.all(
			queries.map(({ keys, ...params }) =>
				keys
					? call(`/${db}/_design/t/_view/byN${q(params)}`, { method: 'POST', body: { keys } })
					: call(`/${db}/_design/t/_view/byN${q(params)}`)
			)
		);
		const many = await call(`/${db}/_design/t/_view/byN/queries`, {
			method: 'POST',
			body: { queries }
		});
		expect(many).toEqual({ status: 200, body: { results: alone.map((one) => one.body) } });
		expect(alone.every((one) => one.status === 200 && one.body.rows!.length > 0)).toBe(true);
		// The query string's parameters hold for every query, which may override them.
		const both = await call(`/${db}/_design/t/_view/rows/queries?limit=2`, {
			method: 'POST',
			body: { queries: [{}, { limit: 1, descending: true }] }
		});
		expect(both.body.results).toEqual([
			{
				total_rows: 30,
				offset: 0,
				rows: [0, 1].map((n) => ({ id: `d0${n}`, key: n, value: null }))
			},
			{ total_rows: 30, offset: 0, rows: [{ id: 'd29', key: 29, value: null }] }
		]);
		// CouchDB's errors: any bad query refuses the whole request, before any is read.
		const bad = await call(`/${db}/_design/t/_view/byN/queries`, {
			method: 'POST',
			body: { queries: [{}, { group_level: 'x' }] }
		});
		expect([bad.status, bad.body.error]).toEqual([400, 'query_parse_error']);
		const docs = await call(`/${db}/_design/t/_view/byN/queries`, {
			method: 'POST',
			body: { queries: [{ include_docs: true }] }
		});
		expect(docs.body).toEqual({
			error: 'query_parse_error',
			reason: '`include_docs` is invalid for reduce'
		});
		const tooMany = { queries: Array.from({ length: MAX_QUERIES + 1 }, () => ({})) };
		for (const body of [{}, { queries: 'all' }, { queries: [3] }, tooMany]) {
			const res = await call(`/${db}/_design/t/_view/byN/queries`, { method: 'POST', body });
			expect([res.status, res.body.error], JSON.stringify(body).slice(0, 40)).toEqual([
				400,
				'bad_request'
			]);
		}
		const atView = await call(`/${db}/_design/t/_view/byN`, { method: 'POST', body: { queries } });
		expect([atView.status, atView.body.error]).toEqual([400, 'bad_request']);
		const get = await call(`/${db}/_design/t/_view/byN/queries`);
		expect([get.status, get.body.error]).toEqual([405, 'method_not_allowed']);
	});

	test('refuses bad parameters with 400 query_parse_error, missing views with 404', async () => {
		for (const search of ['?limit=-1', '?group_level=x', '?descending=maybe', '?stale=later']) {
			const res = await call(`/${db}/_design/t/_view/byN${search}`);
			expect([res.status, res.body.error], search).toEqual([400, 'query_parse_error']);
		}
		const reversed = await call(`/${db}/_design/t/_view/rows${q({ startkey: 9, endkey: 1 })}`);
		expect(reversed.status).toBe(400);
		const badJson = await call(`/${db}/_design/t/_view/rows?startkey=nope`);
		expect([badJson.status, badJson.body.error]).toEqual([400, 'bad_request']);
		expect((await call(`/${db}/_design/t/_view/none`)).body).toEqual({
			error: 'not_found',
			reason: 'missing_named_view'
		});
		expect((await call(`/${db}/_design/none/_view/rows`)).status).toBe(404);
	});

	test('refuses a key nested deeper than MAX_KEY_DEPTH with 400 query_parse_error', async () => {
		// An outside probe: a startkey 5,000 deep and a POST's keys 100,000 deep were 500s,
		// the collation's stack overflowed.
		const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
		const allowed = await call(`/${db}/_design/t/_view/rows?startkey=${nested(MAX_KEY_DEPTH)}`);
		expect(allowed.status).toBe(200);
		for (const search of [
			`?startkey=${nested(MAX_KEY_DEPTH + 1)}`,
			`?end_key=${nested(5_000)}`,
			`?key=${nested(5_000)}`
		]) {
			const res = await call(`/${db}/_design/t/_view/rows${search}`);
			expect([res.status, res.body.error], search.slice(0, 12)).toEqual([400, 'query_parse_error']);
			expect(res.body.reason).toMatch(/deeper than 100 levels/);
		}
		const keys = await fetch(`${origin}/${db}/_design/t/_view/rows`, {
			method: 'POST',
			headers: { authorization: admin, 'content-type': 'application/json' },
			body: `{"keys": [1, ${nested(100_000)}]}`
		});
		expect([keys.status, await keys.json()]).toEqual([
			400,
			{ error: 'query_parse_error', reason: 'keys nests arrays or objects deeper than 100 levels' }
		]);
	});

	test('leaves a JavaScript reduce to express-pouchdb, and keeps the database to its members', async () => {
		const js = await call(`/${db}/_design/t/_view/js${q({ group: true })}`);
		expect(js.body.rows).toEqual([
			{ key: 'a', value: 20 },
			{ key: 'b', value: 10 }
		]);
		await call(`/${db}/_security`, {
			method: 'PUT',
			body: { admins: { names: [], roles: ['_admin'] }, members: { names: [], roles: ['_admin'] } }
		});
		const anonymous = await call(`/${db}/_design/t/_view/rows`, { auth: null });
		expect([401, 403]).toContain(anonymous.status);
		expect(anonymous.body.rows).toBeUndefined();
	});

	test('lists its indexers in _active_tasks for the admin only', async () => {
		expect(Array.isArray((await call('/_active_tasks')).body)).toBe(true);
		expect((await call('/_active_tasks', { auth: null })).status).toBe(401);
	});

	test('forgets a deleted database: one created again under its name starts from nothing', async () => {
		const name = `${db}-again`;
		const rows = `/${name}/_design/t/_view/rows`;
		await call(`/${name}`, { method: 'PUT' });
		await call(`/${name}/_design/t`, { method: 'PUT', body: DESIGN });
		await call(`/${name}/_bulk_docs`, { method: 'POST', body: { docs: [{ _id: 'x', n: 1 }] } });
		expect((await call(rows)).body.rows).toEqual([{ id: 'x', key: 1, value: null }]);
		expect((await call(`/${name}`, { method: 'DELETE' })).status).toBe(200);
		expect((await call(rows)).status).toBe(404);
		await call(`/${name}`, { method: 'PUT' });
		await call(`/${name}/_design/t`, { method: 'PUT', body: DESIGN });
		await call(`/${name}/_bulk_docs`, { method: 'POST', body: { docs: [{ _id: 'y', n: 2 }] } });
		expect((await call(rows)).body.rows).toEqual([{ id: 'y', key: 2, value: null }]);
	});

	test('rebuilds a changed view in the background while stale reads answer from the previous index', async () => {
		const before = await call(`/${db}/_design/t/_view/rows${q({ limit: 1, descending: true })}`);
		expect(before.body.rows).toEqual([{ id: 'd29', key: 29, value: null }]);
		const current = await call(`/${db}/_design/t`);
		// The new map takes at least 30 × 50 ms to index: the rebuild lasts 1.5 s at the least.
		const slow =
			'function (doc) { var until = Date.now() + 50; while (Date.now() < until) {} if (doc.n !== undefined) emit(doc.n * 10, null); }';
		await call(`/${db}/_design/t`, {
			method: 'PUT',
			body: { ...current.body, views: { ...DESIGN.views, rows: { map: slow } } }
		});
		const stale = await call(
			`/${db}/_design/t/_view/rows${q({ limit: 1, descending: true, stale: 'ok' })}`
		);
		expect(stale.body.rows).toEqual([{ id: 'd29', key: 29, value: null }]);
		const fresh = await call(`/${db}/_design/t/_view/rows${q({ limit: 1, descending: true })}`);
		expect(fresh.body.rows).toEqual([{ id: 'd29', key: 290, value: null }]);
		const after = await call(
			`/${db}/_design/t/_view/rows${q({ limit: 1, descending: true, stale: 'ok' })}`
		);
		expect(after.body.rows).toEqual([{ id: 'd29', key: 290, value: null }]);
	});
});

describe('design documents of the same views', () => {
	test('share one index: a copy over the live document answers from it at once, and deleting the copy keeps it', async () => {
		const rows = (ddoc: string, params: Record<string, unknown>) =>
			call(`/${db}/_design/${ddoc}/_view/rows${q({ limit: 1, descending: true, ...params })}`);
		// Indexing the new map takes at least 30 × 50 ms: a rebuild lasts 1.5 s at the least.
		const slow =
			'function (doc) { var until = Date.now() + 50; while (Date.now() < until) {} if (doc.n !== undefined) emit(doc.n * 100, null); }';
		const views = { ...DESIGN.views, rows: { map: slow } };
		await call(`/${db}/_design/shared-next`, { method: 'PUT', body: { views } });
		// A read that waits: the staged document's index is built.
		expect((await rows('shared-next', {})).body.rows).toEqual([
			{ id: 'd29', key: 2900, value: null }
		]);
		const live = await call(`/${db}/_design/shared`, {
			method: 'PUT',
			body: { views: DESIGN.views }
		});
		expect((await rows('shared', {})).body.rows).toEqual([{ id: 'd29', key: 29, value: null }]);

		// The copy: a rebuild would answer stale reads from the previous index (key 29).
		await call(`/${db}/_design/shared`, {
			method: 'PUT',
			body: { _rev: live.body.rev, views }
		});
		expect((await rows('shared', { stale: 'ok' })).body.rows).toEqual([
			{ id: 'd29', key: 2900, value: null }
		]);
		const staged = await call(`/${db}/_design/shared-next`);
		await call(`/${db}/_design/shared-next?rev=${staged.body._rev}`, { method: 'DELETE' });
		await call(`/${db}/_bulk_docs`, {
			method: 'POST',
			body: { docs: [{ _id: 'e00', g: 'a', n: 30 }] }
		});
		// Still that index, following the database: the new document within one build's time.
		expect((await rows('shared', {})).body.rows).toEqual([{ id: 'e00', key: 3000, value: null }]);
		const tasks = (await call('/_active_tasks')).body as unknown as { design_document: string }[];
		expect(tasks.filter((t) => t.design_document === '_design/shared-next')).toEqual([]);
	});
});
