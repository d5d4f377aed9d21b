/**
 * The view engine: every index of the embedded store, their life cycle, and the
 * answer to one view query.
 *
 * An index belongs to one database, as of one signature of the served views of a
 * design document (design.ts), and serves every design document of that database
 * whose views have that signature, as in CouchDB, whose index files are named by it:
 * a design document copied over another once its index is built (CouchDB's way of
 * deploying a view change, done by set-up) finds that index ready. The first query of
 * a design document, a change of a design document that has an index, or the
 * engine's start (for the design documents already there) creates or finds it; it is
 * then kept up to date in the background (indexer.ts). When a design document
 * changes, a new index is built beside the old one, which keeps following the
 * database and answers `stale=ok` / `update=false` / `update=lazy` reads until the new
 * one has caught up; then the old one is deleted, unless another design document
 * still has it. An index records one design document that has it (`ddoc`, the one
 * `_active_tasks` names), and resumes as that one's after a restart.
 * `update=true` (the default) waits for the index of the current design document to
 * reach the database's sequence at the time of the request, at most
 * {@link ViewEngineOptions.waitTimeoutMs}, then answers CouchDB's `500 timeout`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import type { AbstractSnapshot } from 'abstract-level';
import { logLine } from '../../boot/log-line.js';
import { ImpureMapError } from './back-index';
import { checkIndex } from './check';
import { DesignCache, type DesignSource } from './ddocs';
import { ViewError } from './errors';
import { planDesign, type DesignDoc, type DesignPlan } from './design';
import { Indexer, type ChangesSource, type Failure, type Progress } from './indexer';
import type { ViewQuery } from './params';
import { answerQuery, validateQuery, type DocFetcher, type ViewAnswer } from './query';
import { ViewReader } from './reader';
import { rowsFromStart } from './rows';
import type { MapLimits } from './sandbox';
import { Reads, type Read } from './schedule';
import {
	META_RANGE,
	NEXT_ID_KEY,
	indexRange,
	metaKey,
	openViewStore,
	type IndexMeta,
	type Level
} from './store';

/** The PouchDB databases the engine reads, as the embedded store's PouchDB gives them. */
export interface PouchDatabase extends ChangesSource, DesignSource {
	allDocs(options: Record<string, unknown>): Promise<{
		rows: {
			id?: string;
			key: string;
			doc?: Record<string, unknown> | null;
			value?: { deleted?: boolean };
		}[];
	}>;
}

/** The embedded store's PouchDB constructor (with its defaults). */
export interface PouchConstructor {
	new (name: string): PouchDatabase;
	allDbs(): Promise<string[]>;
	on(event: 'created' | 'destroyed', listener: (name: string) => void): unknown;
	removeListener(event: 'created' | 'destroyed', listener: (name: string) => void): unknown;
}

/** Options of {@link startViewEngine}. */
export interface ViewEngineOptions {
	/** PouchDB constructor of the store (documents are read through it, in process). */
	Pouch: PouchConstructor;
	/**
	 * Directory of the view store; undefined: a temporary directory deleted on close
	 * (the embedded store's memory mode).
	 */
	dir?: string;
	/** Documents per indexing batch; default 1000. */
	batchSize?: number;
	/** How long `update=true` waits for its index; default 60000 ms (CouchDB's). */
	waitTimeoutMs?: number;
	/** How often an idle index looks for unannounced changes; default 5000 ms. */
	pollMs?: number;
	mapLimits?: MapLimits;
	/**
	 * How long indexing waits for the reads in flight at most before it takes a slice
	 * anyway; default 250 ms (`READ_WAIT_MS`, schedule.ts).
	 */
	readWaitMs?: number;
	/** Where indexing problems are reported; default a line of the log (boot/log-line.js). */
	log?: (line: string) => void;
}

