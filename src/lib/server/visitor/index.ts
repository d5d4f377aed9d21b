/**
 * The app's visitor endpoint, created on first use with the app's CouchDB client and
 * the settings from the environment. See `handler.ts` for what it answers.
 */
import { couch } from '../couch';
import { loadIngestConfig } from '../ingest/config';
import { createVisitorEndpoint, type VisitorEndpoint } from './handler';

export {
	createVisitorEndpoint,
	type VisitorDeps,
	type VisitorEndpoint,
	type VisitorRequest
} from './handler';

let instance: VisitorEndpoint | undefined;

/**
 * The app's visitor endpoint (one per process: rate-limit state lives in it).
 * @throws {StartupError} when a variable in the environment is invalid; start-up
 *   checks them first, so that this surfaces at boot.
 */
export function visitorEndpoint(): VisitorEndpoint {
	instance ??= createVisitorEndpoint({ couch, config: loadIngestConfig() });
	return instance;
}
