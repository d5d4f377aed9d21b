/**
 * Keeps one index up to date: reads the database's changes from the index's
 * checkpoint in bounded batches (PouchDB in the same process), writes each batch
 * atomically (batch.ts), wakes the reads waiting for a sequence, and, once caught up,
 * recomputes the `_stats` extremes of entries marked dirty by deletions (heal.ts).
 *
 * It never holds more than one batch in memory, so the store keeps answering other
 * requests while a large import is indexed.
 */
import { writeBatch, type Change } from './batch';
import { ImpureMapError } from './back-index';
import { ViewError } from './errors';
import { FenceKeeper } from './fences';
import { healDirty } from './heal';
import { buildLevels, type WantedLevel } from './levels';
import { CHOOSE_AFTER_DOCS, WANT_ROWS, buildRows, chooseRows, rowsFromStart } from './rows';
import { MapSandbox, type MapLimits } from './sandbox';
import type { Reads } from './schedule';
import type { IndexMeta, Level } from './store';

/** The part of a PouchDB database the indexer uses. */
export interface ChangesSource {
	changes(
		options: Record<string, unknown>
	): Promise<{ results: Change[]; last_seq: number | string }>;
	info(): Promise<{ update_seq: number | string }>;
}

/** Options of an {@link Indexer}. */
export interface IndexerOptions {
	/** Documents per batch; default 1000. */
	batchSize?: number;
	/** How often an idle index looks for changes nobody told it about; default 5000 ms. */
	pollMs?: number;
	mapLimits?: MapLimits;
	/** The store's reads in flight: indexing waits for them at each yield (schedule.ts). */
	reads?: Reads;
	/** Where map errors and `log()` lines go. */
	log: (line: string) => void;
	/** Called with the design document ids a batch saw change. */
	onDesignChange: (ids: string[]) => void;
	/** Called once when a `building` index first catches up. */
	onReady: () => void;
	/**
	 * Called once when a map function proved not to be a pure function of the document
	 * (back-index.ts); the index has stopped following its database by then.
	 */
	onImpure?: (error: ImpureMapError) => void;
}

/** Progress of a catch-up, in CouchDB's `_active_tasks` terms. */
export interface Progress {
	startedOn: number;
	updatedOn: number;
	changesDone: number;
	totalChanges: number;
}

/** Attempts that failed in a row (a batch, a chunk), as `_active_tasks` shows them. */
export interface Failure {
	/** Failed attempts since the last one that succeeded. */
	count: number;
	/** When the first of them failed (ms). */
	since: number;
	/** When the last one failed (ms). */
	at: number;
	/** The last one's error. */
	reason: string;
}

/** Changes being read: from which sequence, and the how-manieth read it is. */
interface Prefetch {
	fetch: number;
	since: number;
	response: Promise<{ results: Change[]; last_seq: number | string }>;
}

interface Waiter {
	target: number;
	/** Fetches started before the waiter was made. */
	after: number;
	resolve: () => void;
	reject: (e: unknown) => void;
}

/** Map errors logged per batch; the rest are counted. */
const LOGGED_PER_BATCH = 10;

export class Indexer {
	readonly sandbox: MapSandbox;
	private waiters: Waiter[] = [];
	private fetches = 0;
	private wakeUp: (() => void) | undefined;
	private woken = false;
	/** Whether entries may be marked dirty (always checked once after a start). */
	private mayBeDirty = true;
	private stopped = false;
	/** Whether a map function proved impure (see impure()). */
	private impureFound = false;
	private running: Promise<void> | undefined;
	private progress: Progress | undefined;
	/** The failed attempts since the last that succeeded; undefined while none failed. */
	private failure: Failure | undefined;
	/** The next batch's changes, being read. */
	private prefetched: Prefetch | undefined;
	/** Group levels reads wanted since the last step (levels.ts), by `view:level`. */
	private wanted = new Map<string, WantedLevel>();
	/** Whether a group level is being built. */
	private building = true;
	/** Fences of the index's views (fences.ts). */
	private readonly fences: FenceKeeper;
	/** Whether fences are being built. */
	private fencing = false;
	/** Views whose map rows reads wanted since the last step (rows.ts). */
	private wantedRows = new Set<number>();
	/** Whether map rows are being built. */
	private buildingRows = true;

	constructor(
		private readonly store: Level,
		readonly meta: IndexMeta,
		private readonly db: ChangesSource,
		private readonly options: IndexerOptions
	) {
		this.fences = new FenceKeeper(store, meta);
		// The fences of the views whose rows the index keeps by choice, should a crash have
		// come between the choice and their first chunk (rows.ts).
		if (meta.rowsChosen) {
			meta.views.forEach((view, i) => {
				if (view.rowsKept !== false && !rowsFromStart(view.reducer)) this.fences.want(i);
			});
		}
		this.sandbox = new MapSandbox(
			meta.views.map((view) => ({ name: view.name, map: view.map })),
			options.mapLimits
		);
	}

