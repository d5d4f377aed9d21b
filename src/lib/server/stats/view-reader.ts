/**
 * Reads `_design/stats` views for one request, counting the rows read and answering
 * within a time budget while an index is being brought up to date.
 *
 * Both servers answer `stale=ok` at once from the index as it stands and list a view
 * index being brought up to date in `_active_tasks` (Apache CouchDB as an `indexer`
 * task, the embedded store's view engine likewise). So a request first asks whether an
 * indexer of the events database's `_design/stats` is running, and how far behind it is:
 *
 * - more than {@link PENDING_CHANGES} changes behind: every read of the request is
 *   `stale=ok` and the response says `indexing: true` (its numbers are those indexed so
 *   far, never fewer);
 * - running, but at most that far behind: reads bring the index up to date for as long
 *   as the request's budget ({@link DEFAULT_VIEW_TIMEOUT_MS} from its first read) allows,
 *   less the time kept for reading what is indexed ({@link STALE_RESERVE_MS}); a read
 *   still waiting then is read again with `stale=ok` (`indexing: true`);
 * - not running: reads bring the index up to date (it is, or nearly); one still
 *   unanswered when the budget's waiting time is spent (a whole waiting time of its own
 *   once the request's is) asks again, and is read `stale=ok` if an indexer has started
 *   meanwhile, waited for if not (an index that is up to date but slow).
 *
 * The queries of one view a request makes together (a range's covering segments, the
 * sections' reads side by side) go as one `POST …/_view/{view}/queries`, at most
 * {@link MAX_BATCH} to a request, fresh and stale reads apart; a request that fails is
 * asked again query by query. Each read keeps its own budget and answer.
 */
import { isMissingView, viewQueries, type Couch } from '../couch';
import { stagedDesignId } from '../boot/staged-designs';
import { isStillIndexing, untilIndexed } from './still-indexing';
import { forNoClient } from '../store-dispatch';

/** Design document holding the stats views. */
export const STATS_DESIGN = 'stats';

/**
 * The view of {@link STATS_DESIGN} an up-to-date read of which proves the whole design
 * document caught up: its views share one index, in Apache CouchDB as in the embedded
 * store (other design documents, `_design/retention` or `_design/visitor`, index apart).
 * `since` emits at most one row per record, and its rows are kept from the start
 * (embedded/views/README.md, rows kept on demand).
 */
export const STATS_PROBE_VIEW = 'since';

/**
 * Resolves once the stats views have indexed everything written before the call (a
 * command-line tool's, a bench's or a test's wait: as long as the build takes). `limit=0`
 * and `reduce=false` read no row and no reduction, so the wait costs the build alone.
 */
export async function statsIndexed(couch: Couch): Promise<void> {
	await untilIndexed(() =>
		couch.events.view(STATS_DESIGN, STATS_PROBE_VIEW, { limit: 0, reduce: false })
	);
}

/**
 * Default time budget of a request's reads, in ms: a dashboard answers within about a
 * second while new records are being indexed.
 */
export const DEFAULT_VIEW_TIMEOUT_MS = 1_000;

/**
 * Part of the budget kept for reading `stale=ok` after waiting for the index, in ms (at
 * most half the budget): most views' stale reads took under 400 ms (95th percentile) on
 * a store busy with an import (`npm run bench:import`, 20k lines, load average 10–13).
 */
export const STALE_RESERVE_MS = 400;

/**
 * Most queries of one view sent as one request: Apache CouchDB answers a request's
 * queries one after another, each across the database's shards, so a request stays
 * short (a funnel reads hundreds of sessions' spans of one view at once).
 */
export const MAX_BATCH = 16;

/**
 * How long a look for a staged `_design/stats` holds, in ms: on the embedded store a
 * document read costs 5–7 ms (a dashboard request's whole median is about 25 ms), and a
 * staged design document comes and goes once an upgrade.
 */
export const STAGED_LOOK_MS = 5_000;

