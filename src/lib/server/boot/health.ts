import { couch, ignoreStatus } from '../couch';
import { writeFailures, type WriteFailures } from '../ingest/write-failures';

/** The document `/healthz` writes while the ingest's writes fail. */
const WRITE_PROBE = '_local/couchstats-write-probe';

/** What `/healthz` reports. */
export interface Health {
	ok: boolean;
	couchdb: 'ok' | 'unreachable' | 'error';
	/** Why CouchDB is not OK, without secrets. */
	reason?: string;
}

/**
 * Checks that CouchDB answers and that the events database exists; and, while the
 * ingest's writes fail (a full disk leaves the database readable), that a write is
 * stored again: a probe document (`_local/`, which no view or change feed sees) is
 * written, and its success ends the failing streak. Each request gets 3 s.
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
	if (!failures.current()) return { ok: true, couchdb: 'ok' };
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
		// Without the store's file paths: the endpoint answers anyone.
		reason: `storing records fails since ${new Date(failing.since).toISOString()}: ${failing.reason.replace(/\/[^\s:]*/g, '…')}`
	};
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
