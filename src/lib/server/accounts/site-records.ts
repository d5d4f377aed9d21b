/**
 * All raw records of one site, read through the view `records` of `_design/visitor`
 * (couchdb/events/visitor/records.js, key `[site, vid, ts, _id]`) in the key range
 * `[site]` … `[site, {}]`: every record has a site and a visitor id, so the range holds
 * exactly the site's records, and reading it costs O(the site's records), never a scan
 * of other sites'. Deleting a site ({@link deleteSiteRecords}) and exporting it
 * ({@link exportSiteRecords}) both go through it.
 */
import type { StoredRecord } from '$lib/records';
import { postView, type Couch } from '../couch';
import { deleteRecords, type DeleteOptions, type RecordRange } from '../import/retention';
import { VIEW_DESIGN_IDS } from '../boot/design-docs';
import type { Settle } from '../stats/still-indexing';
import { VISITOR_DESIGN, VISITOR_VIEW } from '../visitor/records';

/** Records per page of an export read: at most about 2 MB (records are at most 4 KB). */
export const EXPORT_PAGE = 500;

/** The key range of a site's records in the visitor view. */
export function siteRecordRange(site: string): RecordRange {
	return { design: VISITOR_DESIGN, view: VISITOR_VIEW, startkey: [site], endkey: [site, {}] };
}

/**
 * Deletes every record of a site through retention's {@link deleteRecords}, so every
 * view drops them exactly as when records age out.
 * @returns how many records this call deleted.
 */
export function deleteSiteRecords(
	couch: Couch,
	site: string,
	options: DeleteOptions = {}
): Promise<number> {
	return deleteRecords(couch, siteRecordRange(site), options);
}

/**
 * Waits until every index of the events database holds the writes made before this
 * call, deletions included: one `update=true` read, limit 0, of a view of each design
 * document with views (`couchdb/events/`'s folders, {@link VIEW_DESIGN_IDS}; a design
 * document's views share one index, in CouchDB as in the embedded store). While the
 * stats design is staged for an upgrade, its staged copy is not waited for: the stats
 * reader reads it only for views the running one lacks.
 * @param settle How a read waits for its index.
 */
export async function indexesUpToDate(couch: Couch, settle: Settle): Promise<void> {
	for (const id of VIEW_DESIGN_IDS) {
		const design = await couch.events
			.get(id)
			.catch((e: { statusCode?: number }) =>
				e.statusCode === 404 ? undefined : Promise.reject(e)
			);
		const view = Object.keys((design as { views?: object } | undefined)?.views ?? {})[0];
		if (view)
			await settle(() => couch.events.view(id.slice('_design/'.length), view, { limit: 0 }));
	}
}

/**
 * A site's records as NDJSON, one stored record per line without `_rev` (its revision
 * derives from its id), by visitor and time. The first page is read before this
 * resolves, bringing the index up to date (within the wait `settle` allows), so a
 * failing read is an error the caller can answer with a status; later pages are read as
 * the consumer pulls, so memory stays one page whatever the site's size, from the index
 * as it stands (`stale=ok`: at least as fresh as the first read left it), so a download
 * never waits, or fails midway, for records written after it began (an outside check: an
 * import of another site holds the index back for minutes). `npm run import` reads the
 * lines back (src/lib/server/import/backfill.ts).
 * @param settle How a read waits for its index (later pages' find it as it stands).
 */
export async function exportSiteRecords(
	couch: Couch,
	site: string,
	settle: Settle,
	page = EXPORT_PAGE
): Promise<ReadableStream<Uint8Array>> {
	const { design, view, startkey, endkey } = siteRecordRange(site);
	const encoder = new TextEncoder();
	const read = (after: unknown[] | undefined) =>
		settle(() =>
			postView<null>(couch, design, view, {
				startkey: after ?? startkey,
				endkey,
				// Keys are unique (they end with the record's id): skip the last row read.
				skip: after ? 1 : 0,
				limit: page,
				reduce: false,
				include_docs: true,
				...(after && { stale: 'ok' })
			})
		);
	let next: Awaited<ReturnType<typeof read>> | undefined = await read(undefined);
	return new ReadableStream(
		{
			async pull(controller) {
				const body = next!;
				const lines = body.rows
					.filter((row) => row.doc)
					.map((row) => {
						const { _rev, ...record } = row.doc as StoredRecord;
						void _rev;
						return JSON.stringify(record) + '\n';
					});
				if (lines.length) controller.enqueue(encoder.encode(lines.join('')));
				if (body.rows.length < page) return controller.close();
				next = await read(body.rows[body.rows.length - 1].key as unknown as unknown[]);
			}
			// Nothing is read ahead of the consumer beyond the page it will take next.
		},
		{ highWaterMark: 0 }
	);
}
