/**
 * Paths the public /stats page never shows. The demo site's tracker runs in the app's
 * root layout, so the app's own pages are recorded too: a read-only share link
 * (`/share/<secret>`) must not be published by the public page, and the owners'
 * dashboards and the login page are nobody's business.
 */
const PRIVATE = /^\/(share|sites|login|logout)(\/|$)/;

/** Whether the public page must leave a path out. */
export function isPrivatePath(path: string): boolean {
	return PRIVATE.test(path);
}
