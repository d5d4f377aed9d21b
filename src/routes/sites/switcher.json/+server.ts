import { readSitesQuery } from '$lib/sites-list';
import { readSwitcher } from '../switcher';
import type { RequestHandler } from './$types';

/**
 * `GET /sites/switcher.json?q=…`: the header's switcher's search, as the owner types: the
 * first of the signed-in account's own sites matching `q` (`{ sites, pager }`), and
 * nobody else's. The switcher's form sends the same search to `/sites?q=…` without
 * JavaScript.
 */
export const GET = (async ({ locals, url }) => {
	if (!locals.user) {
		return Response.json({ error: 'unauthorized', message: 'log in' }, { status: 401 });
	}
	const { q } = readSitesQuery(url.searchParams);
	const { switcher } = await readSwitcher(locals.user, { q });
	return Response.json(switcher, { headers: { 'cache-control': 'private, no-store' } });
}) satisfies RequestHandler;
