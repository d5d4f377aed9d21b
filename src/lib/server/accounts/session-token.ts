/**
 * CouchDB's `AuthSession` cookie value, and the one session lifetime couchstats keeps.
 *
 * The value is base64url of `name:TIMESTAMP:hmac`: TIMESTAMP is when CouchDB issued (or
 * last renewed) it, in seconds, in hexadecimal, and CouchDB accepts it until TIMESTAMP
 * plus its timeout. Neither Apache CouchDB nor the embedded store refuses a timestamp in
 * the future, so a cookie forged with the server's secret would never expire; couchstats
 * refuses one before CouchDB is asked, and the embedded store's guard refuses it too.
 */

/**
 * How long a session lasts after CouchDB last renewed it: 7 days, in seconds. The app's
 * cookie `Max-Age`, the embedded store's `couch_httpd_auth.timeout` and, on Apache
 * CouchDB, the operator's `[chttpd_auth] timeout` (couchdb/local.ini) are all this value.
 */
export const SESSION_LIFETIME_S = 7 * 24 * 3600;

/** How far CouchDB's clock may run ahead of this server's before a timestamp is refused. */
const CLOCK_SKEW_S = 60;

/** When an AuthSession value was issued (seconds since the epoch), or undefined if it is none. */
export function issuedAt(token: string): number | undefined {
	// latin1 keeps every byte one character: the name may be UTF-8 and the hmac is binary.
	const decoded = Buffer.from(token, 'base64url').toString('latin1');
	const match = /^[^:]+:([0-9A-Fa-f]{1,12}):/.exec(decoded);
	return match ? parseInt(match[1], 16) : undefined;
}

/**
 * Whether an AuthSession value is within its lifetime: issued no later than now (give or
 * take {@link CLOCK_SKEW_S}) and less than {@link SESSION_LIFETIME_S} ago.
 * @param nowMs This server's clock, in ms.
 */
export function isCurrent(token: string, nowMs: number): boolean {
	const issued = issuedAt(token);
	if (issued === undefined) return false;
	const now = nowMs / 1000;
	return issued <= now + CLOCK_SKEW_S && issued + SESSION_LIFETIME_S > now;
}

/** The `AuthSession` value in a `Cookie` header, if any. */
export function authSessionCookie(header: string | undefined): string | undefined {
	const match = /(?:^|;\s*)AuthSession=([^;]*)/.exec(header ?? '');
	return match?.[1] || undefined;
}
