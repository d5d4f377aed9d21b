/**
 * The app's visitor endpoint, created once at start-up (`hooks.server.ts` `init`) with
 * the app's CouchDB client, the ingest part of the configuration (its rate limit) and
 * the erasure log, which it applies again first (erasure-log.ts). See `handler.ts` for
 * what it answers.
 */
import { couch } from '../couch';
import { eventsCompaction } from '../import/compaction';
import type { IngestConfig } from '../ingest/config';
import { startSiteCache } from '../ingest/site-cache';
import { logError, logNotice } from '../log';
import { reapplyErasures } from './erasure-log';
import { createVisitorEndpoint, type VisitorEndpoint } from './handler';
import type { ErasureDeps } from './erase';

export {
	createVisitorEndpoint,
	type VisitorDeps,
	type VisitorEndpoint,
	type VisitorRequest
} from './handler';

let instance: VisitorEndpoint | undefined;
let erasure: ErasureDeps | undefined;

/**
 * Creates the app's visitor endpoint (one per process: rate-limit state lives in it;
 * a second call, as Vite's dev server may make, keeps the first), and in the background
 * deletes again the records the erasure log lists that the store holds (a restored
 * backup's), then compacts.
 * @param config The ingest settings start-up loaded.
 * @param erasureLog The erasure log's path; undefined for an in-memory store.
 */
export function startVisitorEndpoint(config: IngestConfig, erasureLog: string | undefined): void {
	if (instance) return;
	const compaction = eventsCompaction(couch);
	erasure = { erasureLog, compaction };
	instance = createVisitorEndpoint({
		couch,
		config,
		sites: startSiteCache(config.sitesTtlMs),
		...erasure
	});
	if (erasureLog) void reapplyLog(erasureLog, compaction.request);
}

async function reapplyLog(file: string, compact: () => void): Promise<void> {
	try {
		const { deleted, skipped } = await reapplyErasures(couch(), file);
		if (skipped) logNotice(`the erasure log ${file} has ${skipped} unreadable lines, skipped`);
		if (deleted === 0) return;
		logNotice(`deleted again ${deleted} erased records the store held (a restored backup?)`);
		compact();
	} catch (e) {
		logError(`applying the erasure log ${file}`, e);
	}
}

/**
 * The app's visitor endpoint.
 * @throws {Error} before start-up called {@link startVisitorEndpoint}.
 */
export function visitorEndpoint(): VisitorEndpoint {
	if (!instance) {
		throw new Error('the visitor endpoint is not started: hooks.server.ts init starts it');
	}
	return instance;
}

/**
 * The app's erasure log and compaction, which an owner's erasure of a visitor goes
 * through as the visitor's own does (erase.ts).
 * @throws {Error} before start-up called {@link startVisitorEndpoint}.
 */
export function appErasure(): ErasureDeps {
	if (!erasure) {
		throw new Error('the visitor endpoint is not started: hooks.server.ts init starts it');
	}
	return erasure;
}