/** Changes an index may lag behind its database before reads stop waiting for it. */
export const PENDING_CHANGES = 500;

/** Query parameters of a view read (CouchDB names). */
export interface ViewParams {
	startkey?: unknown;
	endkey?: unknown;
	/** Exactly these keys (nano sends them in a POST body); with a reduce, `group: true`. */
	keys?: unknown[];
	group?: boolean;
	group_level?: number;
	reduce?: boolean;
	limit?: number;
	inclusive_end?: boolean;
	descending?: boolean;
	/** With `startkey`: the document id a read starts at among rows of that key (cursors). */
	startkey_docid?: string;
}

/** A view row as read. */
export interface Row<V = unknown> {
	id?: string;
	key: unknown[];
	value: V;
}

/** Reads views for one request and keeps count. */
export interface ViewReader {
	/** Reads rows of a `_design/stats` view. */
	read<V>(view: string, params: ViewParams): Promise<Row<V>[]>;
	/** Rows returned by every read so far. */
	readonly rowsRead: number;
	/** View queries made so far. */
	readonly queries: number;
	/** Whether any read came from an index still being built. */
	readonly indexing: boolean;
	/**
	 * Whether the index read may be a previous design document's: the request reads the
	 * index as it stands (`stale=ok`: an indexer was more than {@link PENDING_CHANGES}
	 * changes behind at its start, or a read already answered so), which the embedded
	 * store answers from the previous index while it builds the new one; or a changed
	 * `_design/stats` is staged beside the live one until its index is built
	 * (boot/staged-designs.ts), so the live one is a previous version.
	 */
	stale(): Promise<boolean>;
}

/** Options of {@link createViewReader}. */
export interface ViewReaderOptions {
	/** Time budget of the request's reads; default {@link DEFAULT_VIEW_TIMEOUT_MS}. */
	timeoutMs?: number;
	/** Clock in ms (tests); default `performance.now`. */
	now?: () => number;
}

