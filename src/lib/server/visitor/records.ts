/**
 * What the server holds under one browser's visitor id, read and erased through the
 * view `records` of `_design/visitor` (couchdb/events/visitor/records.js, key
 * `[site, vid, ts, _id]`). Every read is a key range inside `[site, vid]` …
 * `[site, vid, {}]`: never a scan of the database, never a row of another site or
 * visitor. Erasure deletes through retention's {@link deleteRecords}, so every view
 * drops the records exactly as when they age out. Every request that names the visitor
 * id carries it in a body ({@link postView}, `_all_docs` by keys), never in a URL that
 * CouchDB would log.
 */
import { ID_PATTERN, type StoredRecord } from '$lib/records';
import { postView, type Couch } from '../couch';
import { deleteRecords } from '../import/retention';
import type { Settle } from '../stats/still-indexing';

/** The design document and view of a visitor's records. */
export const VISITOR_DESIGN = 'visitor';
export const VISITOR_VIEW = 'records';

/** Records per page of a read: at most about 2 MB (records are at most 4 KB). */
export const VISITOR_PAGE = 500;

/** One page of a visitor's records, oldest first. */
export interface VisitorRecords {
	/** Records stored under the visitor id on the site, all pages together. */
	total: number;
	records: StoredRecord[];
	/** Pass as `after` to read the next page; `null` on the last page (as the Sessions API's). */
	next: string | null;
}

/** Where a page of records starts: after this record (its `ts` and `_id`). */
export interface Cursor {
	ts: number;
	id: string;
}

const CURSOR = new RegExp(`^(\\d{1,16})_(${ID_PATTERN.source.slice(1, -1)})$`);

/** The cursor text a page's `next` holds: `<ts>_<id>` of its last record. */
export function formatCursor({ ts, id }: Cursor): string {
	return `${ts}_${id}`;
}

/** Parses a cursor made by {@link formatCursor}; undefined when it is not one. */
export function parseCursor(text: string): Cursor | undefined {
	const match = CURSOR.exec(text);
	return match ? { ts: Number(match[1]), id: match[2] } : undefined;
}

/** The view's key range of one visitor on one site. */
function rangeOf(site: string, vid: string) {
	return { startkey: [site, vid], endkey: [site, vid, {}] };
}

/**
 * Reads one page of the records stored under `vid` on `site`, oldest first.
 * @param options.after Start after this record (a page's `next`).
 * @param options.limit Records per page; default {@link VISITOR_PAGE}.
 * @param options.settle How the first read waits for the index.
 */
export async function readVisitorRecords(
	couch: Couch,
	site: string,
	vid: string,
	options: { after?: Cursor; limit?: number; settle: Settle }
): Promise<VisitorRecords> {
	const { after, limit = VISITOR_PAGE, settle } = options;
	const range = rangeOf(site, vid);
	// The count brings the index up to date (within the wait `settle` allows); the page
	// read after it finds the index fresh.
	const counted = await settle(() => postView<number>(couch, VISITOR_DESIGN, VISITOR_VIEW, range));
	const total = (counted.rows[0]?.value as number | undefined) ?? 0;
	// A key just after [site, vid, ts, id]: longer arrays sort after their prefix.
	const startkey = after ? [site, vid, after.ts, after.id, null] : range.startkey;
	const page = await settle(() =>
		postView<null>(couch, VISITOR_DESIGN, VISITOR_VIEW, {
			startkey,
			endkey: range.endkey,
			reduce: false,
			limit: limit + 1
		})
	);
	const rows = page.rows.slice(0, limit).filter((row) => !row.id.startsWith('_'));
	const ids = rows.map((row) => row.id);
	const docs = ids.length
		? ((await couch.events.fetch({ keys: ids })).rows as { doc?: StoredRecord | null }[])
		: [];
	// Defence in depth: the key range already holds only this visitor's records.
	const records = docs.flatMap(({ doc }) =>
		doc && doc.site === site && doc.vid === vid ? [doc] : []
	);
	const last = rows.at(-1);
	const next =
		page.rows.length > limit && last
			? formatCursor({ ts: (last.key as unknown as [string, string, number])[2], id: last.id })
			: null;
	return { total, records, next };
}

/**
 * Deletes every record stored under `vid` on `site`.
 * @param onDeleted Given the ids of each chunk deleted (the erasure log keeps them).
 * @returns how many records were deleted.
 */
export function eraseVisitorRecords(
	couch: Couch,
	site: string,
	vid: string,
	settle: Settle,
	onDeleted?: (ids: string[]) => void | Promise<void>
): Promise<number> {
	return deleteRecords(
		couch,
		{ design: VISITOR_DESIGN, view: VISITOR_VIEW, ...rangeOf(site, vid) },
		{ settle, onDeleted }
	);
}
