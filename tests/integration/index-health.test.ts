/**
 * `/healthz` while the embedded store's view engine cannot write its index (recheck20
 * F6), on the built app with a real failure: the store process's files may not grow
 * (`prlimit --fsize`, which fails a write past the limit with EFBIG as a full disk fails
 * it with ENOSPC), so the database still takes a document while its index's batch
 * fails. `/healthz` answers 503 naming the cause once the index failed its last
 * attempts, and 200 again once a batch is written; the same for an index whose first
 * write, its creation, fails, before any indexer exists to count its attempts. Linux,
 * with util-linux's `prlimit`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RunningApp } from '../support/app';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecord, SITES_DESIGN } from '../../src/lib/server/accounts/sites';
import { entryPageview, uuidv7At } from '../support/golden';
import { embeddedOnly, indexed, startApp, storeOf, storeRecords } from './harness';

const test = embeddedOnly('the view engine is the embedded store’s');
let app: RunningApp;
let couch: Couch;
let store = 0;

beforeAll(async () => {
	app = await startApp();
	couch = createCouch(app.couchUrl!, app.prefix);
	store = storeOf(app);
	// Records whose index makes the view store's log longer than the sites database's.
	const at = Date.UTC(2026, 10, 3, 12);
	await storeRecords(
		couch,
		Array.from({ length: 200 }, (_, n) =>
			entryPageview('demo', at + n * 1000, n, uuidv7At(at, 0x1000 + n), `/page-${n}`)
		)
	);
	await indexed(couch);
	// The sites database's index, which its first read makes.
	await couch.sites.view(SITES_DESIGN, 'accounts', { key: 'admin' });
});
afterAll(async () => {
	if (store) fileSizeLimit(store, 'unlimited');
	expect(await app?.stop()).toBe(0);
});

/** Sets the store process's limit of a file's size (bytes, or `unlimited`). */
function fileSizeLimit(pid: number, limit: number | 'unlimited') {
	// The soft limit only: a process may raise it again up to its hard limit.
	execFileSync('prlimit', ['--pid', String(pid), `--fsize=${limit}:unlimited`]);
}

/** The view store's log, which every index batch appends to. */
function viewsLog(): string {
	const dir = path.join(app.dataDir, 'views');
	const logs = fs
		.readdirSync(dir)
		.filter((name) => name.endsWith('.log'))
		.map((name) => path.join(dir, name));
	return logs.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

/** `/healthz`'s status and body once `done` says so, asked every 200 ms for up to `ms`. */
async function healthUntil(done: (status: number) => boolean, ms: number) {
	const deadline = Date.now() + ms;
	for (;;) {
		const res = await fetch(`${app.url}/healthz`);
		const answer = { status: res.status, body: await res.json() };
		if (done(answer.status) || Date.now() > deadline) return answer;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/**
 * Waits for `/healthz` to answer 503 naming the index of `db`'s design document `ddoc`
 * that cannot be written, and answers that.
 */
async function expectFailing(db: string, ddoc: string) {
	const failing = await healthUntil((status) => status === 503, 15_000);
	const reason = `^the view index of ${db}/${ddoc} failed its last \\d+ attempts: .*File too large`;
	expect(failing).toEqual({
		status: 503,
		body: { ok: false, couchdb: 'error', reason: expect.stringMatching(new RegExp(reason)) }
	});
	return failing;
}

/** Waits for `/healthz` to answer 200 again once the store may write. */
async function expectHealthy() {
	fileSizeLimit(store, 'unlimited');
	expect(await healthUntil((status) => status === 200, 30_000)).toEqual({
		status: 200,
		body: { ok: true, couchdb: 'ok' }
	});
}

test('/healthz answers 503 naming the index that cannot be written, and 200 once it is again', async () => {
	expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	// No file of the store may grow past the view store's log: its next batch fails.
	fileSizeLimit(store, fs.statSync(viewsLog()).size);
	await couch.sites.insert(
		siteRecord({ id: 'after-full', name: 'After', hostnames: [], timeZone: 'UTC' }, ['admin'], 1)
	);
	const failing = await expectFailing('couchstats-sites', '_design/stats');
	// Without the store's file paths: the endpoint answers anyone.
	expect(failing.body.reason).not.toContain(app.dataDir);

	await expectHealthy();
	// The index caught up: the site it could not write is in it.
	const { rows } = await couch.sites.view(SITES_DESIGN, 'accounts', {
		key: 'admin'
	});
	expect(rows.map((row) => row.id)).toContain('site:after-full');
});

test('an index that cannot be created at its first read is listed the same: 503 naming it, and 200 once it is made', async () => {
	expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	const name = `${app.prefix}-fresh`;
	await couch.server.db.create(name);
	const fresh = couch.server.use(name);
	await fresh.insert({ _id: 'a' } as never);
	await fresh.insert({
		_id: '_design/fresh',
		views: { n: { map: 'function (doc) { emit(doc._id, null); }' } }
	} as never);
	fileSizeLimit(store, fs.statSync(viewsLog()).size);
	// Its first read makes the index, whose first write fails.
	expect(await fresh.view('fresh', 'n').catch((e) => e.statusCode)).toBe(500);
	await expectFailing(name, '_design/fresh');

	// Tried again without another read: once the store may write, the index is made.
	await expectHealthy();
	expect((await fresh.view('fresh', 'n')).rows).toEqual([{ id: 'a', key: 'a', value: null }]);
});
