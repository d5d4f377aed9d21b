/**
 * Which paths the public demo site publishes, on its /stats page and in its live stream:
 * its own pages only, the routes below `src/routes/(demo)` and the published posts and
 * pages of `content/`. Anything else is counted under "(other)" without its path:
 *
 * - the app's own pages: a read-only share link (`/share/<secret>`) must never be
 *   published, and the owners' dashboards and the login page are nobody's business (the
 *   tracker runs on the demo pages only, but records of these may be stored from before);
 * - any other path: anyone may post a record to the public demo site, so a path that is
 *   no page of it (a 404, or text made up to be shown) is not shown.
 */
import { entryForPath } from './content';
import { OTHER } from '../../stats/breakdowns';
import type { LiveRecord } from '../../stats/active';

/** The demo site's routes that are not an entry of `content/` (public-paths.test.ts keeps it true). */
export const DEMO_ROUTES: ReadonlySet<string> = new Set([
	'/',
	'/about',
	'/blog',
	'/pricing',
	'/stats',
	'/your-data'
]);

/** Whether the public demo site may show a path. */
export function isPublicPath(path: string): boolean {
	return DEMO_ROUTES.has(path) || entryForPath(path) !== undefined;
}

/**
 * A record of the public demo site as anyone may see it: its type and time, its path
 * when the public page names it (else "(other)"), and no event name (anyone can send
 * records, and the public page names no events).
 */
export function publicRecord(record: LiveRecord): LiveRecord {
	const { type, path, ts } = record;
	return { type, path: isPublicPath(path) ? path : OTHER, ts };
}
