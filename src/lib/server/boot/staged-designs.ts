/**
 * A view change deployed without a dashboard reading a half-built index: CouchDB's own
 * way (its "Deploying a view change in a live environment").
 *
 * CouchDB names a view index by the signature of its design document's views, not by
 * the document's id, and answers `stale=ok` from the new index as it builds. Writing a
 * changed `_design/stats` in place would show every dashboard the numbers indexed so far
 * until the rebuild ends, hours on a large site. So set-up writes a changed design
 * document that has views beside the live one, as `_design/stats-next` (its
 * {@link stagedDesignId}), and leaves the live one serving. The app then brings the
 * staged document's index up to date in the background ({@link promoteStaged}), copies
 * the staged document over the live one (which finds the index of the same signature
 * built), reads it once so the server ties the index to it, deletes the staged document
 * and asks for `_view_cleanup`, which deletes the previous index's files. The embedded
 * store's view engine shares an index between design documents
 * of the same views likewise (embedded/views/engine.ts).
 *
 * Meanwhile the live index is complete but of the previous views: the read path reads
 * it as it reads any previous design document's index, with the buckets every version
 * keeps (stats/read-stats.ts `segmentsOf`), for as long as a staged document exists; a
 * view the previous version had not is read from the staged index as far as it is built
 * (stats/view-reader.ts), the answer marked as still indexing.
 */
import { ignoreStatus, type Couch } from '../couch';
import { untilIndexed } from '../stats/still-indexing';
import type { CouchDesign } from './setup';
import { logLine } from './log-line.js';

/** The id a changed design document is staged under until its index is built. */
export function stagedDesignId(id: string): string {
	return `${id}-next`;
}

/** A design document staged in a database: its live id. */
export interface StagedDesign {
	db: string;
	id: string;
}

/** Options of {@link promoteStaged}. */
export interface PromoteOptions {
	/** Gives up (the app is stopping), the wait for the index included. */
	signal?: AbortSignal;
	/** Where a failure is reported; default a line of the log (boot/log-line.js). */
	log?: (line: string) => void;
}

/**
 * Waits for a staged design document's index, then makes it the live one.
 * @returns whether it promoted the document (false when it was gone, changed by
 *   another instance meanwhile, or the app stopped).
 */
export async function promoteStaged(
	couch: Couch,
	staged: StagedDesign,
	options: PromoteOptions = {}
): Promise<boolean> {
	const { signal } = options;
	const scope = couch.server.use<CouchDesign>(staged.db);
	const nextId = stagedDesignId(staged.id);
	const next = await ignoreStatus(scope.get(nextId), 404);
	const view = Object.keys(next?.views ?? {})[0];
	if (!next || view === undefined) return false;
	// A read that waits for the index: CouchDB gives up after 60 s (500 timeout) while
	// the build goes on, so it is asked again until it answers. Longer than the app's
	// limit of a request to the store by design (store-limit.ts); the app's stop aborts it.
	const read = (id: string, qs: Record<string, unknown>, signal?: AbortSignal) =>
		couch.long.request({
			db: staged.db,
			path: `${id}/_view/${view}`,
			qs,
			signal
		} as Parameters<Couch['server']['request']>[0]);
	await untilIndexed(() => read(nextId, { limit: 0 }, signal));
	if (signal?.aborted) return false;
	const now = await ignoreStatus(scope.get(nextId), 404);
	if (now?._rev !== next._rev) return false;
	const live = await ignoreStatus(scope.get(staged.id), 404);
	const { _rev: stagedRev, ...content } = next;
	const copied = await ignoreStatus(
		scope.insert({ ...content, _id: staged.id, _rev: live?._rev }),
		409
	);
	// Another instance promoted it, or changed the live document, first.
	if (!copied) return false;
	// The live document's first read ties the built index to it before the staged one goes
	// (CouchDB closes an index whose last design document is deleted).
	await read(staged.id, { limit: 0, stale: 'ok' });
	await ignoreStatus(scope.destroy(nextId, stagedRev!), 404, 409);
	// The previous index, now of no design document, stays on disk until a cleanup.
	try {
		await couch.server.request({ db: staged.db, path: '_view_cleanup', method: 'POST', body: {} });
	} catch (e) {
		(options.log ?? warn)(
			`${staged.db}: could not delete the previous view index (${(e as Error).message}); ` +
				'POST /{db}/_view_cleanup does'
		);
	}
	return true;
}

function warn(line: string): void {
	logLine(`couchstats: ${line}`);
}

/**
 * Promotes every staged design document, one after the other, in the background.
 * @returns a promise that settles once all are done or given up; it never rejects.
 */
export async function promoteAllStaged(
	couch: Couch,
	staged: StagedDesign[],
	options: PromoteOptions = {}
): Promise<void> {
	const log = options.log ?? warn;
	for (const design of staged) {
		try {
			if (await promoteStaged(couch, design, options)) {
				log(`${design.db}/${design.id}: the changed views are built and now live`);
			}
		} catch (e) {
			if (options.signal?.aborted) return;
			const reason = (e as { message?: string }).message ?? String(e);
			log(
				`${design.db}/${design.id}: could not make the changed views live (${reason}); ` +
					'the previous ones keep serving, and the next start tries again'
			);
		}
	}
}