	/**
	 * A map function proved not to be a pure function of the document, in a batch or a
	 * read (back-index.ts): the index stops following its database, and says so once.
	 */
	impure(error: ImpureMapError): void {
		if (this.impureFound) return;
		this.impureFound = true;
		this.stopped = true;
		this.wake();
		this.options.log(
			`view index ${this.meta.db}/${this.meta.ddoc}: ${error.message}; ` +
				"it is built again, keeping each document's rows"
		);
		this.options.onImpure?.(error);
	}

	/** Starts following the database. */
	start(): void {
		this.running ??= this.loop();
	}

	/** Asks the loop to look for changes now. */
	wake(): void {
		this.woken = true;
		this.wakeUp?.();
	}

	/**
	 * Notes a group level a read needed but the index does not keep: the indexer builds
	 * it between its batches (levels.ts).
	 */
	want(view: number, level: number): void {
		// The view's map rows (rows.ts).
		if (level === WANT_ROWS) {
			if (this.wantedRows.has(view)) return;
			this.wantedRows.add(view);
			this.wake();
			return;
		}
		// Level 0 is no group level: the view's fences (fences.ts).
		if (level === 0) {
			this.fences.want(view);
			this.wake();
			return;
		}
		const name = `${view}:${level}`;
		if (this.wanted.has(name)) return;
		this.wanted.set(name, { view, level });
		this.wake();
	}

	/** The catch-up under way, or undefined when idle. */
	get activeProgress(): Progress | undefined {
		return this.progress;
	}

	/**
	 * The attempts that failed since the last that succeeded (a full disk fails every
	 * batch), or undefined when the last succeeded.
	 */
	get failing(): Failure | undefined {
		return this.failure;
	}

