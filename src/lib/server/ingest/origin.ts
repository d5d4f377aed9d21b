/**
 * Where a request says it comes from, and the CORS headers it gets.
 *
 * The rule (documented in ARCHITECTURE.md, "Ingest"):
 * - A browser request names its page's origin in `Origin` (always on cross-origin
 *   requests and on POST/PUT), otherwise in `Referer` (same-origin GETs). That
 *   origin must be allowed by the site of every record in the request.
 * - `Origin: null` (sandboxed frames, `no-referrer` pages) cannot be checked and is
 *   refused.
 * - A request with neither header is not from a page: Node PouchDB, curl, an import
 *   script. Anyone can forge these headers outside a browser, so the check only
 *   binds browsers; header-less clients pass it and meet every other check (known
 *   site, schema, rate limits) like everyone else.
 */
import type { SiteList } from './site-cache';
import { HOSTS_HEADER, NOW_HEADER, ZONE_HEADER } from '$lib/records';

/** The origin a request claims, as decided by {@link requestOrigin}. */
export type ClaimedOrigin =
	{ kind: 'page'; origin: string } | { kind: 'opaque' } | { kind: 'none' };

/** The origin of the page that sent a request, per the rule in this module's comment. */
export function requestOrigin(headers: Headers): ClaimedOrigin {
	const origin = headers.get('origin');
	if (origin !== null) {
		const parsed = parseOrigin(origin);
		return parsed ? { kind: 'page', origin: parsed } : { kind: 'opaque' };
	}
	const referer = headers.get('referer');
	if (referer !== null) {
		const parsed = parseOrigin(referer);
		return parsed ? { kind: 'page', origin: parsed } : { kind: 'opaque' };
	}
	return { kind: 'none' };
}

function parseOrigin(value: string): string | undefined {
	try {
		const url = new URL(value);
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
		return url.origin;
	} catch {
		return undefined;
	}
}

/** Methods and headers the ingest allows cross-origin; PouchDB sends `Content-Type` and `Accept`. */
const ALLOW_METHODS = 'GET, PUT, POST, OPTIONS';
const ALLOW_HEADERS = 'Content-Type, Accept';

/**
 * CORS headers for a response: `Access-Control-Allow-Origin` only when the
 * request's `Origin` header names a registered site's origin. Credentials are never
 * allowed. `Vary: Origin` always, since the answer depends on it.
 * @param headers The request headers.
 * @param sites The registered sites, or undefined when they could not be read.
 */
export function corsHeaders(headers: Headers, sites: SiteList | undefined): Record<string, string> {
	const origin = headers.get('origin');
	const out: Record<string, string> = { Vary: 'Origin' };
	if (origin && sites?.allowsOrigin(origin)) {
		out['Access-Control-Allow-Origin'] = origin;
		out['Access-Control-Expose-Headers'] =
			`Retry-After, ${NOW_HEADER}, ${ZONE_HEADER}, ${HOSTS_HEADER}`;
	}
	return out;
}

/**
 * Headers of a successful preflight answer.
 * @param methods The methods allowed; default the ingest's.
 */
export function preflightHeaders(methods = ALLOW_METHODS): Record<string, string> {
	return {
		'Access-Control-Allow-Methods': methods,
		'Access-Control-Allow-Headers': ALLOW_HEADERS,
		'Access-Control-Max-Age': '600'
	};
}
