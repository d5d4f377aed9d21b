/**
 * The outbox: records wait in a PouchDB database in IndexedDB, so they survive
 * reloads, offline periods and crashes, until delivery (delivery.ts, in the core)
 * has them delivered. Loaded lazily, after the page's `load`, by the tracker core.
 *
 * - Writes use `new_edits: false` with `_rev = revisionFor(_id)`: a record written
 *   twice (by two tabs, or from a journal) is one document, with the revision every
 *   other copy of it carries.
 * - Delivered records are removed with `purge()` (indexeddb adapter), which deletes
 *   them without a tombstone.
 * - At opening, the records left by earlier pages or other tabs are handed to
 *   delivery, which sends them.
 * - The outbox is bounded (bound.ts): oldest heartbeats go first, counted in a
 *   `dropped` record.
 * - Tabs share the database. The indexeddb adapter keeps the update sequence in
 *   memory per tab, so two tabs writing would reuse sequence numbers and lose
 *   writes. Every use of the database therefore runs under one cross-tab lock (a Web
 *   Lock, or on plain http an IndexedDB transaction), in the order this page asked
 *   (lock.ts), and ends by closing the connection, so
 *   that the next use opens it again and re-reads the sequence.
 * - The back/forward cache: a page in it must hold no lock another page asks for, and
 *   no open connection (the adapter opens the database with a new version each time,
 *   and the version change a cached page's connection receives evicts it). Between
 *   uses a page has neither; on `pagehide` with `persisted` it stops asking for the
 *   lock (lock.ts `pause`) until `pageshow`, when the uses it asked for meanwhile run,
 *   in order. What they would write is in the page's journal (delivery.ts) by then,
 *   in case the page is never shown again.
 * - The adapter's versions come from the clock; after the clock is set back, each use
 *   opens the database one version above its own instead (versions.ts).
 */
import PouchDB from 'pouchdb-core';
import IndexedDbAdapter from 'pouchdb-adapter-indexeddb';
import type { ClientRecord } from '../records.ts';
import { planBound } from './bound.ts';
import type { Store } from './delivery.ts';
import { locker } from './lock.ts';
import { keepVersionsRising, OUTBOX_DB, OUTBOX_IDB } from './versions.ts';

/** How the outbox is set up. */
export interface OutboxOptions {
	/** Records the outbox may hold. */
	max: number;
	/** Makes the `dropped` record that reports `count` dropped records. */
	dropped(count: number): ClientRecord;
	/** Receives the records found at opening (left by earlier pages or other tabs). */
	found(records: ClientRecord[]): void;
	/** Told which records were dropped to stay within `max`, and the record that counts them. */
	bounded(ids: Set<string>, record: ClientRecord): void;
	/** The page's window, whose `pagehide` and `pageshow` pause and resume the outbox. */
	window?: Window;
}

/** The outbox API. */
export interface Outbox extends Store {
	/** Writes records to IndexedDB (bounded); resolves once written. */
	add(docs: ClientRecord[]): Promise<void>;
	/** Removes delivered records. */
	remove(docs: ClientRecord[]): Promise<void>;
	/** The records waiting in IndexedDB. */
	list(): Promise<ClientRecord[]>;
	/** Deletes the local database. */
	destroy(): Promise<void>;
}

PouchDB.plugin(IndexedDbAdapter);

type Db = PouchDB.Database<ClientRecord> & {
	purge(id: string, rev: string): Promise<unknown>;
	/**
	 * indexeddb adapter: closes the connection (the next use opens it again, re-reading
	 * the metadata); `done` is called once it is closed.
	 */
	_close(done: () => void): void;
	/** indexeddb adapter: a transaction of `stores` on the connection (opened if need be). */
	_openTransactionSafely(
		stores: string[],
		mode: IDBTransactionMode,
		callback: (error: unknown, txn?: IDBTransaction) => void
	): void;
};

/** The indexeddb adapter's object stores: documents, and its metadata and local documents. */
const ADAPTER_STORES = ['docs', 'meta'];

/**
 * Opens the outbox database ({@link OUTBOX_IDB} in IndexedDB) and hands what already waits
 * in it to `options.found`.
 */
export function openOutbox(options: OutboxOptions): Outbox {
	const db = new PouchDB<ClientRecord>(OUTBOX_DB, { adapter: 'indexeddb', revs_limit: 1 }) as Db;
	const lock = locker();
	const refresh = keepVersionsRising(indexedDB, OUTBOX_IDB);
	/** Records in the database, as far as this tab knows (recounted when bounding). */
	let known = 0;
	let closed = false;
	/**
	 * Closes the connection once every transaction this page made on it has ended. The
	 * adapter answers a read as it is read, before its transaction commits, and a
	 * connection closed meanwhile stays open until then: the next tab's opening found it
	 * open, and the adapter logged "onblocked, this should never happen" as an error
	 * (five tabs opened together, under Web Locks too). A read-write transaction over all
	 * its stores starts only after every transaction made before it has ended.
	 */
	const close = () =>
		new Promise<void>((resolve) => {
			const end = () => db._close(() => resolve());
			db._openTransactionSafely(ADAPTER_STORES, 'readwrite', (error, txn) => {
				if (error || !txn) return end();
				txn.oncomplete = txn.onabort = end;
			});
		});
	/**
	 * Runs `fn` under the lock and closes the connection before the lock goes (not once
	 * destroyed: closing opens the database first, which would make it again).
	 */
	const use = <T>(fn: () => Promise<T>) =>
		lock(() =>
			refresh()
				.then(fn)
				.finally(() => closed || close())
		);
	options.window?.addEventListener('pagehide', (e) => e.persisted && lock.pause());
	options.window?.addEventListener('pageshow', () => lock.resume());
	const all = async () => (await db.allDocs({ include_docs: true })).rows.map((r) => r.doc!);

	/** Removes records without leaving anything behind. */
	async function purge(docs: ClientRecord[]) {
		for (const { _id, _rev } of docs) await db.purge(_id, _rev).catch(() => {});
		// pouchdb-core logs every purge in `_local/purges` without a bound (its limit
		// check reads a global); local docs never leave, so drop the log.
		await db
			.get('_local/purges')
			.then((log) => db.remove(log))
			.catch(() => {});
		known = Math.max(0, known - docs.length);
	}

	async function bound() {
		const docs = await all();
		known = docs.length;
		const plan = planBound(docs, options.max);
		if (!plan) return;
		await purge(plan.drop);
		const drop = new Set(plan.drop.map((d) => d._id));
		const record = options.dropped(plan.dropped);
		await db.bulkDocs([record], { new_edits: false });
		known++;
		options.bounded(drop, record);
	}

	// Records left by earlier pages or other tabs: this lock is asked for first, so
	// they are read before this page writes its own.
	void use(all).then(
		(docs) => {
			known = docs.length;
			if (docs.length) options.found(docs);
		},
		() => {}
	);

	return {
		add: (docs) =>
			use(async () => {
				if (closed) throw new Error('couchstats: outbox closed');
				await db.bulkDocs(docs, { new_edits: false });
				known += docs.length;
				if (known > options.max) await bound();
			}),
		remove: (docs) => use(() => purge(docs)).catch(() => {}),
		list: () => use(all),
		async destroy() {
			closed = true;
			await lock(() => db.destroy());
		}
	};
}