/** Creates a reader for one request. */
export function createViewReader(couch: Couch, options: ViewReaderOptions = {}): ViewReader {
	const budget = options.timeoutMs ?? DEFAULT_VIEW_TIMEOUT_MS;
	const now = options.now ?? (() => performance.now());
	// Reads wait for the index until this long after the first read began.
	const waiting = budget - Math.min(STALE_RESERVE_MS, budget / 2);
	let rowsRead = 0;
	let queries = 0;
	let indexing = false;
	let started: number | undefined;
	// Asked once per request, before its first read; again once a read outlasts its wait
	// while no indexer was running.
	let lag: Promise<number> | undefined;
	let asked: Promise<number> | undefined;
	let staged: Promise<boolean> | undefined;

	// Queries of one view made together, sent once the microtasks queued meanwhile have
	// run (process.nextTick): the reads resuming from one answer (the request's look at
	// `_active_tasks`, a read they needed first) go as one request. Fresh and stale apart:
	// a stale read must not wait behind a fresh one's wait for the index.
	const pending = new Map<string, { view: string; batch: Pending[] }>();
	let flushing = false;

	function query<V>(view: string, params: ViewParams, stale: boolean): Promise<Row<V>[]> {
		queries += 1;
		const qs = stale ? { ...params, stale: 'ok' } : params;
		return new Promise((resolve, reject) => {
			const key = `${stale ? 'stale' : 'fresh'} ${view}`;
			let group = pending.get(key);
			if (group?.batch.length === MAX_BATCH) {
				void send(couch, view, group.batch);
				group = undefined;
				pending.delete(key);
			}
			if (!group) {
				group = { view, batch: [] };
				pending.set(key, group);
			}
			if (!flushing) {
				flushing = true;
				process.nextTick(flush);
			}
			group.batch.push({
				qs: qs as Record<string, unknown>,
				resolve: resolve as Pending['resolve'],
				reject
			});
		});
	}

	function flush() {
		flushing = false;
		const groups = [...pending.values()];
		pending.clear();
		for (const { view, batch } of groups) void send(couch, view, batch);
	}

	function staleRead<V>(view: string, params: ViewParams): Promise<Row<V>[]> {
		indexing = true;
		return query<V>(view, params, true);
	}

	async function read<V>(view: string, params: ViewParams): Promise<Row<V>[]> {
		started ??= now();
		lag ??= indexerLag(couch);
		const first = await lag;
		if (first > PENDING_CHANGES) return staleRead<V>(view, params);
		const left = started + waiting - now();
		// An indexer running at the request's start: no wait beyond the budget's.
		if (first >= 0 && left <= 0) return staleRead<V>(view, params);
		// CouchDB's `500 timeout`: the build outlasted its wait; read what is there.
		const fresh = query<V>(view, params, false).catch((error) => {
			if (isStillIndexing(error)) return undefined;
			throw error;
		});
		const rows = await withinLimit(fresh, first >= 0 ? left : left > 0 ? left : waiting);
		if (rows) return rows;
		if (first < 0) {
			asked ??= indexerLag(couch).finally(() => (asked = undefined));
			if ((await asked) < 0) return (await fresh) ?? staleRead<V>(view, params);
		}
		return staleRead<V>(view, params);
	}

	return {
		async stale() {
			lag ??= indexerLag(couch);
			staged ??= isStaged(couch, now());
			const [behind, previous] = await Promise.all([lag, staged]);
			return behind > PENDING_CHANGES || indexing || previous;
		},
		async read<V>(view: string, params: ViewParams) {
			const rows = await read<V>(view, params).catch(async (error) => {
				// A view the previous version had not: while its design document is staged,
				// read it as far as the staged index is built (an outside operations review:
				// every dashboard answered 500 until the rebuild ended).
				if (!isMissingView(error)) throw error;
				staged ??= isStaged(couch, now());
				if (!(await staged)) throw error;
				indexing = true;
				queries += 1;
				const body = await couch.events.view(STAGED_DESIGN, view, { ...params, stale: 'ok' });
				return body.rows as unknown as Row<V>[];
			});
			rowsRead += rows.length;
			return rows;
		},
		get rowsRead() {
			return rowsRead;
		},
		get queries() {
			return queries;
		},
		get indexing() {
			return indexing;
		}
	};
}

/**
 * `reader`, making each distinct query (a view and its parameters) once: a later read of
 * the same rows gets the first one's answer. For a read whose parts ask for the same rows
 * (the read model's sections: a goal's `pages` rows are the breakdowns' on the whole
 * site), not for a paged one, whose answers it would keep for the request's length.
 */
export function readingOnce(reader: ViewReader): ViewReader {
	const reads = new Map<string, Promise<Row[]>>();
	return {
		read<V>(view: string, params: ViewParams) {
			const key = `${view} ${JSON.stringify(params)}`;
			let read = reads.get(key);
			if (!read) {
				read = reader.read(view, params);
				reads.set(key, read);
			}
			return read as Promise<Row<V>[]>;
		},
		stale: () => reader.stale(),
		get rowsRead() {
			return reader.rowsRead;
		},
		get queries() {
			return reader.queries;
		},
		get indexing() {
			return reader.indexing;
		}
	};
}

/** A view query waiting for its turn's batch. */
interface Pending {
	qs: Record<string, unknown>;
	resolve: (rows: Row[]) => void;
	reject: (error: unknown) => void;
}

/**
 * Sends a batch of one view's queries: one alone as a view request, more as one
 * `POST …/_view/{view}/queries` (CouchDB 2.2 and later; the embedded store's view engine
 * answers it from one snapshot), which saves every query but the first its own request.
 * A batch that fails is asked again one query at a time, so each read gets the answer
 * or the error it would get alone (CouchDB's `500 timeout` of a read waiting for the
 * index, which the reader handles, ends the whole response).
 */
