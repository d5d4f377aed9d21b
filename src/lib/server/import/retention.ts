/**
 * Retention: deletes raw records whose event time is before a cutoff, in chunks,
 * found through the view `site-time` of `_design/retention` (key `[site, ts]`, bots
 * included), the one view of records by time: `npm run retention` lists the sites it
 * holds (`group_level=1`: every site with records, one deleted since included) and
 * reads each site's range `[site] ... [site, cutoff]`, as the scheduled retention
 * (retention-run.ts) reads a site's. Deleting needs an admin: the events database's
 * `validate_doc_update` lets only admins delete records.
 *
 * Effect on stats: every view drops the deleted records, so counts for the removed
 * period fall to zero (time series, breakdowns, previous-period comparisons reaching
 * back there), and "tracking since" moves to the earliest remaining record. Numbers
 * for later periods do not change: each record carries its own flags (first of day,
 * first ever, entry, from), so nothing later depends on the deleted records.
 *
 * The deletion itself ({@link deleteRecords}) is also how a visitor's erasure
 * (src/lib/server/visitor) removes their records, so both drop counts the same way.
 */
import { postView, type Couch } from '../couch';
import { untilIndexed, type Settle } from '../stats/still-indexing';
import { periodCutoff, retentionDays } from './retention-period';

/** The design document and view of records by site and time (couchdb/events/retention/site-time.js). */
export const RETENTION_DESIGN = 'retention';
export const RETENTION_VIEW = 'site-time';

/** Reads of a range that found only records deleted by others, in a row, that end a deletion. */
const IDLE_READS = 3;

/** Records deleted per `_bulk_docs` request. */
export const RETENTION_CHUNK = 500;

/**
 * The cutoff of a retention age run at `now`: records with an event time before it go.
 * @param text The age: `400d`, `52w` or `2y` (a year is 365 days).
 * @returns the cutoff, or why the age is refused, to follow the option's name: as
 *   {@link retentionDays} refuses it, or one that reaches back before
 *   1970-01-01T00:00:00Z, before any record (the events database refuses a negative
 *   `ts`), a mistake rather than "keep everything".
 */
export function retentionCutoff(text: string, now: number): number | { refused: string } {
	const days = retentionDays(text);
	if (typeof days !== 'number') return days;
	const cutoff = periodCutoff(days, now);
	if (!(cutoff >= 0)) {
		return {
			refused: `${text} reaches back before 1970-01-01, before any record; give a shorter age`
		};
	}
	return cutoff;
}

/**
 * A site's records with an event time before `cutoff`: the range of {@link RETENTION_VIEW}
 * that retention reads, whatever other sites keep.
 */
export function siteRecordsBefore(site: string, cutoff: number): RecordRange {
	return {
		design: RETENTION_DESIGN,
		view: RETENTION_VIEW,
		startkey: [site],
		endkey: [site, cutoff],
		inclusive_end: false
	};
}

/**
 * Every site that has records in the events database, from an up-to-date index: those
 * of a site deleted since (or never registered) included, so that retention reaches them.
 */
export async function sitesWithRecords(couch: Couch): Promise<string[]> {
	const body = await untilIndexed(() =>
		couch.events.view<number>(RETENTION_DESIGN, RETENTION_VIEW, { group_level: 1 })
	);
	return body.rows.map((row) => (row.key as unknown as [string])[0]);
}

/** How many records, of every site, have an event time before `cutoff`. */
export async function countOlderThan(couch: Couch, cutoff: number): Promise<number> {
	let total = 0;
	for (const site of await sitesWithRecords(couch)) {
		const { design, view, ...keys } = siteRecordsBefore(site, cutoff);
		const body = await untilIndexed(() => postView<number>(couch, design, view, keys));
		total += (body.rows[0]?.value as number | undefined) ?? 0;
	}
	return total;
}

/**
 * Deletes every record, of every site, with an event time before `cutoff`, site by
 * site, `chunk` at a time.
 * @param onChunk Called after each chunk with the running total of all sites.
 * @returns how many records were deleted.
 * @throws {Error} when CouchDB refuses a deletion (e.g. the connection is not admin).
 */
