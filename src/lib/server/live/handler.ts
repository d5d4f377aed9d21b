/**
 * `GET /api/v1/live?site=ID[&since=SEQ][&public=1]` (`since`: see stream.ts): who may
 * listen is who may read the site's stats (owner session, `Authorization: Bearer`, or the
 * site's share link as `share=`); the public demo site may be followed by anyone, as its
 * /stats page is public, and names only the paths that page shows
 * (`demo/public-paths.ts`; any other is sent as "(other)"); so does its stream with
 * `public=1` (that page's), whoever asks. A stream holds its reader's access open, so it
 * is checked again (accounts/access.ts): a token revoked, a share link turned off, a
 * logout end the streams they opened. A stream stays open as long as its client wants,
 * so one client address may hold at most {@link MAX_STREAMS_PER_CLIENT} at once: more
 * would let anyone use up the process's connections and file descriptors with the
 * public stream.
 */
import { couch } from '../couch';
import { CouchstatsError } from '../errors';
import {
	accessRefusal,
	credentialsOf,
	stillAuthorized,
	type StatsRequest
} from '../stats/authorize';
import { heldAccess } from '../accounts/access';
import { API_PARAMS, parseSiteId } from '../stats/params';
import { liveResponse } from './stream';
import { SEQ_TOKEN_PATTERN } from './seq-token';
import { DEMO_SITE } from '../accounts/sites';
import { publicRecord } from '../demo/public-paths';

/** Live streams one client address may hold open at once (one per tab, many tabs). */
export const MAX_STREAMS_PER_CLIENT = 32;

/** Open streams per client address; an address leaves the map with its last stream. */
const openStreams = new Map<string, number>();

/** A live request: the stats request, the client's address (`client-address.ts`) and session cookie. */
export interface LiveRequest extends StatsRequest {
	clientAddress: string;
	/** The session cookie `locals.user` came from, checked again while the stream is open. */
	session?: string;
}

/** Answers a live request: an SSE stream, or a JSON error. */
export async function liveRequest(event: LiveRequest): Promise<Response> {
	try {
		const params = event.url.searchParams;
		const site = parseSiteId(params, API_PARAMS.live);
		const since = parseSince(params);
		// Anyone may follow the demo site, and is then told only its public pages and no
		// event names; its owners (their tokens, its share link) see every record whole, as
		// on its dashboard.
		// `public=1` (the public /stats page): as anyone, whoever asks (a security probe: a
		// demo owner's /stats listed the unpublished paths and event names it streamed).
		const anyone = params.has('public');
		if (anyone && params.get('public') !== '1') {
			throw new CouchstatsError(400, 'public must be 1 (the demo as anyone sees it), or absent');
		}
		if (anyone && site !== DEMO_SITE) {
			throw new CouchstatsError(400, `public=1 follows the public demo site only, not "${site}"`);
		}
		const credentials = credentialsOf(event);
		const refused = anyone ? undefined : await accessRefusal(couch(), site, credentials);
		if (refused && site !== DEMO_SITE) throw refused;
		const reader = !anyone && !refused;
		const address = event.clientAddress;
		const open = openStreams.get(address) ?? 0;
		if (open >= MAX_STREAMS_PER_CLIENT) {
			throw new CouchstatsError(
				429,
				`at most ${MAX_STREAMS_PER_CLIENT} live streams may be open from one address; close one first`
			);
		}
		openStreams.set(address, open + 1);
		const onClose = () => {
			const left = (openStreams.get(address) ?? 1) - 1;
			if (left > 0) openStreams.set(address, left);
			else openStreams.delete(address);
		};
		const publish = reader ? undefined : publicRecord;
		const allowed = reader
			? heldAccess(() =>
					stillAuthorized(couch(), site, credentials, {
						session: event.session,
						holder: 'a live stream'
					})
				)
			: undefined;
		return liveResponse(site, { publish, onClose, allowed, since });
	} catch (e) {
		if (e instanceof CouchstatsError) {
			return Response.json({ error: e.name, message: e.message }, { status: e.status });
		}
		throw e;
	}
}

/**
 * The `since` of a live request: the token of the sequence its page was read at (its
 * data's `seq`, `seq-token.ts`), or undefined.
 * @throws {CouchstatsError} 400 for anything else.
 */
function parseSince(params: URLSearchParams): string | undefined {
	const since = params.get('since');
	if (since === null) return undefined;
	if (!SEQ_TOKEN_PATTERN.test(since)) {
		throw new CouchstatsError(
			400,
			"since must be the seq of the page's data, the token this server gave it (letters, digits, - and _)"
		);
	}
	return since;
}
