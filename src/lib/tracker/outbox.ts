/**
 * The outbox: records wait in a PouchDB database in IndexedDB (so they survive
 * reloads, offline periods and crashes) and are pushed to the ingest endpoint by
 * PouchDB replication. Loaded lazily, after the page's `load`, by the tracker core.
 *
 * - Writes use `new_edits: false` with `_rev = revisionFor(_id)`, so the outbox,
 *   replication and the beacon fallback all carry the same `_id` and `_rev`.
 * - Delivery: one-shot replications scheduled by the batch rule (no record waits more
 *   than `maxWaitMs`, nor behind 10 others; at once on hide), retried with capped
 *   exponential backoff and on `online`. Only one tab replicates at a time.
 * - Delivered records are removed with `purge()` (indexeddb adapter), which deletes
 *   them without a tombstone, so nothing is left to replicate.
 * - The outbox is bounded (bound.ts): oldest heartbeats go first, counted in a
 *   `dropped` record.
 * - Tabs share the database. The indexeddb adapter keeps the update sequence in
 *   memory per tab, so two tabs writing would reuse sequence numbers and lose
 *   writes. Every use of the database (write, replication, purge, listing) therefore
 *   runs under one cross-tab Web Lock, and every write starts by reopening the
 *   connection (`_freshen`), which re-reads the sequence. Replication requests time
 *   out after 30 s so a hung server cannot hold the lock for long.
 */
import PouchDB from 'pouchdb-core';
import IndexedDbAdapter from 'pouchdb-adapter-indexeddb';
import HttpAdapter from 'pouchdb-adapter-http';
import Replication from 'pouchdb-replication';
import type { ClientRecord } from '../records.ts';
import { planBound } from './bound.ts';

/** How the outbox is set up. */
export interface OutboxOptions {
	/** Ingest URL (a CouchDB-database-like URL). */
	endpoint: string;
	/** Records the outbox may hold. */
	max: number;
	/** Longest a record waits before a replication is started, ms. */
	maxWaitMs: number;
	/** Makes the `dropped` record that reports `count` dropped records. */
	dropped(count: number): ClientRecord;
}

/** The outbox API. */
export interface Outbox {
	/** Writes records to IndexedDB (bounded) and schedules their replication. */
	add(docs: ClientRecord[]): Promise<void>;
	/** Replicates now. */
	flush(): void;
	/** The records waiting in IndexedDB. */
	list(): Promise<ClientRecord[]>;
	/** Stops delivery and deletes the local database. */
	destroy(): Promise<void>;
}

PouchDB.plugin(IndexedDbAdapter).plugin(HttpAdapter).plugin(Replication);

/** Records waiting before a flush is due at once (the seed's "behind 10 others"). */
const BATCH = 10;
/** Longest pause between retries, ms. */
const MAX_BACKOFF_MS = 60_000;

type Db = PouchDB.Database<ClientRecord> & {
	purge(id: string, rev: string): Promise<unknown>;
	/** indexeddb adapter: closes and reopens the connection, re-reading the metadata. */
	_freshen(): Promise<void>;
};

/**
 * Runs `fn` under the outbox lock, shared by all tabs (Web Locks), or a per-page chain
 * where Web Locks are missing (insecure contexts).
 */
function locker(): <T>(fn: () => Promise<T>) => Promise<T> {
	let chain: Promise<unknown> = Promise.resolve();
	return (fn) => {
		if (typeof navigator !== 'undefined' && navigator.locks)
			return navigator.locks.request('couchstats:outbox', fn);
		const run = chain.then(fn, fn);
		chain = run.catch(() => {});
		return run;
	};
}

/** Fetch for the ingest: never sends cookies, gives up after 30 s. */
const fetchWithoutCredentials: typeof fetch = (url, init) =>
	fetch(url, { ...init, credentials: 'omit', signal: init?.signal ?? AbortSignal.timeout(30_000) });

/**
 * Opens the outbox database (`couchstats` in IndexedDB) and starts delivering what
 * already waits in it.
 */
