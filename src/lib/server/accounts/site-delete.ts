/**
 * Deleting a site: its record in the sites database, every record of it in the events
 * database, its API tokens and its share link.
 *
 * A site may hold millions of records, more than a request can delete before a browser
 * or proxy gives up, so deletion runs in two steps:
 *
 * 1. {@link requestSiteDeletion} (the form action) checks the confirmation and marks the
 *    site `deleting` in one write that also removes its tokens, share link and host
 *    names: from then on the Stats API, the share view and the ingest refuse it, and
 *    the sites list shows it as being deleted instead of linking to it.
 * 2. {@link startSiteDeletion} then deletes its records in the background, in chunks
 *    through retention's deletion path (src/lib/server/accounts/site-records.ts), then
 *    the records sent meanwhile (a last pass), waits until every index of the events
 *    database has dropped them, and removes the site record last; the sites list shows
 *    it as being deleted until then ({@link runningDeletions}), and a site cannot be
 *    created under its id (the marked record holds it).
 *
 * If the process stops in between, the site stays marked with some records left; the
 * sites list offers to finish, and running the deletion again deletes what remains and
 * then the site record (retention's `deleteRecords` reads until its range is empty, so it can
 * resume anywhere).
 */
import type { User } from './auth';
import type { Couch } from '../couch';
import { CouchstatsError, FieldError } from '../errors';
import { logError, logNotice } from '../log';
import { invalidateSiteCache } from '../ingest/site-cache';
import { accessChanged } from './access';
import { canManageSite, findSite } from './site-admin';
import { deleteSiteRecords, indexesUpToDate } from './site-records';
import type { SiteRecord } from './sites';
import type { DeleteOptions } from '../import/retention';
import { eventsCompaction, type CoalescedCompaction } from '../import/compaction';
import { inBackground, untilIndexed } from '../stats/still-indexing';

/** What this process knows of a deletion it runs or ran. */
export interface DeletionProgress {
	/** Records deleted so far by this process. */
	deleted: number;
	state: 'running' | 'done' | 'failed';
	/** Who may see it: the site's owners when it was marked. */
	owners: string[];
	/** The site's name, shown while the deletion runs, its site record gone or not. */
	name: string;
}

/** Deletions run by this process, by site id; one at a time per site. */
const deletions = new Map<string, DeletionProgress>();

/**
 * Marks a site for deletion once its owner confirmed by typing its id or name.
 * @throws {CouchstatsError} 404 for a site the user may not manage (or that does not
 *   exist), 400 when the confirmation names neither the site's id nor its name, 409 when
 *   the site changed meanwhile.
 */
export async function requestSiteDeletion(
	couch: Couch,
	user: User,
	id: string,
	confirmation: string,
	now: () => number = Date.now
): Promise<SiteRecord> {
	const site = await findSite(couch, id);
	if (!site || !canManageSite(user, site)) throw new CouchstatsError(404, `no site "${id}"`);
	if (site.deleting) return site;
	const typed = confirmation.trim();
	if (!typed || (typed !== site.id && typed !== site.name.trim())) {
		throw new FieldError(
			400,
			`type the site's id (${site.id}) or its name to delete it`,
			'confirm'
		);
	}
	const marked: SiteRecord = { ...site, deleting: now(), tokens: [], hostnames: [] };
	delete marked.shareHash;
	try {
		const { rev } = await couch.sites.insert(marked);
		// The ingest's cached site list would take Origin-less records for it until its TTL.
		invalidateSiteCache();
		accessChanged();
		return { ...marked, _rev: rev };
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 409) {
			throw new CouchstatsError(409, 'the site changed meanwhile; try again');
		}
		throw e;
	}
}

/** Options of a site's deletion: retention's, and the compaction asked for after it. */
export interface SiteDeleteOptions extends DeleteOptions {
	/** Default: the app's ({@link eventsCompaction}). */
	compaction?: CoalescedCompaction;
}

/**
 * Starts (or joins) the background deletion of a site marked for deletion: its records
 * chunk by chunk, then its site record. Returns at once with the progress, which the
 * deletion keeps updating.
 * @throws {CouchstatsError} 404 for a site the user may not manage, 400 for one not
 *   marked for deletion.
 */
