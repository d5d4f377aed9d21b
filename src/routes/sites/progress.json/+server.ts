import { readSitesPage } from '../sites-page';
import type { RequestHandler } from './$types';

/**
 * `GET /sites/progress.json?deleted=ID&q=…&after=ID` (or `before=ID`, or `last`): the
 * sites page's list (that page of it) and deletions as JSON, which the page re-reads every
 * second while a deletion runs (a failed re-read leaves the page as it is:
 * src/lib/reread.ts).
 */
export const GET = (async ({ locals, url }) => {
	if (!locals.user) {
		return Response.json({ error: 'unauthorized', message: 'log in' }, { status: 401 });
	}
	return Response.json(await readSitesPage(locals.user, url.searchParams), {
		headers: { 'cache-control': 'private, no-store' }
	});
}) satisfies RequestHandler;
