/**
 * Restoring exported records (`GET /api/v1/records`, src/lib/server/accounts/site-records.ts):
 * each NDJSON line of an export is a stored record with its `_id`, which the importer
 * stores as it is instead of classifying it again, so the imported site's numbers are
 * exactly the exported site's.
 *
 * Into the site it came from (or a site of the same id on another server) a record
 * keeps its id, so importing twice stores nothing twice. Into another site it gets an
 * id derived from the target site and its own id: CouchDB keeps one document per id, so
 * keeping the id would leave the record in its first site; derived, a re-run is still
 * idempotent. Its visitor text (a title, the campaign, an event's name and props, the
 * source) is cleaned as the ingest cleans it now (`cleanRecordText`): an export made
 * before the ingest cleaned may hold a control character there, and restored, it is
 * the record the ingest would store. Every record is then checked by the events
 * database's own `validate_doc_update` (couchdb/events/validate.js) before anything is
 * written.
 */
import { revisionFor, type StoredRecord } from '../../records';
import { cleanRecordText } from '../ingest/visitor-text';
import { uuidv7From, type InputRow } from './backfill';
import { assertStorable } from './storable';

/** Whether a line is an exported record (it has an `_id`) rather than a row to classify. */
export function isExportedRecord(row: InputRow): boolean {
	return typeof (row as Record<string, unknown>)._id === 'string';
}

/**
 * The record to store for an exported line.
 * @param site The site to import into; default the record's own.
 * @throws {ImportLineError} when the record is not one the events database accepts.
 */
export function restoreRecord(row: InputRow, site: string | undefined, line: number): StoredRecord {
	const record = cleanRecordText(row as Record<string, unknown>);
	delete record._rev;
	if (site && site !== record.site) {
		record._id = uuidv7From(Number(record.ts), `restore\n${site}\n${String(record._id)}`);
		record.site = site;
	}
	record._rev = revisionFor(String(record._id));
	assertStorable(record, line);
	return record as unknown as StoredRecord;
}
