/**
 * The ingest endpoint: the push-replication subset of a CouchDB database that
 * PouchDB (and the `sendBeacon` fallback) uses, and nothing else.
 *
 * | request                         | answer                                         |
 * |---------------------------------|------------------------------------------------|
 * | `GET /`                         | db info plus `now` (server epoch ms)           |
 * | `GET`/`PUT /_local/{id}`        | checkpoints, in the checkpoints database       |
 * | `POST /_revs_diff`              | which offered records the store lacks          |
 * | `POST /_bulk_docs`              | `{docs, new_edits: false, sent?, offset?}`; errors only |
 * |                                 | (`{id, index, error, reason}`, request order)  |
 * | `OPTIONS` any of the above      | CORS preflight, registered site origins only   |
 * | any other path                  | 404                                            |
 * | any other method                | 405 with `Allow`                               |
 *
 * Every answer, an error too, tells the server's clock in `X-Couchstats-Now`
 * (`NOW_HEADER`): the tracker measures the server's clock by its requests' answers.
 * `now` in `GET /` tells it to trackers of earlier versions, which asked for it. A
 * `_bulk_docs` answer that stored records of one site tells that site's time zone in
 * `X-Couchstats-Zone` (`ZONE_HEADER`): the tracker counts the visitor's days by it; and
 * its host names in `X-Couchstats-Hosts` (`HOSTS_HEADER`): the tracker's own hosts.
 *
 * Every request first takes a token from its client IP's bucket (429 with
 * `Retry-After` when empty), and a body one more per {@link BODY_BYTES_PER_TOKEN} it holds
 * before it is parsed; records also take tokens from their session's bucket and from
 * their client IP's record bucket.
 * Errors are CouchDB-shaped: `{error, reason}`.
 */
import { HOSTS_HEADER, LIMITS, NOW_HEADER, ZONE_HEADER, type StoredRecord } from '$lib/records';
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { logError } from '../log';
import { closingHeaders, readJson } from './body';
import { checkBatch, storeRecords, type CheckedBatch } from './bulk-docs';
import { refusedOrigins } from './refused-origins';
import { CHECKPOINT_MAX_BYTES, Checkpoints } from './checkpoints';
import type { IngestConfig } from './config';
import { describeAgent } from './enrich';
import { corsHeaders, preflightHeaders, requestOrigin, type ClaimedOrigin } from './origin';
import { TokenBuckets, takeAll } from './rate-limit';
import { revsDiff } from './revs-diff';
import { SiteCache, type SiteList } from './site-cache';

/** What the ingest needs from the world; tests inject their own. */
export interface IngestDeps {
	/** The app's CouchDB client, read on each use. */
	couch: () => Couch;
	config: IngestConfig;
	/** Clock in ms; default `Date.now`. */
	now?: () => number;
	/** The site list to check against; default a cache of its own on `couch` (`config.sitesTtlMs`). */
	sites?: SiteCache;
}

/** One request as the route hands it over. */
export interface IngestRequest {
	request: Request;
	/** The path below `/api/ingest/`, e.g. `_bulk_docs` or `_local/abc`; empty for the db itself. */
	path: string;
	/** The client's IP address, used in memory for rate limiting only. */
	clientAddress: string;
}

/** The ingest endpoint, holding its rate-limit state and site cache. */
export interface Ingest {
	/** Answers one request; never throws. */
	handle(req: IngestRequest): Promise<Response>;
}

type Endpoint =
	{ name: 'info' } | { name: 'bulk_docs' } | { name: 'revs_diff' } | { name: 'local'; id: string };

const ALLOWED_METHODS: Record<Endpoint['name'], string[]> = {
	info: ['GET', 'HEAD'],
	bulk_docs: ['POST'],
	revs_diff: ['POST'],
	local: ['GET', 'HEAD', 'PUT']
};

/**
 * Bytes of a body that cost one more token of the request bucket: a tracker's batch of a
 * few records costs none, a 1 MB body 64.
 */
export const BODY_BYTES_PER_TOKEN = 16 * 1024;

/** Largest `_local` body read before it is refused; the checkpoint itself is capped lower. */
const CHECKPOINT_BODY_BYTES = 2 * CHECKPOINT_MAX_BYTES;

