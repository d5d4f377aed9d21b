/**
 * Crash safety of the embedded store's view engine: the store runs alone as a process
 * (`npm run couch`, on disk), indexes 10k records in the suite (`COUCHSTATS_CRASH_RECORDS`
 * sets the size: `COUCHSTATS_CRASH_RECORDS=100000` for the issue's 100k), and is
 * killed with SIGKILL twice in the middle of catching up. After the last restart every
 * view of `_design/stats` must hold exactly the rows and reductions that the records
 * give: nothing counted twice, nothing missed. The expected values are computed here
 * from the records with the views' own map functions and a plain reduce, independently
 * of the engine. `group_level=3` reads early in the catch-up make the engine keep that
 * group level (views/levels.ts), and `offset` reads make it build each view's fences
 * (views/fences.ts), so both are built and kept up to date while the store is killed; at
 * the end each view's `group_level=3` groups and the offsets of keys spread over each
 * view must be exact too. `reduce=false` reads of a row make it build the map rows of its
 * `_count` and `_sum` views (views/rows.ts), whose rows of those keys must be exact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { collate } from 'pouchdb-collate';
import { afterAll, describe, expect, test } from 'vitest';
import { evaluateDesignFile, findCouchdbDir } from '../../src/lib/server/boot/design-docs';
import type { StoredRecord } from '../../src/lib/records';
import { STATS_PROBE_VIEW } from '../../src/lib/server/stats/view-reader';
import { referenceReduce } from '../support/reduce-model';
import { syntheticRecords } from '../support/synthetic';
import { tempDir } from './harness';

const RECORDS = Number(process.env.COUCHSTATS_CRASH_RECORDS ?? 10_000);
/** The group level read during the catch-up and checked at the end. */
const GROUP_LEVEL = 3;
const root = path.resolve(import.meta.dirname, '..', '..');
const dataDir = tempDir('couchstats-crash-');
const prefix = 'crash';
let child: ChildProcess | undefined;

