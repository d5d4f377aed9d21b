import { couch, ignoreStatus } from '../couch';
import { writeFailures, type WriteFailures } from '../ingest/write-failures';

/** The document `/healthz` writes while the ingest's writes fail. */
const WRITE_PROBE = '_local/couchstats-write-probe';

/**
 * Failed attempts in a row of a view index after which `/healthz` answers 503: one is a
 * hiccup the index retries at once, three (within a second of backing off) are a cause.
 */
export const INDEX_FAILURES = 3;

/** What `/healthz` reports. */
export interface Health {
	ok: boolean;
	couchdb: 'ok' | 'unreachable' | 'error';
	/** Why CouchDB is not OK, without secrets. */
	reason?: string;
}

/**
 * Checks that CouchDB answers and that the events database exists; while the ingest's
 * writes fail (a full disk leaves the database readable), that a write is stored again:
 * a probe document (`_local/`, which no view or change feed sees) is written, and its
 * success ends the failing streak; and that no view index has failed its last
 * {@link INDEX_FAILURES} attempts (a full disk stops indexing while the database still
 * takes writes), as `_active_tasks` says: the embedded store lists such an index's
 * `error_count` and `info.error`, Apache CouchDB neither, so there the check finds
 * nothing. Each request gets 3 s.
 */
export async function checkHealth(failures: WriteFailures = writeFailures): Promise<Health> {
	const { server, names, events } = couch();
	try {
		await within3s(server.db.get(names.events));
	} catch (e) {
		const status = (e as { statusCode?: number }).statusCode;
		if (status) return { ok: false, couchdb: 'error', reason: `CouchDB answered HTTP ${status}` };
		const message = e instanceof Error ? e.message : String(e);
		return {
			ok: false,
			couchdb: 'unreachable',
			reason: message.replace(/^error happened in your connection\. Reason: /, '')
		};
	}
	if (!failures.current()) return indexHealth(await indexerTasks());
	try {
		const probe = await within3s(ignoreStatus(events.get(WRITE_PROBE), 404));
		await within3s(events.insert({ _id: WRITE_PROBE, _rev: probe?._rev, at: Date.now() } as never));
		failures.succeeded();
		return { ok: true, couchdb: 'ok' };
	} catch (e) {
		failures.failed(e);
	}
	const failing = failures.current()!;
	return {
		ok: false,
		couchdb: 'error',
		reason: `storing records fails since ${new Date(failing.since).toISOString()}: ${withoutPaths(failing.reason)}`
	};
}

/** An `indexer` task of `_active_tasks`, with the fields a failing one may have. */
interface IndexerTask {
	type?: unknown;
	database?: unknown;
	design_document?: unknown;
	error_count?: unknown;
	info?: { error?: unknown };
}

/** The server's `_active_tasks`; none when it cannot be read (a non-admin, a timeout). */
async function indexerTasks(): Promise<IndexerTask[]> {
	try {
		const tasks = await within3s(couch().server.request({ path: '_active_tasks' }));
		return Array.isArray(tasks) ? tasks : [];
	} catch {
		return [];
	}
}

/** The health `tasks` say: 503 naming the first index that failed its last attempts. */
export function indexHealth(tasks: readonly IndexerTask[]): Health {
	const failing = tasks.find(
		(task) =>
			task.type === 'indexer' &&
			typeof task.error_count === 'number' &&
			task.error_count >= INDEX_FAILURES
	);
	if (!failing) return { ok: true, couchdb: 'ok' };
	return {
		ok: false,
		couchdb: 'error',
		reason: `the view index of ${String(failing.database)}/${String(failing.design_document)} failed its last ${failing.error_count} attempts: ${withoutPaths(String(failing.info?.error ?? 'no reason given'))}`
	};
}

/** A store's error without its file paths: the endpoint answers anyone. */
function withoutPaths(reason: string): string {
	return reason.replace(/\/[^\s:]*/g, '…');
}

/** The promise, or a rejection when it takes 3 s or more. */
function within3s<T>(promise: Promise<T>): Promise<T> {
	return Promise.race([
		promise,
		new Promise<never>((_, reject) =>
			setTimeout(() => reject(new Error('the database did not answer within 3 s')), 3000).unref()
		)
	]);
}