export async function deleteOlderThan(
	couch: Couch,
	cutoff: number,
	onChunk: (deleted: number) => void = () => undefined,
	chunk = RETENTION_CHUNK
): Promise<number> {
	let deleted = 0;
	for (const site of await sitesWithRecords(couch)) {
		const before = deleted;
		deleted += await deleteRecords(couch, siteRecordsBefore(site, cutoff), {
			onChunk: (n) => onChunk(before + n),
			chunk
		});
	}
	return deleted;
}

/** A key range of a view whose rows are the records to delete (one row or more per record). */
export interface RecordRange {
	design: string;
	view: string;
	startkey?: unknown;
	endkey: unknown;
	inclusive_end?: boolean;
}

/** Options of {@link deleteRecords}. */
export interface DeleteOptions {
	/** Called after each chunk with the running total. */
	onChunk?: (deleted: number) => void;
	/** Given the ids of each chunk this call deleted, awaited before the next (a visitor's erasure logs them). */
	onDeleted?: (ids: string[]) => void | Promise<void>;
	/** Records deleted per `_bulk_docs` request; default {@link RETENTION_CHUNK}. */
	chunk?: number;
	/**
	 * How a view read waits for its index; default {@link untilIndexed} (as long as it
	 * takes, for command-line tools). A request handler passes a bounded wait.
	 */
	settle?: Settle;
}

/**
 * Deletes those of the records `ids` that are stored and not deleted yet.
 * @returns the ids this call deleted (not those missing, already deleted, or deleted by
 *   another caller meanwhile: CouchDB answers `conflict`, as records are never updated).
 * @throws {Error} when CouchDB refuses a deletion (e.g. the connection is not admin).
 */
export async function deleteIds(couch: Couch, ids: readonly string[]): Promise<string[]> {
	const revs = (await couch.events.fetchRevs({ keys: [...ids] })).rows as unknown as {
		id?: string;
		value?: { rev: string; deleted?: boolean };
	}[];
	const docs = revs
		.filter((row) => row.id && row.value && !row.value.deleted)
		.map((row) => ({ _id: row.id!, _rev: row.value!.rev, _deleted: true }));
	if (docs.length === 0) return [];
	const results = (await couch.events.bulk({ docs: docs as never })) as {
		id: string;
		error?: string;
		reason?: string;
	}[];
	const failed = results.find((r) => r.error && r.error !== 'conflict');
	if (failed)
		throw new Error(`CouchDB refused to delete ${failed.id}: ${failed.error} (${failed.reason})`);
	return results.filter((r) => !r.error).map((r) => r.id);
}

/**
 * The one way records leave the events database (retention, a visitor's erasure):
 * reads the rows of `range` from an up-to-date index, `chunk` ids at a time, and
 * deletes those records, until the range is empty. Design documents are never deleted,
 * whatever a view lists. A record someone else deleted meanwhile (CouchDB answers
 * `conflict`: records are never updated, so only a deletion can have changed it) is
 * not counted. Deleted records leave every view, so every count over them drops.
 * @returns how many records this call deleted.
 * @throws {Error} when CouchDB refuses a deletion (e.g. the connection is not admin).
 */
export async function deleteRecords(
	couch: Couch,
	range: RecordRange,
	{
		onChunk = () => undefined,
		onDeleted = () => undefined,
		chunk = RETENTION_CHUNK,
		settle = untilIndexed
	}: DeleteOptions = {}
): Promise<number> {
	const { design, view, ...keys } = range;
	let deleted = 0;
	let idle = 0;
	for (;;) {
		// Posted: a range may hold a visitor id, which CouchDB would log in a URL.
		const body = await settle(() =>
			postView(couch, design, view, { ...keys, reduce: false, limit: chunk })
		);
		const ids = [...new Set(body.rows.map((row) => row.id))].filter((id) => !id.startsWith('_'));
		if (ids.length === 0) return deleted;
		const gone = await deleteIds(couch, ids);
		if (gone.length) await onDeleted(gone);
		const done = gone.length;
		// Every row was deleted by another caller meanwhile (another deletion of the range, or
		// an importer taking back what it had just sent: scripts/import.ts): rows after them
		// may be left, so the range is read again (up to date, it lists none of those). Three
		// such reads in a row end it, whatever an index keeps listing.
		idle = done === 0 ? idle + 1 : 0;
		if (idle === IDLE_READS) return deleted;
		if (done === 0) continue;
		deleted += done;
		onChunk(deleted);
	}
}
