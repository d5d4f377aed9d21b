import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { startEmbeddedCouch } from './server';
import { STORE_DIRS } from './owner-only';
import { TABLES_OPEN } from './tables';

const require = createRequire(import.meta.url);
// The same modules the store loads: the view store's and PouchDB's leveldb bindings.
const { ClassicLevel } = require('classic-level');
const leveldown = require('leveldown');

const dirs: string[] = [];
afterEach(() => {
	vi.restoreAllMocks();
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
	const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-tables-')));
	dirs.push(dir);
	return dir;
}

/** Table files of `dir` mapped into this process now (Linux's `/proc/self/maps`). */
function mappedTables(dir: string): number {
	const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n');
	return new Set(maps.filter((line) => line.endsWith('.ldb') && line.includes(dir + path.sep)))
		.size;
}

/** A leveldb open with some options, as far as this test uses it. */
interface Store {
	batch(entries: [string, string][]): Promise<void>;
	keys(): AsyncIterable<unknown>;
	close(): Promise<void>;
}

async function openClassic(dir: string, options: object): Promise<Store> {
	const db = new ClassicLevel(dir, options);
	await db.open();
	return {
		batch: (entries) => db.batch(entries.map(([key, value]) => ({ type: 'put', key, value }))),
		keys: () => db.keys(),
		close: () => db.close()
	};
}

async function openLeveldown(dir: string, options: object): Promise<Store> {
	const db = leveldown(dir);
	const call = (method: string, ...args: unknown[]) =>
		new Promise<void>((resolve, reject) =>
			db[method](...args, (err?: Error) => (err ? reject(err) : resolve()))
		);
	await call('open', options);
	return {
		batch: (entries) =>
			call(
				'batch',
				entries.map(([key, value]) => ({ type: 'put', key, value }))
			),
		keys: () => db.iterator({ values: false }),
		close: () => call('close')
	};
}

/**
 * Writes `tables` table files under `options` with a 64 KB write buffer (each batch of
 * ascending keys fills the buffer once, and leveldb writes its flush below level 0,
 * where nothing merges it), then reads every key: returns the tables on disk and how
 * many stayed mapped.
 */
async function mappedAfterReadingAll(
	open: (dir: string, options: object) => Promise<Store>,
	options: object,
	tables: number
) {
	const dir = tempDir();
	const db = await open(dir, { ...options, writeBufferSize: 64 * 1024 });
	for (let t = 0; t < tables; t++) {
		const entries: [string, string][] = [];
		for (let i = 0; i < 50; i++) {
			entries.push([`${String(t).padStart(4, '0')}-${i}`, randomBytes(1500).toString('base64')]);
		}
		await db.batch(entries);
	}
	let keys = 0;
	for await (const _ of db.keys()) keys++;
	const result = {
		keys,
		onDisk: fs.readdirSync(dir).filter((file) => file.endsWith('.ldb')).length,
		mapped: mappedTables(dir)
	};
	await db.close();
	return result;
}

test.skipIf(!fs.existsSync('/proc/self/maps'))(
	`every leveldb the store opens keeps at most ${TABLES_OPEN} table files mapped, however many it reads`,
	async () => {
		// The options a store on disk opens its leveldbs with, as the bindings get them: the
		// view store's (classic-level) and the first of PouchDB's databases (leveldown).
		const viewOpens = vi.spyOn(ClassicLevel.prototype, '_open');
		const documentOpens = vi.spyOn(leveldown.prototype, '_open');
		const dataDir = tempDir();
		const store = await startEmbeddedCouch({ dataDir });
		await store.close();
		// The view store's, not the data directory's lock (server.ts), which holds no tables.
		const views = viewOpens.mock.contexts.findIndex((db) =>
			(db as { location: string }).location.startsWith(path.join(dataDir, STORE_DIRS.views))
		);
		const opened: [typeof openClassic, object][] = [
			[openClassic, viewOpens.mock.calls[views]?.[0] as object],
			[openLeveldown, documentOpens.mock.calls[0]?.[0] as object]
		];
		vi.restoreAllMocks();
		expect(opened.map(([, options]) => typeof options)).toEqual(['object', 'object']);

		const tables = TABLES_OPEN + 40;
		for (const [open, options] of opened) {
			const { keys, onDisk, mapped } = await mappedAfterReadingAll(open, options, tables);
			expect(keys).toBe(tables * 50);
			expect(onDisk).toBeGreaterThan(TABLES_OPEN);
			expect(mapped).toBeLessThanOrEqual(TABLES_OPEN);
		}
	}
);
