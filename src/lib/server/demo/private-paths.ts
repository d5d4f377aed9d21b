/**
 * Paths the public demo site never publishes, on its /stats page or in its live stream:
 * the app's own pages. Its tracker runs on the demo pages only, but records of them may
 * still be stored (the tracker once ran in the app's root layout) and anyone may post a
 * record to the public demo site: a read-only share link (`/share/<secret>`) must not be
 * published, and the owners' dashboards and the login page are nobody's business.
 */
const PRIVATE = /^\/(share|sites|login|logout)(\/|$)/;

/** Whether the public page must leave a path out. */
export function isPrivatePath(path: string): boolean {
	return PRIVATE.test(path);
}
