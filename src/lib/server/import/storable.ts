/**
 * The store's own rule, applied by the importer's check pass: every record a line makes
 * is run through the events database's `validate_doc_update` (couchdb/events/validate.js)
 * before anything is written, so no line the check accepts is refused halfway through
 * an import (which would leave part of the file stored).
 */
import { validateRecord } from '../../../../couchdb/events/validate.js';
import { ImportLineError } from './backfill';

/**
 * Checks `record` as the events database will when it is written: as the ingest writes,
 * not as an admin, so every check applies.
 * @throws {ImportLineError} naming `line` and the store's reason.
 */
export function assertStorable(record: object, line: number): void {
	try {
		validateRecord(record, null, { roles: [] });
	} catch (e) {
		const reason = (e as { forbidden?: string }).forbidden ?? String(e);
		throw new ImportLineError(line, `is not a record couchstats stores: ${reason}`);
	}
}