/** Creates the ingest endpoint. */
export function createIngest(deps: IngestDeps): Ingest {
	const now = deps.now ?? Date.now;
	const ipBuckets = new TokenBuckets(deps.config.ip, now);
	const sessionBuckets = new TokenBuckets(deps.config.session, now);
	const ipRecordBuckets = new TokenBuckets(deps.config.ipRecords, now);
	/** All addresses' records: one bucket, under {@link ALL}. */
	const recordBuckets = new TokenBuckets(deps.config.records, now);
	const siteCache =
		deps.sites ?? new SiteCache(() => deps.couch().sites, deps.config.sitesTtlMs, now);
	const checkpoints = new Checkpoints(() => deps.couch().checkpoints, { now });

	/**
	 * Takes a body's tokens from its client address's request bucket: parsing costs by
	 * size, and 1 MB bodies of nested arrays cost 130 ms of CPU each (a security probe
	 * kept a core busy from one address at 20 requests a second).
	 */
	function charged(req: IngestRequest): (bytes: number) => void {
		/** Tokens this body paid so far: told its size again as it arrives, it pays the rest. */
		let paid = 0;
		return (bytes) => {
			const tokens = Math.floor(bytes / BODY_BYTES_PER_TOKEN) - paid;
			if (tokens <= 0) return;
			const taken = ipBuckets.take(new Map([[req.clientAddress, tokens]]));
			if (!taken.ok) throw tooMany(taken.retryAfterSeconds);
			paid += tokens;
		};
	}

	async function respond(req: IngestRequest, sites: SiteList, at: number): Promise<Response> {
		const { request } = req;
		const limited = ipBuckets.take(new Map([[req.clientAddress, 1]]));
		if (!limited.ok) throw tooMany(limited.retryAfterSeconds);

		const endpoint = route(req.path);
		if (!endpoint) throw new CouchstatsError(404, 'the ingest accepts replication writes only');

		if (request.method === 'OPTIONS') {
			const origin = request.headers.get('origin');
			if (!origin || !sites.allowsOrigin(origin)) {
				throw new CouchstatsError(403, 'this origin is not registered for any site');
			}
			return new Response(null, { status: 204, headers: preflightHeaders() });
		}
		const allowed = ALLOWED_METHODS[endpoint.name];
		if (!allowed.includes(request.method)) {
			return json({ error: 'method_not_allowed', reason: `use ${allowed.join(', ')}` }, 405, {
				Allow: allowed.join(', ')
			});
		}

		const claimed = requestOrigin(request.headers);
		if (claimed.kind === 'opaque') {
			throw new CouchstatsError(403, 'requests from an opaque origin are refused');
		}
		if (claimed.kind === 'page' && !sites.allowsOrigin(claimed.origin)) {
			// The sites its records name still learn of it (refused-origins.ts).
			if (endpoint.name === 'bulk_docs') await noteRefused(req, sites, claimed, at);
			// Readable by the page (the tracker says it in the console), where a refusal
			// without CORS headers read only "blocked by CORS policy" (an outside re-check).
			return withHeaders(failure(unlisted(claimed.origin)), {
				'Access-Control-Allow-Origin': claimed.origin
			});
		}

		switch (endpoint.name) {
			case 'info':
				return json(
					{ db_name: 'ingest', doc_count: 0, update_seq: '0', instance_start_time: '0', now: at },
					200
				);
			case 'local':
				return local(request, endpoint.id, claimed);
			case 'revs_diff': {
				const body = await readJson(request, LIMITS.requestBytes, charged(req));
				const couch = deps.couch();
				return json(await revsDiff(couch.server, couch.names.events, body), 200);
			}
			case 'bulk_docs': {
				const body = await readJson(request, LIMITS.requestBytes, charged(req));
				const batch = checkBatch(body, {
					sites,
					origin: claimed,
					agent: describeAgent(request.headers.get('user-agent')),
					now: at,
					address: req.clientAddress
				});
				noteForeign(batch.foreign, at, req.clientAddress);
				// Per session, per address (session ids are the client's to choose), and all
				// together (addresses are many: what the store can index is not).
				const taken = takeAll([
					[sessionBuckets, batch.perSession],
					[ipRecordBuckets, new Map([[req.clientAddress, batch.records.length]])],
					[recordBuckets, new Map([[ALL, batch.records.length]])]
				]);
				if (!taken.ok) throw tooMany(taken.retryAfterSeconds);
				const refused = await storeRecords(deps.couch().events, batch);
				return json(
					[...batch.errors, ...refused].sort((a, b) => a.index - b.index),
					201,
					siteHeaders(batch.records, sites)
				);
			}
		}
	}

	/**
	 * Notes a `_bulk_docs` body's records as refused from `claimed`, which no site lists:
	 * checked as any batch (so only records the ingest would take from a listed page, with
	 * their ids, revisions, fields and time: made-up ids cost a forger real records, where
	 * an outside re-check pushed a real entry off the list with 5 requests of junk ids),
	 * every one of a registered site foreign to the origin, and taken from the client
	 * address's record bucket as stored records are (a security probe noted 500 records in
	 * one request): past the bucket, nothing is noted. A body the ingest refuses notes
	 * nothing.
	 */
	async function noteRefused(
		req: IngestRequest,
		sites: SiteList,
		claimed: ClaimedOrigin,
		at: number
	) {
		const { request, clientAddress } = req;
		const body = await readJson(request, LIMITS.requestBytes, charged(req)).catch(() => null);
		try {
			const agent = describeAgent(request.headers.get('user-agent'));
			const { foreign } = checkBatch(body, {
				sites,
				origin: claimed,
				agent,
				now: at,
				address: clientAddress
			});
			let records = 0;
			for (const pages of foreign.values()) for (const ids of pages.values()) records += ids.length;
			if (!records || !ipRecordBuckets.take(new Map([[clientAddress, records]])).ok) return;
			noteForeign(foreign, at, clientAddress);
		} catch (e) {
			if (!(e instanceof CouchstatsError)) throw e;
		}
	}

	/**
	 * Shows a batch's records refused for their page's origin or host in their sites'
	 * settings (a host's refusals from requests without an origin too).
	 */
	function noteForeign(foreign: CheckedBatch['foreign'], at: number, client: string) {
		for (const [site, pages] of foreign)
			for (const [page, ids] of pages) refusedOrigins.note(site, page, ids, at, client);
	}

	async function local(request: Request, id: string, claimed: ClaimedOrigin): Promise<Response> {
		const owner = claimed.kind === 'page' ? claimed.origin : '-';
		if (request.method === 'PUT') {
			const body = await readJson(request, CHECKPOINT_BODY_BYTES);
			return json(await checkpoints.write(owner, id, body), 201);
		}
		return json(await checkpoints.read(owner, id), 200);
	}

	return {
		async handle(req) {
			const at = now();
			let sites: SiteList | undefined;
			let response: Response;
			try {
				sites = await siteCache.sites();
				response = await respond(req, sites, at);
			} catch (e) {
				response = failure(e);
			}
			// The middle of the request's time here, as the tracker takes the middle of its trip.
			const clock = { [NOW_HEADER]: String(Math.round((at + now()) / 2)) };
			return withHeaders(response, { ...corsHeaders(req.request.headers, sites), ...clock });
		}
	};
}