	/**
	 * Resolves once the index reflects sequence `target` (or the database has nothing
	 * newer to index).
	 * @param signal Aborted when the waiting read's client has left: the wait ends (the
	 *   indexing goes on) and rejects with the signal's reason.
	 * @throws {ViewError} 500 `timeout` after `timeoutMs`, as CouchDB answers a read
	 *   that waits too long for its index.
	 */
	waitFor(target: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) return Promise.reject(signal.reason);
		if (this.meta.seq >= target) return Promise.resolve();
		return new Promise<void>((resolve, reject) => {
			const settle = () => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', left);
				this.waiters = this.waiters.filter((w) => w !== waiter);
			};
			const timer = setTimeout(() => {
				settle();
				reject(
					new ViewError(
						500,
						'timeout',
						'The request could not be processed in a reasonable amount of time.'
					)
				);
			}, timeoutMs);
			const left = () => {
				settle();
				reject(signal!.reason);
			};
			const waiter: Waiter = {
				target,
				after: this.fetches,
				resolve: () => {
					settle();
					resolve();
				},
				reject: (e) => {
					settle();
					reject(e);
				}
			};
			signal?.addEventListener('abort', left, { once: true });
			this.waiters.push(waiter);
			this.wake();
		});
	}

	/** Stops after the batch in progress; pending waits are refused. */
	async stop(): Promise<void> {
		this.stopped = true;
		this.wake();
		await this.running;
		for (const waiter of this.waiters) {
			waiter.reject(new ViewError(500, 'unknown_error', 'the view index was closed'));
		}
		this.waiters = [];
	}

	private async loop(): Promise<void> {
		let backoff = 100;
		while (!this.stopped) {
			try {
				const busy = await this.step();
				backoff = 100;
				if (this.failure) {
					this.options.log(
						`view index ${this.meta.db}/${this.meta.ddoc} works again after ${this.failure.count} failed attempts`
					);
					this.failure = undefined;
				}
				if (!busy) await this.sleep(this.options.pollMs ?? 5_000);
			} catch (e) {
				if (this.stopped) break;
				if (e instanceof ImpureMapError) {
					this.impure(e);
					break;
				}
				const now = Date.now();
				this.failure = {
					count: (this.failure?.count ?? 0) + 1,
					since: this.failure?.since ?? now,
					at: now,
					reason: String(e)
				};
				this.options.log(`view index ${this.meta.db}/${this.meta.ddoc} failed: ${String(e)}`);
				for (const waiter of this.waiters) waiter.reject(e);
				this.waiters = [];
				await this.sleep(backoff);
				backoff = Math.min(backoff * 2, 10_000);
			}
		}
		this.progress = undefined;
	}

	/** One batch; false when there was nothing to do. */
	private async step(): Promise<boolean> {
		// Reads first: a batch, a level's or fences' chunk starts once none is in flight.
		await this.options.reads?.turn();
		// One chunk of each group level under way, then the next batch.
		if (this.building || this.wanted.size) {
			const wanted = [...this.wanted.values()];
			this.wanted.clear();
			this.building = await buildLevels(this.store, this.meta, wanted);
		}
		// Once it has mapped enough documents, a new index keeps the rows of the views
		// emitting about one row per document (rows.ts), and their fences: these are the
		// views read row by row, whose offsets fences answer (fences.ts).
		const choosing = !this.meta.rowsChosen && this.meta.views.some((v) => v.rowsKept === false);
		if (choosing && this.meta.seq >= CHOOSE_AFTER_DOCS) {
			const chosen = await chooseRows(this.store, this.meta);
			if (chosen) {
				for (const view of chosen) {
					this.wantedRows.add(view);
					this.fences.want(view);
				}
				// Stored with the next write of the metadata; chosen again after a crash before it.
				this.meta.rowsChosen = true;
			}
		}
		this.fencing = await this.fences.step();
		// One chunk of each view's map rows under way (rows.ts).
		if (this.buildingRows || this.wantedRows.size) {
			const wanted = [...this.wantedRows];
			this.wantedRows.clear();
			this.buildingRows = await buildRows(this.store, this.meta, this.sandbox, wanted);
		}
		const since = this.meta.seq;
		// The next batch's changes are read while this one is mapped and written.
		const current = this.prefetched?.since === since ? this.prefetched : this.fetchChanges(since);
		this.prefetched = undefined;
		const fetch = current.fetch;
		// Listed in `_active_tasks` as soon as the index is known to be behind, not only
		// once the changes are read: on a store busy with an import reading them took
		// seconds, and a reader that saw no indexer then waited for the index.
		if (!this.progress) {
			const behind = await this.behind(since);
			if (behind && !this.progress) this.list(behind);
		}
		const response = await current.response;
		if (this.stopped) return false;
		if (response.results.length === 0) {
			this.caughtUp(fetch);
			if (this.mayBeDirty) {
				this.mayBeDirty = false;
				await healDirty(this.store, this.meta);
			}
			return this.building || this.fencing || this.buildingRows;
		}
		const progress = this.progress ?? this.list(await this.behind(since));
		this.prefetched = this.fetchChanges(Number(response.last_seq));
		const lines: string[] = [];
		const result = await writeBatch(
			this.store,
			this.meta,
			this.sandbox,
			response.results,
			Number(response.last_seq),
			(line) => lines.push(line),
			this.fences,
			this.options.reads
		);
		for (const line of lines.slice(0, LOGGED_PER_BATCH)) this.options.log(line);
		if (lines.length > LOGGED_PER_BATCH) {
			this.options.log(`… and ${lines.length - LOGGED_PER_BATCH} more such lines in this batch`);
		}
		progress.changesDone += result.docs;
		progress.updatedOn = Date.now();
		// What is left is what the database holds now: during an import the total grows,
		// and a reader deciding whether to wait for the index (the stats reader waits only
		// when few changes are left) must see the backlog as it is, not as it was.
		const { update_seq } = await this.db.info();
		progress.totalChanges = progress.changesDone + Math.max(0, Number(update_seq) - this.meta.seq);
		// Nothing left: listed no more, as CouchDB ends its indexer task once it has indexed
		// what the database held. Listed until the next look for changes found none, it
		// told a stats read just released from its wait that the index was still being built,
		// and the read, slow on a busy machine, answered from it as it stood (`indexing`).
		if (progress.totalChanges === progress.changesDone) this.progress = undefined;
		this.release((w) => this.meta.seq >= w.target);
		if (result.dirtied) this.mayBeDirty = true;
		if (result.designs.length) this.options.onDesignChange(result.designs);
		return true;
	}

	/** How many changes the database holds after `since`. */
	private async behind(since: number): Promise<number> {
		const info = await this.db.info();
		return Math.max(0, Number(info.update_seq) - since);
	}

	/** Starts the progress `_active_tasks` shows. */
	private list(behind: number): Progress {
		const now = Date.now();
		this.progress = { startedOn: now, updatedOn: now, changesDone: 0, totalChanges: behind };
		return this.progress;
	}

	private fetchChanges(since: number): Prefetch {
		const fetch = ++this.fetches;
		const response = this.db.changes({
			since,
			limit: this.options.batchSize ?? 1_000,
			include_docs: true,
			style: 'all_docs',
			return_docs: true
		});
		// A prefetch dropped after a failed batch must not become an unhandled rejection.
		response.catch(() => undefined);
		return { fetch, since, response };
	}

	private caughtUp(fetch: number) {
		this.progress = undefined;
		this.release((w) => w.after < fetch || this.meta.seq >= w.target);
		if (this.meta.state === 'building') this.options.onReady();
	}

	private release(done: (waiter: Waiter) => boolean) {
		const keep: Waiter[] = [];
		for (const waiter of this.waiters) {
			if (done(waiter)) waiter.resolve();
			else keep.push(waiter);
		}
		this.waiters = keep;
	}

	private sleep(ms: number): Promise<void> {
		if (this.woken) {
			this.woken = false;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			// However the sleep ends, its wake-up goes with it: left behind after a poll's
			// timer, it took the next wake() (a read's, while the loop was looking for
			// changes) for this finished sleep, and the read waited for the poll after.
			const finish = () => {
				clearTimeout(timer);
				this.wakeUp = undefined;
				this.woken = false;
				resolve();
			};
			const timer = setTimeout(finish, ms);
			timer.unref?.();
			this.wakeUp = finish;
		});
	}
}
