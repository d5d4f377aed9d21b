/**
 * Refuses the requests known to crash express-pouchdb 4.2 (docs/DESIGN.md §6) before they
 * reach it, any request that does not come from loopback or names another host (a page
 * rebinding its DNS name to loopback), any request without the store admin's
 * credentials but `GET`/`DELETE /_session` (the app asks who a session is there, with
 * the session's cookie; bodies of at most 4 KiB) and `GET /` (CouchDB's welcome, which
 * tools read to find a running store), decided on the path as sent,
 * and a session cookie that is not current (pouchdb-auth accepts a timestamp in the
 * future, so a cookie forged with the secret would never expire). The embedded store is
 * only ever reached by this app's own server, as its admin, which sends logins too
 * (accounts/auth.ts): anyone else on the machine could otherwise guess passwords at
 * `POST /_session` outside the app's throttle (an outside review, S1), and so it refuses
 * any `Authorization` but the admin's, which express-pouchdb would check on any path.
 */
import { timingSafeEqual } from 'node:crypto';
import { authSessionCookie, isCurrent } from '../accounts/session-token';
import type { EmbeddedCredentials } from './server';

/** Why a request was refused, or undefined when it may pass. */
export function refusal(
	req: {
		method: string;
		url: string;
		remoteAddress?: string;
		/** The `Host` header, when the request has one. */
		host?: string;
		/** The `Content-Length` header, when the request has one. */
		contentLength?: number;
		/** Whether the body comes chunked (`Transfer-Encoding`), of no announced length. */
		chunked?: boolean;
		authorization?: string;
		cookie?: string;
	},
	credentials: Pick<EmbeddedCredentials, 'user' | 'password'>,
	now: number = Date.now()
): { status: number; error: string; reason: string } | undefined {
	const remote = req.remoteAddress ?? '';
	if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote)) {
		return { status: 403, error: 'forbidden', reason: 'the embedded store only serves loopback' };
	}
	if (req.host !== undefined && !LOOPBACK_HOST.test(req.host)) {
		return { status: 403, error: 'forbidden', reason: 'the embedded store only serves loopback' };
	}
	const session = authSessionCookie(req.cookie);
	if (session && !isCurrent(session, now)) {
		return { status: 401, error: 'unauthorized', reason: 'the session cookie is not current' };
	}
	const url = new URL(req.url, 'http://localhost');
	const segments = url.pathname.split('/').filter(Boolean);
	const admin = isAdmin(req.authorization, credentials);
	if (req.authorization !== undefined && !admin) {
		// express-pouchdb checks any Basic credentials, on every path: a way to guess an
		// account's password outside the app's throttle (an outside re-check, 84 a second).
		return {
			status: 401,
			error: 'unauthorized',
			reason: "the embedded store takes only its admin's credentials"
		};
	}
	if (!admin) {
		// Decided on the path as sent, which express-pouchdb routes (a URL's parsed path
		// drops `..`: `/_users/x/../../_session` is `/_session` to it, not to the store).
		const raw = req.url.split('?')[0];
		const open =
			(raw === '/_session' && (req.method === 'GET' || req.method === 'DELETE')) ||
			(raw === '/' && (req.method === 'GET' || req.method === 'HEAD'));
		if (!open) {
			return {
				status: 401,
				error: 'unauthorized',
				reason:
					'the embedded store serves only its admin; anyone may ask who a session is (GET /_session), end it and read its welcome'
			};
		}
		if (req.chunked || (req.contentLength ?? 0) > OPEN_BODY_BYTES) {
			return {
				status: 413,
				error: 'too_large',
				reason: `a request without the admin's credentials may send at most ${OPEN_BODY_BYTES} bytes, with a Content-Length`
			};
		}
	}
	if (segments.at(-1) === '_changes') {
		const filter = url.searchParams.get('filter');
		if (filter === '_selector') {
			return {
				status: 400,
				error: 'bad_request',
				reason: 'filter=_selector is not supported by the embedded store'
			};
		}
		const feed = url.searchParams.get('feed');
		if (feed === 'continuous' || feed === 'eventsource') {
			return {
				status: 400,
				error: 'bad_request',
				reason: `feed=${feed} is not supported by the embedded store; use feed=longpoll`
			};
		}
	}
	return undefined;
}

/** The largest body a request without the admin's credentials may send (a login form). */
const OPEN_BODY_BYTES = 4096;

/** A `Host` header naming loopback (any port): what this app's server sends. */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/i;

/** Whether an `Authorization` header carries the store admin's credentials (timing-safe). */
export function isAdmin(
	authorization: string | undefined,
	credentials: Pick<EmbeddedCredentials, 'user' | 'password'>
): boolean {
	if (!authorization?.startsWith('Basic ')) return false;
	const given = Buffer.from(authorization.slice(6), 'base64');
	const expected = Buffer.from(`${credentials.user}:${credentials.password}`);
	return (
		given.length === expected.length &&
		timingSafeEqual(new Uint8Array(given), new Uint8Array(expected))
	);
}
