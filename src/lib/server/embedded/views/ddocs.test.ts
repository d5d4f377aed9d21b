import { afterEach, expect, test, vi } from 'vitest';
import { DesignCache, type DesignSource } from './ddocs';
import { memoryPouch } from './test-index';

const MemoryPouch = memoryPouch();

type Database = DesignSource & {
	put(doc: Record<string, unknown>): Promise<{ rev: string }>;
	remove(id: string, rev: string): Promise<unknown>;
	bulkDocs(docs: Record<string, unknown>[]): Promise<unknown>;
	destroy(): Promise<unknown>;
};

let db: Database | undefined;
let n = 0;
afterEach(async () => {
	await db?.destroy();
	db = undefined;
});

async function database(): Promise<Database> {
	db = new MemoryPouch(`design-cache-${++n}`) as unknown as Database;
	return db;
}

const DESIGN = { _id: '_design/d', views: { v: { map: 'function (doc) { emit(doc.n); }' } } };

test('reads an unchanged design document once, and again after every change to it', async () => {
	const db = await database();
	const first = await db.put(DESIGN);
	const cache = new DesignCache();
	const get = vi.spyOn(db, 'get');
	await cache.read('db', db, '_design/d');
	// The first read opens the way to revision trees; the second is the one kept.
	const kept = await cache.read('db', db, '_design/d');
	expect(get).toHaveBeenCalledTimes(2);
	for (let i = 0; i < 3; i++) expect(await cache.read('db', db, '_design/d')).toBe(kept);
	expect(get).toHaveBeenCalledTimes(2);

	const edited = { ...DESIGN, _rev: first.rev, views: { w: { map: 'function (doc) {}' } } };
	const second = await db.put(edited);
	expect(Object.keys((await cache.read('db', db, '_design/d')).views!)).toEqual(['w']);
	expect(get).toHaveBeenCalledTimes(3);

	await db.remove('_design/d', second.rev);
	await expect(cache.read('db', db, '_design/d')).rejects.toMatchObject({ status: 404 });
});

test('reads the revision tree again only after a write to the database', async () => {
	const db = await database();
	await db.put(DESIGN);
	const cache = new DesignCache();
	await cache.read('db', db, '_design/d');
	await cache.read('db', db, '_design/d');
	const trees = vi.spyOn(db, '_getRevisionTree');
	for (let i = 0; i < 3; i++) await cache.read('db', db, '_design/d');
	expect(trees).toHaveBeenCalledTimes(0);
	await db.put({ _id: 'other', n: 1 });
	await cache.read('db', db, '_design/d');
	await cache.read('db', db, '_design/d');
	expect(trees).toHaveBeenCalledTimes(1);
});

test("answers while a _bulk_docs holds the database's write queue", async () => {
	const db = await database();
	await db.put(DESIGN);
	const cache = new DesignCache();
	await cache.read('db', db, '_design/d');
	await cache.read('db', db, '_design/d');
	let written = false;
	const writing = db
		.bulkDocs(Array.from({ length: 2_000 }, (_, i) => ({ _id: `doc-${i}`, n: i })))
		.then(() => (written = true));
	const doc = await cache.read('db', db, '_design/d');
	expect(doc._id).toBe('_design/d');
	// PouchDB's own `get` would have waited for the write.
	expect(written).toBe(false);
	await writing;
});
