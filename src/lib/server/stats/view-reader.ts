/**
 * Reads `_design/stats` views for one Stats API request, counting the rows read and
 * never hanging on an index that is still being built.
 *
 * A query first runs normally (the index is brought up to date) with a short time
 * limit. Past it, the reader asks whether the view is being built: CouchDB lists an
 * `indexer` task for the database in `_active_tasks`; otherwise the view is taken as
 * building when this process has not yet seen it up to date, or has seen it more than
 * {@link PENDING_CHANGES} changes behind the database. A query that is merely slow on
 * an up-to-date index is waited for. A view being built is read with `stale=ok`, which
 * Apache CouchDB answers at once from the index as it stands, and later requests go
 * straight to `stale=ok` until the build finishes. The embedded store (PouchDB) lists
 * no tasks and queues `stale=ok` reads behind the running build, so there a stale read
 * gets the same time limit and past it the view contributes no rows. Either way the
 * response says `indexing: true`: its numbers may be incomplete.
 */
import type { Couch } from '../couch';
import { isStillIndexing } from './still-indexing';

/** Design document holding the stats views. */
export const STATS_DESIGN = 'stats';

/** Default time limit for a view query before falling back to `stale=ok`, in ms. */
export const DEFAULT_VIEW_TIMEOUT_MS = 5_000;

/** Changes an index may lag behind its database before a slow read counts as a build. */
export const PENDING_CHANGES = 1_000;

/** Views being built, by `<db>/<view>`: the pending up-to-date query of each. */
const building = new Map<string, Promise<unknown>>();

/** The database sequence (numeric part) each view was last seen up to date at, by `<db>/<view>`. */
const upToDate = new Map<string, number>();

/** Query parameters of a view read (CouchDB names). */
export interface ViewParams {
	startkey?: unknown;
	endkey?: unknown;
	group_level?: number;
	reduce?: boolean;
	limit?: number;
	inclusive_end?: boolean;
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

	async function query<V>(view: string, params: ViewParams, stale: boolean) {
		queries += 1;
		const qs = stale ? { ...params, stale: 'ok' } : params;
		const body = await couch.events.view<V>(STATS_DESIGN, view, qs as Record<string, unknown>);
		return body.rows as unknown as Row<V>[];
	}

	async function staleRead<V>(view: string, params: ViewParams): Promise<Row<V>[]> {
		indexing = true;
		const rows = await withinLimit(query<V>(view, params, true), timeoutMs);
		return rows ?? [];
	}

	// The database's sequence before the request's first read: every fresh read covers it.
	let startSeq: Promise<number | undefined> | undefined;
	const sequence = () => (startSeq ??= databaseSeq(couch));

	return {
		async read<V>(view: string, params: ViewParams) {
			const key = `${couch.names.events}/${view}`;
			let rows: Row<V>[] | undefined;
			if (building.has(key)) {
				rows = await staleRead<V>(view, params);
			} else {
				const covered = await sequence();
				const fresh = query<V>(view, params, false).then(
					(result) => {
						if (covered !== undefined) upToDate.set(key, Math.max(upToDate.get(key) ?? 0, covered));
						return result;
					},
					// CouchDB's `500 timeout`: the build outlasted its wait; read what is there.
					(error) => {
						if (isStillIndexing(error)) return undefined;
						throw error;
					}
				);
				rows = await withinLimit(fresh, timeoutMs);
				if (!rows && !(await isBuilding(couch, key))) rows = await fresh;
				if (!rows) {
					if (!building.has(key)) {
						building.set(
							key,
							fresh.catch(() => undefined).finally(() => building.delete(key))
						);
					}
					rows = await staleRead<V>(view, params);
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
 * Waits until every view build that a request started in this process has finished
 * (tests and the benchmark use it; requests never wait).
 */
export async function viewBuildsSettled(): Promise<void> {
	while (building.size > 0) await Promise.all([...building.values()]);
}

/** Whether a view whose read is slow is being built (see the module comment). */
async function isBuilding(couch: Couch, key: string): Promise<boolean> {
	const [tasks, seq] = await Promise.all([
		couch.server
			.request({ path: '_active_tasks' })
			.then((body) => (Array.isArray(body) ? (body as { type?: string; database?: string }[]) : []))
			.catch(() => []),
		databaseSeq(couch)
	]);
	const db = couch.names.events;
	if (tasks.some((t) => t.type === 'indexer' && String(t.database ?? '').includes(db))) return true;
	const seen = upToDate.get(key);
	return seen === undefined || seq === undefined || seq - seen > PENDING_CHANGES;
}

/** The numeric part of the events database's update sequence (`123-g1AAA…` → 123). */
async function databaseSeq(couch: Couch): Promise<number | undefined> {
	try {
		const seq = parseInt(String((await couch.events.info()).update_seq), 10);
		return Number.isFinite(seq) ? seq : undefined;
	} catch {
		return undefined;
	}
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
