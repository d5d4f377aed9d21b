/**
 * Reads `_design/stats` views for one Stats API request, counting the rows read and
 * never hanging on an index that is still being built.
 *
 * Both servers answer `stale=ok` at once from the index as it stands and list a view
 * index being brought up to date in `_active_tasks` (Apache CouchDB as an `indexer`
 * task, the embedded store's view engine likewise). So a request first asks whether an
 * indexer of the events database is more than {@link PENDING_CHANGES} changes behind:
 * if so, every read of the request is `stale=ok` and the response says
 * `indexing: true` (its numbers are those indexed so far, never fewer). Otherwise reads
 * bring the index up to date; one still unanswered after the time limit is re-read with
 * `stale=ok` when an indexer is running by then (a build that started meanwhile), and
 * waited for when not (an index that is up to date but slow).
 */
import type { Couch } from '../couch';
import { isStillIndexing } from './still-indexing';

/** Design document holding the stats views. */
export const STATS_DESIGN = 'stats';

/**
 * Default time limit for a view query before falling back to `stale=ok` (only when an
 * indexer is running by then), in ms: a dashboard answers within about a second while
 * new records are being indexed.
 */
export const DEFAULT_VIEW_TIMEOUT_MS = 1_000;

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
}

/** Options of {@link createViewReader}. */
export interface ViewReaderOptions {
	/** Time limit of an up-to-date query before `stale=ok`; default {@link DEFAULT_VIEW_TIMEOUT_MS}. */
	timeoutMs?: number;
}

/** Creates a reader for one request. */
export function createViewReader(couch: Couch, options: ViewReaderOptions = {}): ViewReader {
	const timeoutMs = options.timeoutMs ?? DEFAULT_VIEW_TIMEOUT_MS;
	let rowsRead = 0;
	let queries = 0;
	let indexing = false;
	// Asked once per request, before its first read.
	let behind: Promise<boolean> | undefined;

	async function query<V>(view: string, params: ViewParams, stale: boolean) {
		queries += 1;
		const qs = stale ? { ...params, stale: 'ok' } : params;
		const body = await couch.events.view<V>(STATS_DESIGN, view, qs as Record<string, unknown>);
		return body.rows as unknown as Row<V>[];
	}

	function staleRead<V>(view: string, params: ViewParams): Promise<Row<V>[]> {
		indexing = true;
		return query<V>(view, params, true);
	}

	return {
		async read<V>(view: string, params: ViewParams) {
			behind ??= indexerLag(couch).then((lag) => lag > PENDING_CHANGES);
			let rows: Row<V>[] | undefined;
			if (await behind) {
				rows = await staleRead<V>(view, params);
			} else {
				// CouchDB's `500 timeout`: the build outlasted its wait; read what is there.
				const fresh = query<V>(view, params, false).catch((error) => {
					if (isStillIndexing(error)) return undefined;
					throw error;
				});
				rows = await withinLimit(fresh, timeoutMs);
				if (!rows) {
					rows = (await indexerLag(couch)) >= 0 ? await staleRead<V>(view, params) : await fresh;
					rows ??= await staleRead<V>(view, params);
				}
			}
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
 * How many changes the indexers of the events database listed in `_active_tasks`
 * still have to process (the largest), or -1 when none is running (or the list cannot
 * be read).
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
			changes_done?: number;
			total_changes?: number;
		};
		if (t.type !== 'indexer' || !namesDatabase(String(t.database), couch.names.events)) continue;
		lag = Math.max(lag, Math.max(0, (t.total_changes ?? 0) - (t.changes_done ?? 0)));
	}
	return lag;
}

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