/**
 * The headers telling the time zone and the host names of the one site whose records a
 * batch stored (records of a site that does not list the page's origin are never
 * stored): none for a batch of several sites or of none, which no tracker sends. The host
 * names are no secret (README): a browser's page gets them only where the site lists its
 * origin, but any client may send that `Origin`, or none.
 */
function siteHeaders(records: readonly StoredRecord[], sites: SiteList): Record<string, string> {
	const site = records[0]?.site;
	if (site === undefined || records.some((r) => r.site !== site)) return {};
	const found = sites.get(site);
	if (!found) return {};
	const headers: Record<string, string> = { [HOSTS_HEADER]: found.hostnames.join(' ') };
	if (found.timeZone) headers[ZONE_HEADER] = found.timeZone;
	return headers;
}

/** The refusal of a page whose origin no site lists, saying what to add where. */
function unlisted(origin: string): CouchstatsError {
	return new CouchstatsError(
		403,
		`this origin is not registered for any site: add ${new URL(origin).host} to the host names in the site's settings to take the records of ${origin}`
	);
}

/** The key of the bucket of all addresses' records. */
const ALL = '*';

/** Seconds a sender is told to wait when the store cannot be reached (503). */
export const UNAVAILABLE_RETRY_S = 5;

/**
 * The answer to a request that failed: CouchDB's error shape, `Retry-After` on a 429
 * and on a 503 (the store unreachable).
 */
function failure(e: unknown): Response {
	if (e instanceof CouchstatsError) {
		const headers: Record<string, string> =
			e instanceof TooManyRequests
				? { 'Retry-After': String(e.retryAfter) }
				: e.status === 503
					? { 'Retry-After': String(UNAVAILABLE_RETRY_S) }
					: {};
		return json({ error: e.name, reason: e.message }, e.status, {
			...headers,
			...closingHeaders(e.status)
		});
	}
	logError('ingest failed', e);
	return json({ error: 'internal_error', reason: 'internal error' }, 500);
}

/** Parses the path below `/api/ingest/` into an endpoint, or undefined for a 404. */
function route(path: string): Endpoint | undefined {
	const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
	if (trimmed === '') return { name: 'info' };
	if (trimmed === '_bulk_docs') return { name: 'bulk_docs' };
	if (trimmed === '_revs_diff') return { name: 'revs_diff' };
	const local = /^_local\/([^/]+)$/.exec(trimmed);
	if (local) return { name: 'local', id: local[1] };
	return undefined;
}

class TooManyRequests extends CouchstatsError {
	constructor(readonly retryAfter: number) {
		super(429, `too many requests; retry in ${retryAfter} s`);
	}
}

function tooMany(seconds: number) {
	return new TooManyRequests(seconds);
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }
	});
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
	for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
	return response;
}