/** An `_active_tasks` entry, as CouchDB shows an indexer. */
export interface IndexerTask {
	type: 'indexer';
	node: string;
	pid: string;
	database: string;
	design_document: string;
	progress: number;
	changes_done: number;
	total_changes: number;
	started_on: number;
	updated_on: number;
	/**
	 * While the index's attempts fail (a full disk fails every batch): how many failed
	 * since the last that succeeded, and the last one's error in `info.error`, as
	 * CouchDB's `_scheduler/docs` shows a failing replication. CouchDB's own indexer
	 * tasks have neither; `/healthz` reads them where they are (boot/health.ts).
	 */
	error_count?: number;
	info?: { error: string };
}

/** A running view engine. */
export interface ViewEngine {
	/** The store's reads in flight, which indexing steps back for (the front server counts them). */
	readonly reads: Reads;
	/**
	 * A view the engine serves, or undefined when it does not (no such database, a
	 * JavaScript reduce, …): the caller passes the request on.
	 * @throws {ViewError} 404 `not_found` for a missing design document or view.
	 */
	view(db: string, ddocId: string, view: string): Promise<ServedView | undefined>;
	/** Whether the engine may serve views of this database (it exists). */
	hasDatabase(db: string): Promise<boolean>;
	/** Reads a design document in process (404 as a {@link ViewError}). */
	designDoc(db: string, ddocId: string): Promise<DesignDoc>;
	/**
	 * Checks the current index of a design document (see check.ts); for tests.
	 * @returns what is inconsistent, or undefined when there is no index.
	 */
	check(db: string, ddocId: string): Promise<string[] | undefined>;
	/** Indexers catching up, in CouchDB's `_active_tasks` shape. */
	activeTasks(): IndexerTask[];
	/** Tells the engine a database was written to, so its indexes catch up now. */
	noteWrite(db: string): void;
	/** Stops indexing and closes the store. */
	close(): Promise<void>;
}

/** Whom a view read is for. */
export interface ReadFor {
	/** The read in flight it answers: it does not count while it waits for the index. */
	read?: Read;
	/**
	 * Aborted when the read's client has left (http.ts): the read stops at its next store
	 * round trip, or stops waiting for the index (which goes on indexing), and rejects with
	 * the signal's reason, having closed what it held.
	 */
	signal?: AbortSignal;
}

/** A view the engine answers. */
export interface ServedView {
	/**
	 * Answers a query.
	 * @throws {ViewError} for CouchDB's error answers (400 `query_parse_error`, 500 `timeout`).
	 * @throws the signal's reason once {@link ReadFor.signal} is aborted.
	 */
	query(query: ViewQuery, by?: ReadFor): Promise<ViewAnswer>;
	/**
	 * Answers several queries of the view (CouchDB's `POST …/_view/{view}/queries`), in
	 * order, from one snapshot of the index when they read the same one; all are
	 * validated before any is read.
	 * @throws {ViewError} as {@link query} does, for the first query that fails.
	 * @throws the signal's reason once {@link ReadFor.signal} is aborted.
	 */
	queries(queries: ViewQuery[], by?: ReadFor): Promise<ViewAnswer[]>;
}

/** Queries of one `…/queries` request answered at a time (side by side). */
const SIDE_BY_SIDE = 16;

/**
 * The indexes of one design document: the current signature's, and the previous one
 * while it builds. Another design document's slot may hold the same index.
 */
interface Slot {
	db: string;
	ddoc: string;
	current?: Indexer;
	previous?: Indexer;
	/** Serialises changes to the slot. */
	busy: Promise<unknown>;
	/**
	 * The attempts to create its index that failed since the last that succeeded (a full
	 * disk fails the first write of an index, before any indexer exists to count them).
	 */
	failure?: Failure;
	/** The next attempt, while they fail. */
	retry?: ReturnType<typeof setTimeout>;
}

/** The first retry of an index that could not be created, then twice as long up to 10 s (ms). */
const CREATE_RETRY_MS = 100;

/**
 * Opens the view store and resumes every index it holds.
 * @throws {Error} when the store cannot be opened (e.g. another process holds it).
 */