export function openOutbox(options: OutboxOptions, name = 'couchstats'): Outbox {
	const db = new PouchDB<ClientRecord>(name, { adapter: 'indexeddb', revs_limit: 1 }) as Db;
	const remote = new PouchDB(options.endpoint, {
		adapter: 'http',
		skip_setup: true,
		fetch: fetchWithoutCredentials
	} as PouchDB.Configuration.RemoteDatabaseConfiguration);
	// The replication id includes the target's id, which the http adapter asks the
	// server root for; the ingest is a database URL only, so name it by its URL.
	(remote as unknown as { id(): Promise<string> }).id = async () => options.endpoint;
	const lock = locker();
	let known = 0;
	let waiting = 0;
	let failures = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let running: Promise<void> | undefined;
	let again = false;
	let closed = false;

	/** Removes delivered or dropped records without leaving anything to replicate. */
	async function purge(rows: { id: string; rev: string }[]) {
		for (const { id, rev } of rows) await db.purge(id, rev).catch(() => {});
		// pouchdb-core logs every purge in `_local/purges` without a bound (its limit
		// check reads a global); local docs never replicate, so drop the log.
		await db
			.get('_local/purges')
			.then((log) => db.remove(log))
			.catch(() => {});
		known = Math.max(0, known - rows.length);
	}

	async function bound() {
		const { rows } = await db.allDocs({ include_docs: true });
		known = rows.length;
		const plan = planBound(
			rows.map((r) => ({
				id: r.id,
				type: r.doc!.type,
				count: r.doc!.type === 'dropped' ? r.doc!.count : 0
			})),
			options.max
		);
		if (!plan) return;
		const drop = new Set(plan.drop);
		await purge(rows.filter((r) => drop.has(r.id)).map((r) => ({ id: r.id, rev: r.value.rev })));
		await db.bulkDocs([options.dropped(plan.dropped)], { new_edits: false });
		known++;
	}

	async function add(docs: ClientRecord[]) {
		if (closed) return;
		await lock(async () => {
			await db._freshen();
			await db.bulkDocs(docs, { new_edits: false });
			known += docs.length;
			if (known > options.max) await bound();
		});
		waiting += docs.length;
		schedule();
	}

	/** One delivery: replicate everything, then purge what was waiting before it began. */
	async function replicate() {
		await lock(async () => {
			const { rows } = await db.allDocs();
			known = rows.length;
			if (!rows.length) return;
			const result = await db.replicate.to(remote, { batch_size: 100 });
			if (result.status !== 'complete') throw new Error('replication ' + result.status);
			// Each record waiting before the run was either sent now, or found on the
			// server by `_revs_diff` (beaconed, or sent by an earlier run), or refused
			// for good by the ingest: none needs to stay.
			await purge(rows.map((r) => ({ id: r.id, rev: r.value.rev })));
		});
	}

	function run() {
		clearTimeout(timer);
		timer = undefined;
		if (closed) return;
		if (running) {
			again = true;
			return;
		}
		const sent = waiting;
		waiting = 0;
		running = replicate()
			.then(
				() => {
					failures = 0;
				},
				() => {
					waiting += sent;
					failures++;
					const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
					timer = setTimeout(run, backoff / 2 + Math.random() * (backoff / 2));
				}
			)
			.finally(() => {
				running = undefined;
				if (again) {
					again = false;
					run();
				}
			});
	}

	function schedule() {
		if (closed) return;
		if (waiting >= BATCH) run();
		else if (!timer && !running) timer = setTimeout(run, options.maxWaitMs);
		else if (running) again = true;
	}

	const online = () => failures && run();
	addEventListener('online', online);
	// Records left by earlier pages or other tabs go out now.
	run();

	return {
		add,
		flush: run,
		list: () =>
			lock(async () => {
				const { rows } = await db.allDocs({ include_docs: true });
				return rows.map((r) => r.doc!);
			}),
		async destroy() {
			closed = true;
			clearTimeout(timer);
			removeEventListener('online', online);
			await lock(() => db.destroy());
		}
	};
}

/**
 * Learns the server clock minus the local clock from `GET <endpoint>/` (`now`),
 * taking the middle of the round trip as the moment the server read its clock.
 *
 * @throws when the endpoint is unreachable or answers without `now`.
 */
export async function serverOffset(endpoint: string, now: () => number): Promise<number> {
	const sent = now();
	const response = await fetchWithoutCredentials(endpoint + '/', {
		headers: { accept: 'application/json' },
		signal: AbortSignal.timeout(5000)
	});
	const body = (await response.json()) as { now?: unknown };
	const received = now();
	if (typeof body.now !== 'number') throw new Error('couchstats: ingest did not report its clock');
	return Math.round(body.now - (sent + received) / 2);
}