afterAll(() => {
	child?.kill('SIGKILL');
	fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm run couch` on the data directory; resolves once it serves. */
async function startStore(): Promise<{ origin: string; auth: string }> {
	const started = spawn(process.execPath, ['--import', 'tsx', 'scripts/couch.ts'], {
		cwd: root,
		env: {
			...process.env,
			COUCHDB_URL: '',
			COUCHSTATS_DATA_DIR: dataDir,
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_PASSWORD: 'crash-test-password'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child = started;
	let output = '';
	await new Promise<void>((resolve, reject) => {
		started.stdout!.on('data', (chunk) => {
			output += chunk;
			if (output.includes('press Ctrl-C')) resolve();
		});
		started.stderr!.on('data', (chunk) => (output += chunk));
		started.once('exit', (code) => reject(new Error(`the store exited (${code}): ${output}`)));
	});
	const { port } = JSON.parse(fs.readFileSync(path.join(dataDir, 'couchdb-running.json'), 'utf8'));
	const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'couchdb-admin.json'), 'utf8'));
	return {
		origin: `http://127.0.0.1:${port}`,
		auth: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`
	};
}

async function stopStore(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') {
	const stopped = child!;
	const exited = new Promise((resolve) => stopped.once('exit', resolve));
	stopped.kill(signal);
	await exited;
	child = undefined;
}

/**
 * Writes the records straight into the stopped store's events database (PouchDB on the
 * same leveldb directory): the same documents as through `_bulk_docs`, without its
 * per-document `validate_doc_update`, which would make seeding the slowest step.
 */
async function seed(records: StoredRecord[]) {
	const PouchDB = createRequire(import.meta.url)('pouchdb');
	const db = new PouchDB(path.join(dataDir, 'db', `${prefix}-events`));
	for (let i = 0; i < records.length; i += 5_000) {
		const results = await db.bulkDocs(records.slice(i, i + 5_000), { new_edits: false });
		expect(results.filter((r: { error?: string }) => r.error)).toEqual([]);
	}
	await db.close();
}

async function request(store: { origin: string; auth: string }, pathname: string, body?: unknown) {
	const res = await fetch(store.origin + pathname, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { authorization: store.auth, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves once an indexer of the events database has done `fraction` of the records. */
async function progressed(store: { origin: string; auth: string }, fraction: number) {
	for (;;) {
		const { body } = await request(store, '/_active_tasks');
		const tasks = body as unknown as {
			database: string;
			changes_done: number;
			total_changes: number;
		}[];
		const task = tasks.find((t) => t.database === `${prefix}-events`);
		if (task && task.changes_done >= fraction * task.total_changes) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Resolves once the index is up to date (a read the store may answer with 500 timeout). */
async function caughtUp(store: { origin: string; auth: string }) {
	for (;;) {
		const res = await request(
			store,
			`/${prefix}-events/_design/stats/_view/${STATS_PROBE_VIEW}?limit=0`
		);
		if (res.status === 200) return;
		expect(res.body.error).toBe('timeout');
	}
}

/**
 * Each view's rows and grouped reductions, computed from the records. Every view has a
 * built-in reduce (couchdb/events/stats.test.ts requires it), so every view is grouped.
 */
function expected(records: StoredRecord[]) {
	const dir = path.join(findCouchdbDir(), 'events', 'views');
	const views: Record<
		string,
		{
			rows: number;
			groups: Map<string, unknown>;
			level: Map<string, unknown>;
			/** Rows per key, in key order. */
			counts: [unknown, number][];
		}
	> = {};
	for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.js'))) {
		const name = file.replace(/\.js$/, '');
		const { map, reduce } = evaluateDesignFile(
			fs.readFileSync(path.join(dir, file), 'utf8'),
			file
		) as {
			map: (doc: unknown) => void;
			reduce: string;
		};
		const values = new Map<string, unknown[]>();
		let rows = 0;
		const emit = (key: unknown, value: unknown) => {
			rows++;
			const json = JSON.stringify(key);
			let list = values.get(json);
			if (!list) values.set(json, (list = []));
			list.push(value);
		};
		const run = new Function('emit', `return (${map.toString()})`)(emit) as (doc: unknown) => void;
		for (const record of records) run(JSON.parse(JSON.stringify(record)));
		const groups = new Map<string, unknown>();
		const byLevel = new Map<string, unknown[]>();
		for (const [json, list] of values) {
			groups.set(json, referenceReduce(reduce, list));
			const key: unknown = JSON.parse(json);
			const prefix = Array.isArray(key) ? JSON.stringify(key.slice(0, GROUP_LEVEL)) : json;
			let members = byLevel.get(prefix);
			if (!members) byLevel.set(prefix, (members = []));
			for (const value of list) members.push(value);
		}
		const level = new Map(
			[...byLevel].map(([json, list]) => [json, referenceReduce(reduce, list)])
		);
		const counts = [...values]
			.map(([json, list]): [unknown, number] => [JSON.parse(json), list.length])
			.sort((a, b) => collate(a[0], b[0]));
		views[name] = { rows, groups, level, counts };
	}
	return views;
}

/**
 * `got` with a `_stats` sum of squares within 1e-12 of the expected one replaced by it:
 * squares of timestamps exceed 2^53, and their sum depends on the order of addition.
 */
function comparable(got: unknown, want: unknown): unknown {
	const a = got as { sumsqr?: number } | undefined;
	const b = want as { sumsqr?: number };
	if (a?.sumsqr === undefined || b.sumsqr === undefined) return got;
	const close = Math.abs(a.sumsqr - b.sumsqr) <= 1e-12 * Math.abs(b.sumsqr);
	return close ? { ...a, sumsqr: b.sumsqr } : got;
}

describe('the view engine killed in the middle of indexing', () => {
	test(`ends with exactly the numbers of ${RECORDS} records, nothing twice, nothing missed`, async () => {
		const records = syntheticRecords({ n: RECORDS, seed: 9 });
		// Computed before any connection to the store is open: it blocks the event loop (23 s
		// for 100k records at a load average of 7), and when that outlasts the store's 65 s
		// keep-alive, the next request reuses a socket the store has closed.
		const views = expected(records);
		// A first start sets up the databases and design documents.
		await startStore();
		await stopStore('SIGTERM');
		await seed(records);
		// Indexing starts with the store (a design document without an index); kill the
		// store twice while it catches up.
		let store = await startStore();
		// Reads that need group level 3 of every view: the engine starts keeping it.
		await progressed(store, 0.1);
		for (const name of Object.keys(views)) {
			const read = `/${prefix}-events/_design/stats/_view/${name}?group_level=${GROUP_LEVEL}&stale=ok`;
			expect((await request(store, read)).status, name).toBe(200);
			// An offset: the engine starts building the view's fences (views/fences.ts).
			const key = encodeURIComponent(JSON.stringify(views[name].counts[0]?.[0] ?? null));
			const offset = `/${prefix}-events/_design/stats/_view/${name}?reduce=false&limit=0&startkey=${key}&stale=ok`;
			expect((await request(store, offset)).status, name).toBe(200);
			// A row: the engine starts building the rows of a _count or _sum view (views/rows.ts).
			const row = `/${prefix}-events/_design/stats/_view/${name}?reduce=false&limit=1&stale=ok`;
			expect((await request(store, row)).status, name).toBe(200);
		}
		await progressed(store, 0.3);
		await stopStore();
		store = await startStore();
		await progressed(store, 0.3);
		await stopStore();
		store = await startStore();
		await caughtUp(store);

		for (const [name, want] of Object.entries(views)) {
			const base = `/${prefix}-events/_design/stats/_view/${name}`;
			const total = await request(store, `${base}?reduce=false&limit=0`);
			expect(total.body.total_rows, name).toBe(want.rows);
			const grouped = await request(store, `${base}?group=true`);
			const rows = grouped.body.rows as { key: unknown; value: unknown }[];
			expect(rows.length, name).toBe(want.groups.size);
			for (let i = 1; i < rows.length; i++) {
				expect(collate(rows[i - 1].key, rows[i].key), name).toBeLessThan(0);
			}
			const got = new Map(rows.map((row) => [JSON.stringify(row.key), row.value]));
			for (const [key, value] of want.groups) {
				expect(comparable(got.get(key), value), `${name} ${key}`).toEqual(value);
			}
			// Offsets (fences kept through the kills): the rows before a key in each direction.
			for (let i = 0; i < want.counts.length; i += Math.ceil(want.counts.length / 7)) {
				const key = encodeURIComponent(JSON.stringify(want.counts[i][0]));
				const before = want.counts.slice(0, i).reduce((sum, [, n]) => sum + n, 0);
				const after = want.rows - before - want.counts[i][1];
				const up = await request(store, `${base}?reduce=false&limit=0&startkey=${key}`);
				const down = `${base}?reduce=false&limit=0&descending=true&startkey=${key}`;
				expect(
					[up.body.offset, (await request(store, down)).body.offset],
					`${name} ${key}`
				).toEqual([before, after]);
				// Rows (built through the kills): the key's rows, each once.
				const keyed = await request(store, `${base}?reduce=false&key=${key}`);
				expect((keyed.body.rows as unknown[]).length, `${name} ${key}`).toBe(want.counts[i][1]);
			}
			const leveled = await request(store, `${base}?group_level=${GROUP_LEVEL}`);
			const levelRows = leveled.body.rows as { key: unknown; value: unknown }[];
			expect(levelRows.length, name).toBe(want.level.size);
			for (const row of levelRows) {
				const value = want.level.get(JSON.stringify(row.key));
				expect(comparable(row.value, value), `${name} ${JSON.stringify(row.key)}`).toEqual(value);
			}
		}
	}, 1_800_000);
});
