/**
 * Reads first (schedule.ts), on the real embedded store in memory, over HTTP: while a
 * read is in flight a catch-up makes no progress beyond the batch it was writing, and
 * a read held in flight for good still lets it finish (the wait is bounded).
 *
 * A read is known to be in flight at the store without timing: it is a `POST` sent
 * with `Expect: 100-continue` and its body held back; Node's server calls its handler
 * in the same turn as it answers `100 Continue`, so once the client sees that answer
 * the store counts the read, until the body is sent and the read answered.
 */
import http from 'node:http';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { closeTempStores, startTempStore } from '../test-store';

const DOCS = 2_000;
/**
 * The index's batch: a catch-up of 20 batches, as many as the store's default batch
 * (1,000) makes of 20,000 documents, which took this file 30–50 s a test at load 25–35
 * (a unit test's limit is 30 s) for no more of what it shows.
 */
const BATCH = 100;
// PouchDB's memory adapter keeps a database by name for the whole process.
let DB = '';
let VIEW = '';

afterEach(closeTempStores);

/**
 * A store in memory holding {@link DOCS} documents its `_count` view has not indexed yet,
 * indexing {@link BATCH} at a time.
 */
async function storeBehind(readWaitMs: number) {
	const store = await startTempStore({ memory: true, readWaitMs, viewBatchSize: BATCH });
	const { origin, admin: auth, call, dataDir } = store;
	DB = `reads-first-${path.basename(dataDir).slice(-6).toLowerCase()}`;
	VIEW = `/${DB}/_design/d/_view/n`;
	expect((await call('PUT', `/${DB}`)).status).toBe(201);
	const ddoc = { views: { n: { map: 'function (doc) { emit(doc.n, 1); }', reduce: '_count' } } };
	expect((await call('PUT', `/${DB}/_design/d`, ddoc)).status).toBe(201);
	// The index exists (and is up to date) before the documents come.
	expect((await call('GET', VIEW)).status).toBe(200);
	const docs = Array.from({ length: DOCS }, (_, n) => ({ _id: `doc-${n}`, n }));
	expect((await call('POST', `/${DB}/_bulk_docs`, { docs })).status).toBe(201);
	const { update_seq } = (await call('GET', `/${DB}`)).body as { update_seq: number };
	/** The index's sequence, read `stale=ok`. */
	const indexedSeq = async () =>
		(await call('GET', `${VIEW}?stale=ok&limit=0&update_seq=true`)).body.update_seq as number;
	return { origin, auth, call, indexedSeq, dbSeq: update_seq };
}

/** A view read the store counts in flight until `finish` sends its body. */
function heldRead(origin: string, auth: string) {
	const body = '{}';
	const req = http.request(`${origin}${VIEW}?stale=ok&reduce=false&limit=1&update_seq=true`, {
		method: 'POST',
		headers: {
			authorization: auth,
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
			expect: '100-continue'
		}
	});
	const arrived = new Promise<void>((resolve) => req.once('continue', resolve));
	const answer = new Promise<{ status: number; body: { update_seq: number } }>(
		(resolve, reject) => {
			req.once('error', reject);
			req.once('response', (res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (text += chunk));
				res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
			});
		}
	);
	req.flushHeaders();
	return {
		arrived,
		finish() {
			req.end(body);
			return answer;
		}
	};
}

test('while a read is in flight, a catch-up writes at most the batch it was in', async () => {
	// The wait for reads never runs out in this test.
	const { origin, auth, call, indexedSeq, dbSeq } = await storeBehind(600_000);
	const start = await indexedSeq();
	// The catch-up is under way: a batch has been written since.
	while ((await indexedSeq()) === start);

	const held = heldRead(origin, auth);
	await held.arrived;
	const seen: number[] = [];
	for (let i = 0; i < 200; i++) seen.push(await indexedSeq());
	const answer = await held.finish();
	expect(answer.status).toBe(200);
	seen.push(answer.body.update_seq);
	// At most one batch (the one being written when the read arrived) committed meanwhile,
	// and the catch-up was not over.
	expect(new Set(seen).size).toBeLessThanOrEqual(2);
	expect(Math.max(...seen)).toBeLessThan(dbSeq);

	// Once no read is in flight it goes on; a read waiting for it does not hold it back.
	const done = await call('GET', VIEW);
	expect(done.body.rows).toEqual([{ key: null, value: DOCS }]);
});

test('a read held in flight for good slows a catch-up down but cannot stop it', async () => {
	const { origin, auth, call, dbSeq } = await storeBehind(20);
	const held = heldRead(origin, auth);
	await held.arrived;
	// update=true: answered once the index has caught up, while the held read is in flight.
	const done = await call('GET', VIEW);
	expect(done.body.rows).toEqual([{ key: null, value: DOCS }]);
	const answer = await held.finish();
	expect(answer.status).toBe(200);
	expect(answer.body.update_seq).toBe(dbSeq);
});
