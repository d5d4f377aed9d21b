/**
 * The `sendBeacon` fallback: records that may not reach IndexedDB or the replicator
 * before the page goes away are posted to the ingest `_bulk_docs` with the same
 * `_id` and `_rev` replication would use, so CouchDB stores each record once.
 */
import type { ClientRecord } from '../records.ts';

/**
 * `_bulk_docs` bodies (`new_edits: false`) of at most `per` records each: records are
 * a few hundred bytes, so 20 stay well inside the ~64 KiB browsers allow in flight.
 */
export function beaconBodies(docs: readonly ClientRecord[], per = 20): string[] {
	const bodies = [];
	for (let i = 0; i < docs.length; i += per)
		bodies.push(JSON.stringify({ new_edits: false, docs: docs.slice(i, i + per) }));
	return bodies;
}

/**
 * Beacons `docs` to `<endpoint>/_bulk_docs` as `text/plain`, which needs no CORS
 * preflight. A refused beacon is not retried: the outbox still holds what it had.
 */
export function sendBeacons(
	endpoint: string,
	docs: readonly ClientRecord[],
	navigator: Navigator
): void {
	for (const body of beaconBodies(docs))
		navigator.sendBeacon(endpoint + '/_bulk_docs', new Blob([body], { type: 'text/plain' }));
}