export async function startViewEngine(options: ViewEngineOptions): Promise<ViewEngine> {
	if (options.dir !== undefined) limitHeapGrowth();
	const temporary =
		options.dir === undefined
			? fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-views-'))
			: undefined;
	const store = await openViewStore(options.dir ?? temporary!);
	const engine = new Engine(store, options, temporary);
	await engine.resume();
	return engine;
}

/**
 * A batch lives across several yields to the event loop, so its rows and entries are
 * promoted to the old generation before they die; with V8's default growth factor (up
 * to 4× the live heap) that garbage took the store to 1.2 GB during a 20k-record
 * catch-up whose live heap stays near 150 MB. Growing the heap by 25% between full
 * collections kept that store under 500 MB for no more CPU time. The flag is
 * process-wide (the whole app process, when the app runs the store) and read by V8
 * at each collection; memory mode leaves it alone, as its documents live in the heap.
 */
function limitHeapGrowth() {
	v8.setFlagsFromString('--heap-growing-percent=25');
}

/** What `_active_tasks` shows of an index whose attempts fail before it made progress. */
function failedProgress(failure: Failure): Progress {
	return { startedOn: failure.since, updatedOn: failure.at, changesDone: 0, totalChanges: 0 };
}

class Engine implements ViewEngine {
	readonly reads: Reads;
	private readonly slots = new Map<string, Slot>();
	private readonly databases = new Map<string, PouchDatabase>();
	private readonly plans = new Map<string, DesignPlan>();
	private readonly designs = new DesignCache();
	private dbNames: Set<string> | undefined;
	private nextId = 1;
	private closed = false;
	private readonly deletions = new Set<Promise<void>>();
	private readonly log: (line: string) => void;
	private readonly onCreated = (name: string) => this.dbNames?.add(name);
	private readonly onDestroyed = (name: string) => this.dropDatabase(name);

	constructor(
		private readonly store: Level,
		private readonly options: ViewEngineOptions,
		private readonly temporary: string | undefined
	) {
		this.log = options.log ?? ((line) => logLine(`couchstats views: ${line}`));
		this.reads = new Reads(options.readWaitMs);
		options.Pouch.on('created', this.onCreated);
		options.Pouch.on('destroyed', this.onDestroyed);
	}

	/** Loads the stored indexes: resumes the live ones, finishes deleting the retired ones. */
	async resume(): Promise<void> {
		const next = await this.store.get(NEXT_ID_KEY);
		if (next !== undefined) this.nextId = Number(next);
		const metas: IndexMeta[] = [];
		for await (const text of this.store.values(META_RANGE)) metas.push(JSON.parse(text));
		metas.sort((a, b) => a.id - b.id);
		const designs = new Map<string, Promise<{ id: string; plan: DesignPlan }[]>>();
		for (const meta of metas) {
			if (meta.state === 'retired' || !(await this.hasDatabase(meta.db))) {
				this.delete(meta);
				continue;
			}
			// Two indexes of the same views (made before design documents shared them): the
			// first serves both.
			const shared = this.sharedIndex(meta.db, meta.signature);
			if (shared) {
				this.delete(meta);
				this.install(this.slot(meta.db, meta.ddoc), shared);
				continue;
			}
			// The design document it names may be gone since (copied over another, then
			// deleted, before the engine saw it): it resumes as one that has its views.
			if (!designs.has(meta.db)) designs.set(meta.db, this.designPlans(meta.db));
			const holders = (await designs.get(meta.db)!).filter(
				({ plan }) => plan.signature === meta.signature
			);
			if (holders.length && !holders.some(({ id }) => id === meta.ddoc)) {
				meta.ddoc = holders[0].id;
				await this.store.put(metaKey(meta.id), JSON.stringify(meta));
			}
			this.install(this.slot(meta.db, meta.ddoc), this.indexer(meta));
		}
		// Design documents without an index yet (a first start on existing data).
		void this.discover(designs).catch((e) => this.log(`could not look for design documents: ${e}`));
	}

	async hasDatabase(db: string): Promise<boolean> {
		this.dbNames ??= new Set(await this.options.Pouch.allDbs());
		return this.dbNames.has(db);
	}