async function send(couch: Couch, view: string, batch: Pending[]): Promise<void> {
	if (batch.length > 1) {
		try {
			const { results } = await viewQueries(
				couch,
				STATS_DESIGN,
				view,
				batch.map((item) => item.qs)
			);
			if (results.length === batch.length && results.every((r) => Array.isArray(r?.rows))) {
				batch.forEach((item, i) => item.resolve(results[i].rows as unknown as Row[]));
				return;
			}
		} catch {
			// Asked again below, one by one.
		}
	}
	for (const item of batch) {
		// A client that throws at once still answers its read (it would otherwise wait for good).
		Promise.resolve()
			.then(() => couch.events.view(STATS_DESIGN, view, item.qs))
			.then((body) => item.resolve(body.rows as unknown as Row[]), item.reject);
	}
}

/**
 * How many changes the indexers of the events database's `_design/stats` listed in
 * `_active_tasks` still have to process (the largest), or -1 when none is running (or
 * the list cannot be read). Indexers of other design documents (`_design/visitor`) do
 * not hold up the stats views; a task that names no design document counts.
 */
async function indexerLag(couch: Couch): Promise<number> {
	let tasks: unknown;
	try {
		tasks = await couch.server.request({ path: '_active_tasks' });
	} catch {
		return -1;
	}
	let lag = -1;
	for (const task of Array.isArray(tasks) ? tasks : []) {
		const t = task as {
			type?: string;
			database?: string;
			design_document?: string;
			changes_done?: number;
			total_changes?: number;
		};
		if (t.type !== 'indexer' || !namesDatabase(String(t.database), couch.names.events)) continue;
		if (t.design_document !== undefined && t.design_document !== `_design/${STATS_DESIGN}`)
			continue;
		lag = Math.max(lag, Math.max(0, (t.total_changes ?? 0) - (t.changes_done ?? 0)));
	}
	return lag;
}

/** The last look for a staged `_design/stats`, per client: when, and what it found. */
const stagedLooks = new WeakMap<Couch, { at: number; staged: Promise<boolean> }>();

/**
 * Whether a changed `_design/stats` is staged (its live version then is the previous
 * one); true when that cannot be told, as reading the previous one's way is right for
 * both. Looked at once per {@link STAGED_LOOK_MS} per client: a look that old is still
 * right, since this process's set-up, before it served, staged the design document,
 * saw it staged or found its own version live (a tool without set-up looks at its first
 * read), and reading as if staged for a few seconds after the promotion is right too.
 */
function isStaged(couch: Couch, at: number): Promise<boolean> {
	const last = stagedLooks.get(couch);
	if (last && at - last.at < STAGED_LOOK_MS && at >= last.at) return last.staged;
	// Later reads share the look: no one client's leaving ends it (store-dispatch.ts).
	const staged = forNoClient(() =>
		couch.events.head(stagedDesignId(`_design/${STATS_DESIGN}`))
	).then(
		() => true,
		(e: { statusCode?: number }) => e.statusCode !== 404
	);
	stagedLooks.set(couch, { at, staged });
	return staged;
}

/** The name of `_design/stats` staged beside the live one (boot/staged-designs.ts). */
const STAGED_DESIGN = stagedDesignId(`_design/${STATS_DESIGN}`).slice('_design/'.length);

/** Whether a task's `database` is `db`, or one of its shards (`shards/…/db.1700000000`). */
function namesDatabase(database: string, db: string): boolean {
	return (
		database === db ||
		(database.startsWith('shards/') &&
			database
				.split('/')
				.pop()
				?.replace(/\.\d+$/, '') === db)
	);
}

/** The promise's value, or undefined when it takes longer than `ms`; rejections pass through. */
async function withinLimit<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const expired = new Promise<undefined>((resolve) => {
		timer = setTimeout(() => resolve(undefined), ms);
	});
	try {
		return await Promise.race([promise, expired]);
	} finally {
		clearTimeout(timer);
	}
}
