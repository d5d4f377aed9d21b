/**
 * Test support for the view store's unit tests (batch.test.ts, levels.test.ts): stores in
 * temporary directories, a byte-for-byte dump of an index, a seeded integer source, and
 * PouchDB in memory as the document side of an engine.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBatch, type Change } from './batch';
import type { PouchConstructor } from './engine';
import type { ReducerName } from './reducers';
import { rowsFromStart } from './rows';
import { MapSandbox } from './sandbox';
import { indexRange, openViewStore, type IndexMeta, type Level } from './store';

const opened: { store: Level; dir: string }[] = [];

/** Opens a view store in a new temporary directory (closed by {@link closeTempStores}). */
export async function openTempStore(): Promise<Level> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-views-'));
	const store = await openViewStore(dir);
	opened.push({ store, dir });
	return store;
}

/** Closes and deletes every store {@link openTempStore} opened (an `afterEach`). */
export async function closeTempStores(): Promise<void> {
	for (const { store, dir } of opened.splice(0)) {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * A new empty index (id 1) of `views` in a temporary store, with their sandbox.
 * @param lazy Keep group levels on demand (levels.ts), as new indexes do; otherwise every
 *   level, as indexes made before that do.
 * @param lazyRows Keep the map rows of `_count` and `_sum` views on demand (rows.ts), as
 *   new indexes do; otherwise every row, as indexes made before that do.
 */
export async function newTestIndex(
	views: readonly { name: string; map: string; reducer: ReducerName }[],
	lazy = false,
	lazyRows = false
): Promise<{ store: Level; meta: IndexMeta; sandbox: MapSandbox }> {
	const store = await openTempStore();
	const meta: IndexMeta = {
		id: 1,
		db: 'db',
		ddoc: '_design/d',
		signature: 'test',
		views: views.map((view) => ({
			...view,
			rows: 0,
			depths: [],
			maxDepth: 0,
			...(lazy ? { levels: {} } : {}),
			...(lazyRows ? { rowsKept: rowsFromStart(view.reducer) } : {})
		})),
		includeDesign: false,
		seq: 0,
		state: 'building'
	};
	return { store, meta, sandbox: new MapSandbox(meta.views) };
}

/** Writes changes to a test index as one batch, its checkpoint their last sequence. */
export function writeChanges(
	index: { store: Level; meta: IndexMeta; sandbox: MapSandbox },
	changes: Change[]
): Promise<unknown> {
	return writeBatch(index.store, index.meta, index.sandbox, changes, changes.at(-1)!.seq, () => {});
}

/** Everything an index stores, as `<key hex> <value>` lines in key order. */
export async function dumpIndex(store: Level, id: number): Promise<string[]> {
	const out: string[] = [];
	for await (const [key, value] of store.iterator({ ...indexRange(id), keyEncoding: 'buffer' })) {
		out.push(`${(key as unknown as Buffer).toString('hex')} ${value}`);
	}
	return out;
}

/** A seeded source of integers in [0, n) (a linear congruential generator). */
export function seededInts(seed: number): (n: number) => number {
	let state = seed;
	return (n) => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state % n;
	};
}

const require = createRequire(import.meta.url);

/** What tests do with a database of {@link memoryPouch}. */
export interface MemoryDatabase {
	put(doc: Record<string, unknown>): Promise<{ rev: string }>;
	bulkDocs(docs: Record<string, unknown>[]): Promise<unknown>;
	allDocs(
		options: Record<string, unknown>
	): Promise<{ rows: { id: string; value: { rev: string } }[] }>;
	destroy(): Promise<unknown>;
}

/**
 * PouchDB keeping its databases in memory, with `allDbs` (which the engine lists
 * databases with): the document side of an engine or a design cache in a unit test.
 */
export function memoryPouch(): { new (name: string): MemoryDatabase } & PouchConstructor {
	const PouchDB = require('pouchdb');
	PouchDB.plugin(require('pouchdb-adapter-memory'));
	const Pouch = PouchDB.defaults({ adapter: 'memory' });
	require('pouchdb-all-dbs')(Pouch);
	return Pouch;
}