	async designDoc(db: string, ddocId: string): Promise<DesignDoc> {
		try {
			return await this.designs.read(db, this.database(db), ddocId);
		} catch (e) {
			if ((e as { status?: number }).status === 404) {
				throw new ViewError(404, 'not_found', (e as { reason?: string }).reason ?? 'missing');
			}
			throw e;
		}
	}

	async view(db: string, ddocId: string, viewName: string): Promise<ServedView | undefined> {
		if (!(await this.hasDatabase(db))) return undefined;
		const ddoc = await this.designDoc(db, ddocId);
		if (!ddoc.views || typeof ddoc.views !== 'object' || !ddoc.views[viewName]) {
			throw new ViewError(404, 'not_found', 'missing_named_view');
		}
		const plan = this.plan(db, ddoc);
		const planned = plan.views.find((v) => v.name === viewName);
		if (!planned) return undefined;
		const served: ServedView = {
			query: async (query, by) => (await served.queries([query], by))[0],
			queries: async (queries, { read, signal } = {}) => {
				for (const query of queries) validateQuery(query, planned.reducer !== null);
				const indexer = await this.ensureIndex(db, ddocId, plan);
				if (queries.some((query) => query.update === 'true')) {
					const info = await this.database(db).info();
					const wait = () =>
						indexer.waitFor(Number(info.update_seq), this.options.waitTimeoutMs ?? 60_000, signal);
					// A read waiting for the indexer must not hold it back (schedule.ts).
					await (read ? read.aside(wait) : wait());
				}
				if (queries.some((query) => query.update === 'lazy')) indexer.wake();
				// A read that does not wait answers from the previous index while the new one builds.
				const previous = this.slot(db, ddocId).previous;
				const stale =
					indexer.meta.state === 'building' && previous?.meta.views.some((v) => v.name === viewName)
						? previous
						: indexer;
				const sources = queries.map((query) => (query.update === 'true' ? indexer : stale));
				return this.read(sources, viewName, queries, db, signal);
			}
		};
		return served;
	}

	async check(db: string, ddocId: string): Promise<string[] | undefined> {
		const indexer = this.slots.get(slotKey(db, ddocId))?.current;
		return indexer && checkIndex(this.store, indexer.meta, indexer.sandbox);
	}

	activeTasks(): IndexerTask[] {
		const tasks: IndexerTask[] = [];
		const task = (
			pid: string,
			{ db, ddoc }: { db: string; ddoc: string },
			progress: Progress,
			failure: Failure | undefined
		) =>
			tasks.push({
				type: 'indexer',
				node: 'couchstats@127.0.0.1',
				pid,
				database: db,
				design_document: ddoc,
				progress: progress.totalChanges
					? Math.min(100, Math.floor((100 * progress.changesDone) / progress.totalChanges))
					: 0,
				changes_done: progress.changesDone,
				total_changes: progress.totalChanges,
				started_on: Math.floor(progress.startedOn / 1000),
				updated_on: Math.floor(progress.updatedOn / 1000),
				...(failure && { error_count: failure.count, info: { error: failure.reason } })
			});
		for (const indexer of this.indexers()) {
			const failure = indexer.failing;
			// A failure may come before the index knew it was behind: listed all the same.
			const progress = indexer.activeProgress ?? (failure && failedProgress(failure));
			if (progress) task(`<${indexer.meta.id}>`, indexer.meta, progress, failure);
		}
		// An index that could not be created has no indexer yet: listed as its slot's.
		for (const slot of this.slots.values()) {
			if (slot.failure) task('<new>', slot, failedProgress(slot.failure), slot.failure);
		}
		return tasks;
	}

	noteWrite(db: string): void {
		for (const indexer of this.indexers()) if (indexer.meta.db === db) indexer.wake();
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.options.Pouch.removeListener('created', this.onCreated);
		this.options.Pouch.removeListener('destroyed', this.onDestroyed);
		for (const slot of this.slots.values()) clearTimeout(slot.retry);
		await Promise.all([...this.indexers()].map((indexer) => indexer.stop()));
		await Promise.all([...this.deletions]);
		await this.store.close();
		if (this.temporary) fs.rmSync(this.temporary, { recursive: true, force: true });
	}

