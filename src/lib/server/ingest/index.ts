/**
 * The app's ingest endpoint, created once at start-up (`hooks.server.ts` `init`) with
 * the app's CouchDB client, the ingest part of the configuration and the process's site
 * cache. See `handler.ts`
 * for what it answers.
 */
import { couch } from '../couch';
import type { IngestConfig } from './config';
import { createIngest, type Ingest } from './handler';
import { startSiteCache } from './site-cache';

export { createIngest, type Ingest, type IngestDeps, type IngestRequest } from './handler';
export type { IngestConfig } from './config';

let instance: Ingest | undefined;

/**
 * Creates the app's ingest endpoint (one per process: rate-limit state lives in it;
 * a second call, as Vite's dev server may make, keeps the first).
 * @param config The ingest settings start-up loaded.
 */
export function startIngest(config: IngestConfig): void {
	instance ??= createIngest({ couch, config, sites: startSiteCache(config.sitesTtlMs) });
}

/**
 * The app's ingest endpoint.
 * @throws {Error} before start-up called {@link startIngest}.
 */
export function ingest(): Ingest {
	if (!instance) throw new Error('the ingest is not started: hooks.server.ts init starts it');
	return instance;
}
