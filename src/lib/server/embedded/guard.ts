/**
 * Refuses the requests known to crash express-pouchdb 4.2 (docs/DESIGN.md §6) before they
 * reach it, any request that does not come from loopback, and a session cookie that is
 * not current (pouchdb-auth accepts a timestamp in the future, so a cookie forged with
 * the secret would never expire). The embedded store is only ever reached by this
 * app's own server; this is defence in depth.
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
	const session = authSessionCookie(req.cookie);
	if (session && !isCurrent(session, now)) {
		return { status: 401, error: 'unauthorized', reason: 'the session cookie is not current' };
	}
	const url = new URL(req.url, 'http://localhost');
	const segments = url.pathname.split('/').filter(Boolean);
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
	// PUT /db by a non-admin crashes express-pouchdb once admins exist.
	if (req.method === 'PUT' && segments.length === 1 && !isAdmin(req.authorization, credentials)) {
		return { status: 401, error: 'unauthorized', reason: 'only the admin may create databases' };
	}
	return undefined;
}

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