	/**
	 * Answers queries from their indexes (`sources[i]` for `queries[i]`), side by side, each
	 * index read from one snapshot of the store taken for them all.
	 * @param signal Aborted when the client has left: every query stops (ReadFor).
	 */
	private async read(
		sources: Indexer[],
		viewName: string,
		queries: ViewQuery[],
		db: string,
		signal?: AbortSignal
	): Promise<ViewAnswer[]> {
		signal?.throwIfAborted();
		const snapshot: AbstractSnapshot = this.store.snapshot();
		try {
			// Each index's metadata as of the snapshot, read once for the queries reading it.
			const metas = new Map<Indexer, Promise<IndexMeta>>();
			const metaOf = (indexer: Indexer) => {
				let meta = metas.get(indexer);
				if (!meta) {
					meta = this.store
						.get(metaKey(indexer.meta.id), { snapshot })
						.then((text) => (text ? (JSON.parse(text) as IndexMeta) : indexer.meta));
					metas.set(indexer, meta);
				}
				return meta;
			};
			const answer = async (query: ViewQuery, indexer: Indexer) => {
				const meta = await metaOf(indexer);
				const viewNumber = meta.views.findIndex((v) => v.name === viewName);
				const reader = new ViewReader(
					this.store,
					snapshot,
					meta,
					viewNumber,
					(view, level) => indexer.want(view, level),
					indexer.sandbox,
					signal
				);
				const answer = await answerQuery(reader, query, this.fetchDocs(db, signal)).catch((e) => {
					if (!(e instanceof ImpureMapError)) throw e;
					indexer.impure(e);
					throw new ViewError(500, 'unknown_error', `${e.message}; the index is built again`);
				});
				if (query.updateSeq) answer.update_seq = meta.seq;
				return answer;
			};
			// Answered side by side, as separate requests would be (their reads of the store
			// overlap in leveldb's threads), a bounded number at a time. A query that fails
			// (or a client that left) fails them all, once every one has stopped: the
			// snapshot is closed after the last iterator reading it.
			const answers: ViewAnswer[] = [];
			for (let from = 0; from < queries.length; from += SIDE_BY_SIDE) {
				const window = queries.slice(from, from + SIDE_BY_SIDE);
				const settled = await Promise.allSettled(
					window.map((q, i) => answer(q, sources[from + i]))
				);
				for (const one of settled) {
					if (one.status === 'rejected') throw one.reason;
					answers.push(one.value);
				}
			}
			return answers;
		} finally {
			await snapshot.close();
		}
	}

	private fetchDocs(db: string, signal?: AbortSignal): DocFetcher {
		return async (ids, options) => {
			signal?.throwIfAborted();
			const found = await this.database(db).allDocs({
				keys: ids,
				include_docs: true,
				conflicts: options.conflicts,
				attachments: options.attachments
			});
			const docs = new Map<string, unknown>();
			for (const row of found.rows) if (row.doc) docs.set(row.key, row.doc);
			return docs;
		};
	}

	/** The plan of a design document revision (cached: compiling maps costs). */
	private plan(db: string, ddoc: DesignDoc): DesignPlan {
		const key = `${db}\u0000${ddoc._id}\u0000${(ddoc as { _rev?: string })._rev}`;
		let plan = this.plans.get(key);
		if (!plan) {
			plan = planDesign(ddoc);
			if (this.plans.size > 1_000) this.plans.clear();
			this.plans.set(key, plan);
		}
		return plan;
	}