export async function startSiteDeletion(
	couch: Couch,
	user: User,
	id: string,
	options: SiteDeleteOptions = {}
): Promise<DeletionProgress> {
	const running = deletions.get(id);
	// Who may not manage the site learns nothing of it, a deletion under way included.
	if (running?.state === 'running' && canManageSite(user, running)) return running;
	const site = await findSite(couch, id);
	if (!site || !canManageSite(user, site)) throw new CouchstatsError(404, `no site "${id}"`);
	if (running?.state === 'running') return running;
	if (!site.deleting) throw new CouchstatsError(400, `site "${id}" is not being deleted`);
	const progress: DeletionProgress = {
		deleted: 0,
		state: 'running',
		owners: site.owners,
		name: site.name
	};
	deletions.set(id, progress);
	// The log tells an operator what became of a site (an outside probe found deletions
	// in none of it): its start and end here, a stop below.
	logNotice(`deleting site "${id}" for ${user.name}: its records, then the site`);
	// Its view reads wait for a busy index (behind an import, say) as long as it builds.
	const settle = options.settle ?? inBackground();
	finishSiteDeletion(couch, id, progress, { ...options, settle }).then(
		() => {
			progress.state = 'done';
			logNotice(`deleted site "${id}": ${progress.deleted} records in this run, then the site`);
		},
		(e) => {
			progress.state = 'failed';
			const context = `deleting site "${id}" stopped; finish it from the sites list`;
			// The store's silence, or an index that stayed busy: one line that says so (logError
			// leaves the store's silence to its once-a-minute line, which names no deletion).
			if (e instanceof CouchstatsError) logNotice(`${context}: ${e.message}`);
			else logError(context, e);
		}
	);
	return progress;
}

/** What this process knows of a site's deletion, if it ran one the user may see. */
export function deletionProgress(user: User, id: string): DeletionProgress | undefined {
	const progress = deletions.get(id);
	return progress && canManageSite(user, progress) ? progress : undefined;
}

/**
 * The deletions this process is running that the user may see, by site id: with one
 * whose site record was removed a moment ago, and whose promise has not settled yet. A
 * page that lists only marked site records would show such a deletion neither running
 * nor done, and stop following it.
 */
export function runningDeletions(user: User): Map<string, DeletionProgress> {
	const running = new Map<string, DeletionProgress>();
	for (const [id, progress] of deletions) {
		if (progress.state === 'running' && canManageSite(user, progress)) running.set(id, progress);
	}
	return running;
}

/**
 * Deletes a marked site's records, then its site record. Records a script without an
 * `Origin` sent within the ingest's site-cache lifetime after the mark may arrive after
 * the first pass; a last pass catches those that came by then. Then one `update=true`
 * read of each design document of the events database (limit 0) waits until every index
 * has dropped the deleted records: a site created again under the id would otherwise show
 * the old site's numbers while the stats index catches up (an outside probe: about 7 s).
 * The marked site record goes last, so until then the id cannot be taken by a new site,
 * whose records a pass would delete, and nothing (an import, the ingest) takes it for a
 * site to write into (scripts/import.ts reads its target sites around every chunk).
 */
async function finishSiteDeletion(
	couch: Couch,
	id: string,
	progress: DeletionProgress,
	options: SiteDeleteOptions
): Promise<void> {
	const onChunk = (base: number) => (deleted: number) => {
		progress.deleted = base + deleted;
		options.onChunk?.(progress.deleted);
	};
	try {
		await deleteSiteRecords(couch, id, { ...options, onChunk: onChunk(0) });
		await deleteSiteRecords(couch, id, { ...options, onChunk: onChunk(progress.deleted) });
	} finally {
		// No earlier revision of a deleted record stays readable (import/compaction.ts).
		(options.compaction ?? eventsCompaction(() => couch)).request();
	}
	await indexesUpToDate(couch, options.settle ?? untilIndexed);
	const site = await findSite(couch, id);
	if (site) await couch.sites.destroy(site._id, site._rev!);
}
