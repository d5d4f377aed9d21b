/**
 * The app's visitor endpoint, created once at start-up (`hooks.server.ts` `init`) with
 * the app's CouchDB client and the ingest part of the configuration (its rate limit).
 * See `handler.ts` for what it answers.
 */
import { couch } from '../couch';
import type { IngestConfig } from '../ingest/config';
import { startSiteCache } from '../ingest/site-cache';
import { createVisitorEndpoint, type VisitorEndpoint } from './handler';

export {
	createVisitorEndpoint,
	type VisitorDeps,
	type VisitorEndpoint,
	type VisitorRequest
} from './handler';

let instance: VisitorEndpoint | undefined;

/**
 * Creates the app's visitor endpoint (one per process: rate-limit state lives in it;
 * a second call, as Vite's dev server may make, keeps the first).
 * @param config The ingest settings start-up loaded.
 */
export function startVisitorEndpoint(config: IngestConfig): void {
	instance ??= createVisitorEndpoint({ couch, config, sites: startSiteCache(config.sitesTtlMs) });
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