	/** The index of the plan's signature, created (and started) when missing. */
	private ensureIndex(db: string, ddocId: string, plan: DesignPlan): Promise<Indexer> {
		const slot = this.slot(db, ddocId);
		if (slot.current?.meta.signature === plan.signature) return Promise.resolve(slot.current);
		const made = slot.busy.then(async () => {
			if (slot.current?.meta.signature === plan.signature) return slot.current;
			// Another index serves it, or a new one is made: the failures counted so far end.
			const failed = slot.failure;
			if (slot.previous?.meta.signature === plan.signature) {
				// Back to the previous design before the new one finished.
				slot.failure = undefined;
				const [back, abandoned] = [slot.previous, slot.current!];
				slot.previous = undefined;
				slot.current = back;
				this.release(abandoned);
				return back;
			}
			// Another design document's index of the same views (CouchDB shares it too).
			const shared = this.sharedIndex(db, plan.signature);
			if (shared) {
				slot.failure = undefined;
				this.install(slot, shared);
				return shared;
			}
			const indexer = await this.createIndex(db, ddocId, plan).catch((e: unknown) => {
				this.createFailed(slot, failed, e);
				throw e;
			});
			if (failed) {
				slot.failure = undefined;
				this.log(`view index ${db}/${ddocId} was created after ${failed.count} failed attempts`);
			}
			this.install(slot, indexer);
			return indexer;
		});
		slot.busy = made.catch(() => undefined);
		return made;
	}

	/**
	 * Counts a failed attempt to create a slot's index, which `_active_tasks` lists as a
	 * failing indexer's (`/healthz` answers 503 after a few), and tries again later, as
	 * an indexer retries a failed batch: a first read may never come.
	 */
	private createFailed(slot: Slot, before: Failure | undefined, e: unknown): void {
		const now = Date.now();
		const count = (before?.count ?? 0) + 1;
		slot.failure = { count, since: before?.since ?? now, at: now, reason: String(e) };
		this.log(`view index ${slot.db}/${slot.ddoc} could not be created: ${String(e)}`);
		if (this.closed || slot.retry) return;
		const wait = Math.min(CREATE_RETRY_MS * 2 ** (count - 1), 10_000);
		slot.retry = setTimeout(() => {
			slot.retry = undefined;
			if (this.slots.get(slotKey(slot.db, slot.ddoc)) === slot) {
				void this.designChanged(slot.db, slot.ddoc);
			}
		}, wait);
		slot.retry.unref?.();
	}

	/** A new, empty index of a design document's views, stored; not started. */
	private async createIndex(
		db: string,
		ddocId: string,
		plan: DesignPlan,
		backIndex?: 'rows'
	): Promise<Indexer> {
		const meta: IndexMeta = {
			id: this.nextId++,
			db,
			ddoc: ddocId,
			signature: plan.signature,
			// No group level kept until a read needs it (levels.ts), nor the map rows of a
			// `_count` or `_sum` view until the index chooses the cheap ones or a read needs
			// them (rows.ts).
			views: plan.views.map((view) => ({
				...view,
				rows: 0,
				depths: [],
				maxDepth: 0,
				levels: {},
				rowsKept: rowsFromStart(view.reducer)
			})),
			includeDesign: plan.includeDesign,
			seq: 0,
			...(backIndex ? { backIndex } : {}),
			state: 'building'
		};
		await this.store.batch([
			{ type: 'put', key: metaKey(meta.id), value: JSON.stringify(meta) },
			{ type: 'put', key: NEXT_ID_KEY, value: String(this.nextId) }
		]);
		return this.indexer(meta);
	}

	/**
	 * An index whose map function proved not to be a pure function of the document
	 * (back-index.ts) cannot take a document's rows away exactly: it goes, and where it
	 * was a design document's current index, the index is built again, keeping each
	 * document's rows in its back-index. Reads meanwhile answer from the new index as it
	 * builds, as on a first build.
	 */
	private rebuild(broken: Indexer): void {
		const holders = [...this.slots.values()].filter(
			(slot) => slot.current === broken || slot.previous === broken
		);
		if (this.closed || holders.length === 0) return;
		const slot = holders[0];
		const made = slot.busy.then(async () => {
			if (broken.meta.state === 'retired') return;
			const { db, ddoc, signature, includeDesign, views } = broken.meta;
			const current = holders.some((holder) => holder.current === broken);
			const plan = {
				signature,
				includeDesign,
				views: views.map(({ name, map, reducer }) => ({ name, map, reducer }))
			};
			const indexer = current ? await this.createIndex(db, ddoc, plan, 'rows') : undefined;
			for (const holder of holders) {
				if (holder.previous === broken) holder.previous = undefined;
				if (holder.current === broken) holder.current = indexer;
			}
			this.retire(broken);
			indexer?.start();
		});
		slot.busy = made.catch((e) => this.log(`could not build a view index again: ${e}`));
	}

