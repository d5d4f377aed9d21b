/**
 * The visitor endpoint, `POST /api/v1/visitor`: a visitor of a tracked site reads or
 * erases what the server holds under the random visitor id their browser keeps.
 *
 * | body                                               | answer                                    |
 * |----------------------------------------------------|-------------------------------------------|
 * | `{site, visitor, action: "read", after?}`          | `{site, visitor, total, records, next}`   |
 * | `{site, visitor, action: "erase"}`                 | `{site, visitor, deleted}`                |
 * | `OPTIONS`                                          | CORS preflight, registered origins only   |
 *
 * Possession of the visitor id is the authorisation: it is a UUIDv7 the browser
 * minted with 74 random bits, sent in the body (never in a URL, so it stays out of
 * logs and history). Nobody gets anything by guessing: only a well-formed UUIDv7 is
 * looked up, and each client address has a token bucket (429 with `Retry-After`).
 * A page may ask only about the site its origin is registered for (the ingest's origin
 * rule, `ingest/origin.ts`; requests without `Origin` or `Referer` are not from a page
 * and skip it), and answers carry CORS headers for registered origins only, never
 * with credentials. No cookie is read: this is why the CSRF hook may let cross-origin
 * posts through (src/lib/server/accounts/csrf.ts). Errors are `{error, message}` with their
 * status, as in the Stats API.
 */
import * as v from 'valibot';
import { ID_PATTERN } from '$lib/records';
import type { Couch } from '../couch';
import { CouchstatsError, RetryLater } from '../errors';
import { closingHeaders, readJson } from '../ingest/body';
import type { IngestConfig } from '../ingest/config';
import { corsHeaders, preflightHeaders, requestOrigin } from '../ingest/origin';
import { TokenBuckets } from '../ingest/rate-limit';
import { describeIssue } from '../ingest/schema';
import { SiteCache, type SiteList } from '../ingest/site-cache';
import { logError } from '../log';
import { originAllowed, SITE_ID_PATTERN } from '../accounts/sites';
import { withinIndexWait } from '../stats/still-indexing';
import { eraseVisitor, type ErasureDeps } from './erase';
import { parseCursor, readVisitorRecords } from './records';

/** What the endpoint needs from the world; tests inject their own. */
export interface VisitorDeps extends ErasureDeps {
	/** The app's CouchDB client, read on each use. */
	couch: () => Couch;
	config: Pick<IngestConfig, 'visitor' | 'sitesTtlMs'>;
	/** The site list to check against; default a cache of its own on `couch` (`config.sitesTtlMs`). */
	sites?: SiteCache;
	/** Longest a view read may wait for its index before a 503; default `INDEX_WAIT_MS`. */
	indexWaitMs?: number;
	/** Records per page of a read; default `VISITOR_PAGE`. */
	pageSize?: number;
}

/** One request as the route hands it over. */
export interface VisitorRequest {
	request: Request;
	/** The client's IP address, used in memory for rate limiting only. */
	clientAddress: string;
}

/** The visitor endpoint, holding its rate-limit state and site cache. */
export interface VisitorEndpoint {
	/** Answers one request; never throws. */
	handle(req: VisitorRequest): Promise<Response>;
}

/** Largest body read: the four fields take about 150 bytes. */
const BODY_BYTES = 1024;

const bodySchema = v.strictObject({
	site: v.pipe(v.string(), v.regex(SITE_ID_PATTERN, 'must be a site id')),
	visitor: v.pipe(
		v.string(),
		v.regex(ID_PATTERN, "must be the visitor id the site's tracker keeps (a lowercase UUIDv7)")
	),
	action: v.picklist(['read', 'erase'], 'must be "read" or "erase"'),
	after: v.optional(
		v.pipe(
			v.string(),
			v.check((s) => parseCursor(s) !== undefined, "must be a previous answer's next")
		)
	)
});

/** Creates the visitor endpoint. */
export function createVisitorEndpoint(deps: VisitorDeps): VisitorEndpoint {
	const now = deps.now ?? Date.now;
	const buckets = new TokenBuckets(deps.config.visitor, now);
	const siteCache =
		deps.sites ?? new SiteCache(() => deps.couch().sites, deps.config.sitesTtlMs, now);
	const settle = withinIndexWait(deps.indexWaitMs);

	async function respond(req: VisitorRequest, sites: SiteList): Promise<Response> {
		const { request } = req;
		const limited = buckets.take(new Map([[req.clientAddress, 1]]));
		if (!limited.ok) throw new RetryLater(429, 'too many requests', limited.retryAfterSeconds);

		if (request.method === 'OPTIONS') {
			const origin = request.headers.get('origin');
			if (!origin || !sites.allowsOrigin(origin)) {
				throw new CouchstatsError(403, 'this origin is not registered for any site');
			}
			return new Response(null, { status: 204, headers: preflightHeaders('POST, OPTIONS') });
		}
		if (request.method !== 'POST') {
			throw new CouchstatsError(405, 'send a POST with {site, visitor, action}');
		}
		const claimed = requestOrigin(request.headers);
		if (claimed.kind === 'opaque') {
			throw new CouchstatsError(403, 'requests from an opaque origin are refused');
		}
		const parsed = v.safeParse(bodySchema, await readJson(request, BODY_BYTES));
		if (!parsed.success) throw new CouchstatsError(400, describeIssue(parsed.issues[0]));
		const { site: id, visitor, action, after } = parsed.output;
		const site = sites.get(id);
		if (!site) throw new CouchstatsError(404, `no site "${id}" is registered`);
		if (claimed.kind === 'page' && !originAllowed(site, claimed.origin)) {
			throw new CouchstatsError(403, `this page's origin is not registered for site "${id}"`);
		}

		const couch = deps.couch();
		if (action === 'erase') {
			const deleted = await eraseVisitor(couch, id, visitor, settle, { ...deps, now });
			return json({ site: id, visitor, deleted }, 200);
		}
		const page = await readVisitorRecords(couch, id, visitor, {
			after: after === undefined ? undefined : parseCursor(after),
			limit: deps.pageSize,
			settle
		});
		return json({ site: id, visitor, ...page }, 200);
	}

	return {
		async handle(req) {
			let sites: SiteList | undefined;
			try {
				sites = await siteCache.sites();
				const response = await respond(req, sites);
				for (const [key, value] of Object.entries(corsHeaders(req.request.headers, sites)))
					response.headers.set(key, value);
				return response;
			} catch (e) {
				const cors = corsHeaders(req.request.headers, sites);
				if (e instanceof CouchstatsError) {
					const headers =
						e instanceof RetryLater ? { ...cors, 'Retry-After': String(e.after) } : cors;
					return json({ error: e.name, message: e.message }, e.status, {
						...headers,
						...closingHeaders(e.status)
					});
				}
				logError('visitor request failed', e);
				return json({ error: 'internal', message: 'internal error' }, 500, cors);
			}
		}
	};
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }
	});
}
