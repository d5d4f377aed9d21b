/**
 * An owner's erasure of one visitor of their site: an owner (or an admin) types a visitor
 * id the Sessions view shows (a session's timeline names it), a browser's or an
 * importer's (`imp…`), and confirms; every record of that id on that site goes, through
 * the same erasure as the visitor's own (visitor/erase.ts: the erasure log, the
 * compaction). Access is checked as for the site's other settings: a site the user may
 * not manage is a 404, and the erasure's key range holds that site's records only.
 */
import type { User } from './auth';
import type { Couch } from '../couch';
import { FieldError } from '../errors';
import { VISITOR_ID_PATTERN } from '../ingest/schema';
import { logNotice } from '../log';
import { withinIndexWait, type Settle } from '../stats/still-indexing';
import { eraseVisitor, type ErasureDeps } from '../visitor/erase';
import { loadManagedSite } from './site-admin';

/** What the owner sent: the visitor id, and whether they confirmed. */
export interface OwnerErasure {
	visitor: string;
	confirmed: boolean;
}

/**
 * Erases every record of one visitor id on a site the user manages.
 * @param settle How view reads wait for the index; default a request's bounded wait
 *   (503 past it).
 * @returns how many records were deleted (0: the site holds none under that id).
 * @throws {CouchstatsError} 404 for a site the user may not manage; {@link FieldError}
 *   400 for a malformed id (`field`: `visitor`) or no confirmation (`confirm`).
 */
export async function eraseVisitorAsOwner(
	couch: Couch,
	user: User,
	site: string,
	{ visitor, confirmed }: OwnerErasure,
	deps: ErasureDeps,
	settle: Settle = withinIndexWait()
): Promise<number> {
	await loadManagedSite(couch, user, site);
	const vid = visitor.trim();
	if (!VISITOR_ID_PATTERN.test(vid)) {
		throw new FieldError(
			400,
			'the visitor id must be one a session shows: 16 to 64 letters, digits, "-" or "_"',
			'visitor'
		);
	}
	if (!confirmed) {
		throw new FieldError(
			400,
			"tick the box to confirm: the visitor's records cannot be brought back",
			'confirm'
		);
	}
	const deleted = await eraseVisitor(couch, site, vid, settle, deps);
	// Who erased, on which site, how much; never the id, which reads and erases the records.
	logNotice(`${user.name} erased a visitor's records of site "${site}": ${deleted} records`);
	return deleted;
}