	/**
	 * Makes an index its slot's current one and starts it. A ready predecessor stays
	 * (for stale reads) until a building index is ready; anything else older goes.
	 */
	private install(slot: Slot, indexer: Indexer): void {
		const keep = indexer.meta.state === 'building' && slot.current?.meta.state === 'ready';
		const olds = [slot.previous, keep ? undefined : slot.current];
		slot.previous = keep ? slot.current : undefined;
		slot.current = indexer;
		for (const old of olds) if (old && old !== indexer) this.release(old);
		indexer.start();
	}

	private indexer(meta: IndexMeta): Indexer {
		const indexer: Indexer = new Indexer(this.store, meta, this.database(meta.db), {
			batchSize: this.options.batchSize,
			pollMs: this.options.pollMs,
			mapLimits: this.options.mapLimits,
			reads: this.reads,
			log: this.log,
			// Any design document of the database that has an index: the one copied over
			// another may have been this index's, whoever follows the database faster.
			onDesignChange: (ids) => {
				for (const id of ids) {
					if (id === meta.ddoc || this.slots.has(slotKey(meta.db, id))) {
						void this.designChanged(meta.db, id);
					}
				}
			},
			onReady: () => void this.ready(indexer),
			onImpure: () => this.rebuild(indexer)
		});
		return indexer;
	}

	/** A building index caught up: it becomes ready and its predecessor goes. */
	private async ready(indexer: Indexer): Promise<void> {
		if (indexer.meta.state !== 'building') return;
		indexer.meta.state = 'ready';
		await this.store.put(metaKey(indexer.meta.id), JSON.stringify(indexer.meta));
		for (const slot of this.slots.values()) {
			if (slot.current === indexer && slot.previous) {
				const previous = slot.previous;
				slot.previous = undefined;
				this.release(previous);
			}
		}
	}

	/** A design document changed: build its new index in the background. */
	private async designChanged(db: string, ddocId: string): Promise<void> {
		if (this.closed) return;
		try {
			const ddoc = await this.designDoc(db, ddocId);
			const plan = this.plan(db, ddoc);
			if (plan.views.length) await this.ensureIndex(db, ddocId, plan);
		} catch (e) {
			if (e instanceof ViewError && e.status === 404) {
				const slot = this.slots.get(slotKey(db, ddocId));
				if (slot) {
					clearTimeout(slot.retry);
					this.slots.delete(slotKey(db, ddocId));
					for (const indexer of [slot.current, slot.previous]) if (indexer) this.release(indexer);
				}
				return;
			}
			// A failed creation is counted and logged where it failed (createFailed).
			if (this.slots.get(slotKey(db, ddocId))?.failure?.reason === String(e)) return;
			this.log(`could not read ${db}/${ddocId}: ${e}`);
		}
	}

	/**
	 * Builds indexes for design documents that have none (at start).
	 * @param listed The design documents of the databases `resume` listed already.
	 */
	private async discover(
		listed: Map<string, Promise<{ id: string; plan: DesignPlan }[]>>
	): Promise<void> {
		this.dbNames ??= new Set(await this.options.Pouch.allDbs());
		for (const db of [...this.dbNames]) {
			if (this.closed) return;
			if (db.startsWith('pouch__') || db.includes('-mrview-')) continue;
			const designs = await (listed.get(db) ?? this.designPlans(db));
			for (const { id, plan } of designs) {
				if (this.closed) return;
				if (plan.views.length) await this.ensureIndex(db, id, plan);
			}
			// An index resumed as a design document's that is gone (deleted while the engine
			// was down): let go of it.
			const present = new Set(designs.map(({ id }) => id));
			for (const slot of [...this.slots.values()]) {
				if (slot.db === db && !present.has(slot.ddoc)) await this.designChanged(db, slot.ddoc);
			}
		}
	}

