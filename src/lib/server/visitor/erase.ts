/**
 * The one erasure of a visitor's records, whoever asks: the visitor with the id their
 * browser holds (handler.ts), or one of the site's owners with an id read from the
 * Sessions view (accounts/visitor-erase.ts). Deletes every record of the id on the site
 * (records.ts), appends each chunk's record ids to the erasure log (erasure-log.ts),
 * which start-up applies again to a restored backup, and then asks for the events
 * database's compaction (import/compaction.ts), after which no earlier revision of an
 * erased record stays readable (none when it deleted nothing).
 */
import type { Couch } from '../couch';
import type { CoalescedCompaction } from '../import/compaction';
import { logError } from '../log';
import type { Settle } from '../stats/still-indexing';
import { logErased } from './erasure-log';
import { eraseVisitorRecords } from './records';

/** Where an erasure is recorded, and what it asks for afterwards. */
export interface ErasureDeps {
	/**
	 * The file that lists erased records for a restored backup (erasure-log.ts); none:
	 * not listed (an in-memory store, which no backup holds).
	 */
	erasureLog?: string;
	/** Asked for after each erasure, so that no earlier revision of an erased record stays readable. */
	compaction: CoalescedCompaction;
	/** Clock in ms; default `Date.now`. */
	now?: () => number;
}

/**
 * Erases every record stored under `vid` on `site`.
 * @param settle How the view reads wait for the index (a request's bounded wait).
 * @returns how many records were deleted.
 * @throws {Error} as {@link eraseVisitorRecords} does; what was deleted before is logged
 *   and compacted all the same. A log that cannot be written is reported, not thrown: the
 *   records are gone.
 */
export async function eraseVisitor(
	couch: Couch,
	site: string,
	vid: string,
	settle: Settle,
	{ erasureLog, compaction, now = Date.now }: ErasureDeps
): Promise<number> {
	let deleted = 0;
	return eraseVisitorRecords(couch, site, vid, settle, (ids) => {
		deleted += ids.length;
		return erasureLog
			? logErased(erasureLog, site, ids, now()).catch((e) => logError('erasure log', e))
			: undefined;
	}).finally(() => {
		// What was deleted, also before a failure; an erasure that deleted nothing changed nothing.
		if (deleted) compaction.request();
	});
}
