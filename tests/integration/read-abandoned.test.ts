/**
 * A view request whose client leaves mid-read, on the real embedded store over HTTP (in
 * this process, so the engine's `readCounts` show its work): the store stops reading at
 * its next store round trip, closes its iterators, answers and logs nothing for it, and
 * answers the next requests as before. A `GET`, a `POST` (whose request has closed once
 * its body was read, long before its answer) and a `…/queries` request.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { CHUNK, readCounts } from '../../src/lib/server/embedded/views/reader';
import { closeTempStores, startTempStore } from '../../src/lib/server/embedded/test-store';

/** Documents: a full read of the view takes about 80 store round trips. */
const DOCS = 20_000;
let origin = '';
let auth = '';
let VIEW = '';
const logged = {
	warn: vi.spyOn(console, 'warn'),
	error: vi.spyOn(console, 'error')
};

beforeAll(async () => {
	const store = await startTempStore({ memory: true });
	({ origin, admin: auth } = store);
	// PouchDB's memory adapter keeps a database by name for the whole process.
	const db = `abandoned-${path.basename(store.dataDir).slice(-6).toLowerCase()}`;
	VIEW = `/${db}/_design/d/_view/rows`;
	expect((await store.call('PUT', `/${db}`)).status).toBe(201);
	const ddoc = { views: { rows: { map: 'function (doc) { emit(doc.n, null); }' } } };
	expect((await store.call('PUT', `/${db}/_design/d`, ddoc)).status).toBe(201);
	for (let first = 0; first < DOCS; first += 5_000) {
		const docs = Array.from({ length: 5_000 }, (_, i) => ({ _id: `d${first + i}`, n: first + i }));
		expect((await store.call('POST', `/${db}/_bulk_docs`, { docs })).status).toBe(201);
	}
	expect((await store.call('GET', `${VIEW}?limit=0`)).status).toBe(200);
	logged.warn.mockClear();
	logged.error.mockClear();
}, 120_000);

afterAll(async () => {
	await closeTempStores();
	vi.restoreAllMocks();
});

const REQUESTS = [
	{ label: 'GET', path: () => `${VIEW}?reduce=false`, rows: [DOCS] },
	{ label: 'POST', path: () => VIEW, body: { reduce: false }, rows: [DOCS] },
	{
		label: 'POST …/queries',
		path: () => `${VIEW}/queries`,
		body: { queries: [{ reduce: false }, { reduce: false, descending: true }] },
		rows: [DOCS, DOCS]
	}
];

function send(request: (typeof REQUESTS)[number], signal?: AbortSignal) {
	return fetch(origin + request.path(), {
		method: request.body ? 'POST' : 'GET',
		headers: { authorization: auth, 'content-type': 'application/json' },
		body: request.body && JSON.stringify(request.body),
		signal
	});
}

/** The rows of each answer of a request. */
async function rowCounts(request: (typeof REQUESTS)[number]): Promise<number[]> {
	const res = await send(request);
	expect(res.status).toBe(200);
	const body = (await res.json()) as { rows?: unknown[]; results?: { rows: unknown[] }[] };
	return (body.results ?? [body]).map((answer) => answer.rows!.length);
}

test.each(REQUESTS)(
	'a $label view request whose client leaves mid-read stops reading, and the next are answered',
	async (request) => {
		const [entries, abandoned] = [readCounts.entries, readCounts.abandoned];
		const left = new AbortController();
		const sent = send(request, left.signal);
		sent.catch(() => undefined);
		const poll = { timeout: 30_000, interval: 0 };
		// Under way: it has read a few round trips.
		await vi.waitFor(() => expect(readCounts.entries - entries).toBeGreaterThan(2 * CHUNK), poll);
		left.abort();
		await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
		// It has stopped once it holds no iterator (a read that went on holds one to its end).
		await vi.waitFor(() => expect(readCounts.iterators).toBe(0), poll);
		const read = readCounts.entries - entries;
		expect(read).toBeLessThan(DOCS / 2);
		await vi.waitFor(() => expect(readCounts.abandoned).toBe(abandoned + 1), poll);
		expect(readCounts.entries - entries).toBe(read);

		expect(await rowCounts(request)).toEqual(request.rows);
		expect(await rowCounts(REQUESTS[0])).toEqual([DOCS]);
		expect(logged.warn).not.toHaveBeenCalled();
		expect(logged.error).not.toHaveBeenCalled();
	}
);