	/** The design documents of a database and their plans. */
	private async designPlans(db: string): Promise<{ id: string; plan: DesignPlan }[]> {
		const found = await this.database(db).allDocs({
			startkey: '_design/',
			endkey: '_design0',
			include_docs: true
		});
		return found.rows
			.filter((row) => row.doc)
			.map((row) => ({ id: row.key, plan: this.plan(db, row.doc as unknown as DesignDoc) }));
	}

	private slot(db: string, ddocId: string): Slot {
		const key = slotKey(db, ddocId);
		let slot = this.slots.get(key);
		if (!slot) {
			slot = { db, ddoc: ddocId, busy: Promise.resolve() };
			this.slots.set(key, slot);
		}
		return slot;
	}

	/** Every live index, once (slots may share one). */
	private indexers(): Set<Indexer> {
		const all = new Set<Indexer>();
		for (const slot of this.slots.values()) {
			if (slot.current) all.add(slot.current);
			if (slot.previous) all.add(slot.previous);
		}
		return all;
	}

	/** A live index of the database with the signature, whichever design document has it. */
	private sharedIndex(db: string, signature: string): Indexer | undefined {
		for (const indexer of this.indexers()) {
			if (indexer.meta.db === db && indexer.meta.signature === signature) return indexer;
		}
		return undefined;
	}

	/**
	 * An index a slot let go of: deleted when no design document has it any more, else
	 * recorded as one of those that have it, should it be the one it named.
	 */
	private release(indexer: Indexer): void {
		if (indexer.meta.state === 'retired') return;
		const holders = [...this.slots.values()].filter(
			(slot) => slot.current === indexer || slot.previous === indexer
		);
		if (!holders.length) return this.retire(indexer);
		if (holders.some((slot) => slot.ddoc === indexer.meta.ddoc)) return;
		indexer.meta.ddoc = holders[0].ddoc;
		const meta = JSON.stringify(indexer.meta);
		this.track(this.store.put(metaKey(indexer.meta.id), meta), 'record who has a view index');
	}

	private database(name: string): PouchDatabase {
		let db = this.databases.get(name);
		if (!db) {
			db = new this.options.Pouch(name);
			this.databases.set(name, db);
		}
		return db;
	}

	/** Stops an index and deletes it (in the background; resumed after a restart). */
	private retire(indexer: Indexer): void {
		if (indexer.meta.state === 'retired') return;
		indexer.meta.state = 'retired';
		const done = indexer
			.stop()
			.then(() => this.store.put(metaKey(indexer.meta.id), JSON.stringify(indexer.meta)))
			.then(() => this.delete(indexer.meta));
		this.track(done);
	}

	/** Deletes a retired index's keys, then its metadata. */
	private delete(meta: IndexMeta): Promise<void> {
		const done = this.store.clear(indexRange(meta.id)).then(() => this.store.del(metaKey(meta.id)));
		return this.track(done);
	}

	/** Background work on the store that close() waits for; `what` names it should it fail. */
	private track(work: Promise<void>, what = 'delete an old view index'): Promise<void> {
		const tracked = work.catch((e) => {
			if (!this.closed) this.log(`could not ${what}: ${e}`);
		});
		this.deletions.add(tracked);
		void tracked.finally(() => this.deletions.delete(tracked));
		return tracked;
	}

	/** A database was deleted: so are its indexes. */
	private dropDatabase(name: string): void {
		this.dbNames?.delete(name);
		this.databases.delete(name);
		this.designs.forget(name);
		for (const [key, slot] of this.slots) {
			if (!key.startsWith(`${name}\u0000`)) continue;
			this.slots.delete(key);
			for (const indexer of [slot.current, slot.previous]) if (indexer) this.retire(indexer);
		}
	}
}

function slotKey(db: string, ddocId: string): string {
	return `${db}\u0000${ddocId}`;
}
