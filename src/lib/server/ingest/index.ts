/**
 * The app's ingest endpoint, created on first use with the app's CouchDB client and
 * the settings from the environment. See `handler.ts` for what it answers.
 */
import { couch } from '../couch';
import { loadIngestConfig } from './config';
import { createIngest, type Ingest } from './handler';

export { createIngest, type Ingest, type IngestDeps, type IngestRequest } from './handler';
export { loadIngestConfig, type IngestConfig } from './config';

let instance: Ingest | undefined;

/**
 * The app's ingest endpoint (one per process: rate-limit state lives in it).
 * @throws {StartupError} when an ingest variable in the environment is invalid;
 *   start-up calls {@link loadIngestConfig} first so that this surfaces at boot.
 */
export function ingest(): Ingest {
	instance ??= createIngest({ couch, config: loadIngestConfig() });
	return instance;
}
