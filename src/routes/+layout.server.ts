import { listEntries } from '$lib/server/demo/content';
import { logError } from '$lib/server/log';
import { DEMO_SITE } from '$lib/server/accounts/sites';
import { siteCache } from '$lib/server/ingest/site-cache';
import type { LayoutServerLoad } from './$types';

// The demo blog's pages get its frame, whose navigation lists the content pages, and
// the demo site's time zone, which decides a visitor's day for the tracker (as
// `data-time-zone` does in a site's snippet); the app's pages bring their own shell.
// (The frame lives here, not in the (demo) layout, so that the layout holding the
// tracker stays the tracker alone: tests/e2e/size-budget.)
export const load = (async ({ route }) => {
	if (!route.id?.startsWith('/(demo)')) return { demoNav: null, demoTimeZone: null };
	return {
		demoNav: listEntries('page').map(({ title, path }) => ({ title, path })),
		demoTimeZone: await demoTimeZone()
	};
}) satisfies LayoutServerLoad;

/**
 * The demo site's time zone, from the site list the ingest caches (no sites-database read
 * per page). The blog still renders when the store is unreachable: the tracker then
 * counts days in UTC, and its records wait in the visitor's outbox anyway.
 */
async function demoTimeZone(): Promise<string | null> {
	try {
		return (await siteCache().sites()).get(DEMO_SITE)?.timeZone ?? null;
	} catch (e) {
		logError('the demo site could not be read', e);
		return null;
	}
}
