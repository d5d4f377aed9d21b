/**
 * Refuses the requests known to crash express-pouchdb 4.2 (docs/DESIGN.md §6) before they
 * reach it, any request that does not come from loopback or names another host (a page
 * rebinding its DNS name to loopback), any request without the store admin's
 * credentials but `_session` (the app logs accounts in and asks who a session is there)
 * and `GET /` (CouchDB's welcome, which tools read to find a running store),
 * and a session cookie that is not current (pouchdb-auth accepts a timestamp in the
 * future, so a cookie forged with the secret would never expire). The embedded store is
 * only ever reached by this app's own server, as its admin; everyone else on the
 * machine meets CouchDB's own checks only at `_session`.
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
	const open =
		segments[0] === '_session' ||
		(segments.length === 0 && (req.method === 'GET' || req.method === 'HEAD'));
	if (!open && !isAdmin(req.authorization, credentials)) {
		return {
			status: 401,
			error: 'unauthorized',
			reason: 'the embedded store serves only its admin, and _session and its welcome to everyone'
		};
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
