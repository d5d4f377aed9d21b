/**
 * `GET /api/v1/live?site=ID`: who may listen is who may read the site's stats (owner
 * session, `Authorization: Bearer`, or the site's share link as `share=`); the public
 * demo site may be followed by anyone, as its /stats page is public, without the paths
 * that page never shows (the app's own pages, `demo/private-paths.ts`).
 */
import { couch } from '../couch';
import { CouchstatsError } from '../errors';
import { authorizeSite, credentialsOf, type StatsRequest } from '../stats/authorize';
import { parseSiteId } from '../stats/params';
import { liveResponse } from './stream';
import { DEMO_SITE } from '../accounts/sites';
import { isPrivatePath } from '../demo/private-paths';

/** Answers a live request: an SSE stream, or a JSON error. */
export async function liveRequest(event: StatsRequest): Promise<Response> {
	try {
		const params = event.url.searchParams;
		const site = parseSiteId(params);
		if (site === DEMO_SITE) return liveResponse(site, { hide: isPrivatePath });
		await authorizeSite(couch(), site, credentialsOf(event));
		return liveResponse(site);
	} catch (e) {
		if (e instanceof CouchstatsError) {
			return Response.json({ error: e.name, message: e.message }, { status: e.status });
		}
		throw e;
	}
}
