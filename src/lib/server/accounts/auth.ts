/**
 * Accounts are CouchDB's own `_users`; logging in is CouchDB's `_session`. The app keeps
 * CouchDB's `AuthSession` value in its own HTTP-only cookie and asks CouchDB who it
 * belongs to, caching the answer briefly. No password is stored here.
 *
 * CouchDB cannot revoke a session (`DELETE /_session` only clears a browser's cookie),
 * so the app adds its own check, the same on Apache CouchDB and the embedded store:
 * each account's `_users` document holds a random session key (`couchstats_session_key`),
 * the app's cookie carries the key it was issued with (`<AuthSession>.<key>`), and
 * logging out replaces the key, which ends every session of that account, copied
 * cookies included.
 */
import { randomBytes } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import type { ServerScope } from 'nano';
import { ignoreStatus, storeClient, type Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { ADMIN_ROLE } from '../boot/setup';
import { SESSION_LIFETIME_S, isCurrent } from './session-token';
import { accessChanged } from './access';
import type { SiteRecord } from './sites';

/**
 * The name of the app's session cookie (HTTP-only, same-site: `<CouchDB AuthSession>.<session
 * key>`) at `url`. On https it is `__Host-couchstats_session`, which a browser takes only
 * from this very origin, Secure, for every path and without a `Domain`: a cookie is
 * bound to its host name, not to its port or scheme, so another service on the host (or
 * a sibling subdomain, with `Domain=`) could otherwise set a session of its choosing in
 * the app's place, and the owner would work in an account not theirs (an outside
 * review). Browsers refuse the prefix on http, where the name stays plain.
 */
export function sessionCookie(url: URL): string {
	return url.protocol === 'https:' ? '__Host-couchstats_session' : 'couchstats_session';
}

/** The `_users` field holding an account's current session key. */
const KEY_FIELD = 'couchstats_session_key';

/** A logged-in account. */
export interface User {
	name: string;
	roles: string[];
	/** Server admins and accounts with the `couchstats:admin` role see every site. */
	isAdmin: boolean;
}

/** Result of a successful login or session check. */
export interface Session {
	user: User;
	/** The app's cookie value; a check may return a renewed one. */
	token: string;
}

const CACHE_MS = 30_000;
/** Longest wait for CouchDB while checking a login or a session. */
const CHECK_TIMEOUT_MS = 10_000;
const cache = new Map<string, { session: Session; until: number }>();

function origin(couchUrl: URL): string {
	return `${couchUrl.protocol}//${couchUrl.host}`;
}

/** The `Authorization` header of the credentials in a CouchDB URL. */
function basicAuthorization(couchUrl: URL): string {
	const credentials = `${decodeURIComponent(couchUrl.username)}:${decodeURIComponent(couchUrl.password)}`;
	return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function toUser(name: string, roles: string[]): User {
	return { name, roles, isAdmin: roles.includes('_admin') || roles.includes(ADMIN_ROLE) };
}

/**
 * Logs in through CouchDB's `_session`, as the server admin of the app's CouchDB URL (the
 * form's account is the one logged in): the embedded store takes a login only from its
 * admin (embedded/guard.ts), so that nobody else on the machine can guess passwords
 * there, outside the app's throttle and pace.
 * @returns the session, or undefined when the name or password is wrong.
 * @throws {CouchstatsError} 429 when CouchDB refuses with 403 (Apache CouchDB 3.5 locks
 *   a name after repeated failures, `[chttpd_auth_lockout]`); 503 when CouchDB cannot
 *   be reached.
 */
export async function login(
	couch: Couch,
	name: string,
	password: string
): Promise<Session | undefined> {
	const client = storeClient(couch, {
		url: origin(couch.url),
		headers: { authorization: basicAuthorization(couch.url) }
	});
	let body: { name?: string; roles?: string[] };
	try {
		// Time-limited: the throttle runs one login per client and account at a time.
		body = (await client.request({
			method: 'POST',
			db: '_session',
			form: { name, password },
			signal: AbortSignal.timeout(CHECK_TIMEOUT_MS)
		} as Parameters<typeof client.request>[0])) as typeof body;
	} catch (e) {
		const status = (e as { statusCode?: number }).statusCode;
		if (status === 401) return undefined;
		if (status === 403) {
			throw new CouchstatsError(
				429,
				'CouchDB has locked this account for a few minutes after repeated failed logins; try again later.'
			);
		}
		throw new CouchstatsError(503, 'The database cannot be reached; try again in a moment.');
	}
	const token = authSessionValue(client);
	if (!token || !body.name) return undefined;
	const key = await sessionKey(couch, body.name).catch(() => {
		throw new CouchstatsError(503, 'The database cannot be reached; try again in a moment.');
	});
	return { user: toUser(body.name, body.roles ?? []), token: joinCookie(token, key) };
}

/**
 * Who a session cookie belongs to, asking CouchDB at most every 30 s per cookie.
 * Refuses, without asking, an AuthSession issued in the future or longer than
 * {@link SESSION_LIFETIME_S} ago; refuses one whose session key was replaced.
 * @param now Clock, injectable for tests.
 * @returns undefined for an expired, ended or unknown session.
 */
export async function sessionFor(
	couch: Couch,
	cookie: string,
	now: () => number = Date.now
): Promise<Session | undefined> {
	const cached = cache.get(cookie);
	if (cached && cached.until > now()) return cached.session;
	cache.delete(cookie);
	const { token, key } = splitCookie(cookie);
	if (!isCurrent(token, now())) return undefined;
	const client = storeClient(couch, { url: origin(couch.url), cookie: `AuthSession=${token}` });
	let body: { userCtx?: { name?: string | null; roles?: string[] } };
	try {
		body = (await client.session()) as typeof body;
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 401) return undefined;
		throw e;
	}
	const name = body.userCtx?.name;
	if (!name || key !== (await sessionKey(couch, name))) return undefined;
	const renewed = authSessionValue(client);
	const session = {
		user: toUser(name, body.userCtx?.roles ?? []),
		token: renewed ? joinCookie(renewed, key) : cookie
	};
	if (cache.size > 10_000) cache.clear();
	cache.set(cookie, { session, until: now() + CACHE_MS });
	return session;
}

/**
 * Ends every session of an account: replaces its session key, so no cookie issued
 * before works again, nor holds a live stream open (at once in this process; other app
 * instances cache a session check for up to 30 s).
 * @throws when CouchDB cannot be reached.
 */
export async function endSessions(couch: Couch, name: string): Promise<void> {
	forgetCachedSessions(name);
	const users = couch.server.use<Record<string, unknown>>('_users');
	for (let attempt = 0; ; attempt++) {
		const doc = await ignoreStatus(users.get(userId(name)), 404);
		// A server admin has no document: it has no session key and cannot log in here.
		if (!doc) return;
		try {
			await users.insert({ ...doc, [KEY_FIELD]: randomBytes(16).toString('hex') });
			accessChanged();
			return;
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode !== 409 || attempt >= 4) throw e;
		}
	}
}

/**
 * Drops this process's cached session checks of an account, so that each of its cookies
 * is asked of CouchDB again (other app instances keep theirs up to 30 s).
 */
export function forgetCachedSessions(name: string): void {
	for (const [cookie, entry] of cache) {
		if (entry.session.user.name === name) cache.delete(cookie);
	}
}

/** An account's current session key; empty for an account that never logged out. */
async function sessionKey(couch: Couch, name: string): Promise<string> {
	const doc = (await ignoreStatus(
		couch.server.request({
			db: '_users',
			doc: userId(name),
			signal: AbortSignal.timeout(CHECK_TIMEOUT_MS)
		} as Parameters<Couch['server']['request']>[0]),
		404
	)) as Record<string, unknown> | undefined;
	const key = doc?.[KEY_FIELD];
	return typeof key === 'string' ? key : '';
}

function userId(name: string): string {
	return `org.couchdb.user:${name}`;
}

function joinCookie(token: string, key: string): string {
	return key ? `${token}.${key}` : token;
}

/** AuthSession values are base64url, which has no `.`: the key follows the first one. */
function splitCookie(cookie: string): { token: string; key: string } {
	const dot = cookie.indexOf('.');
	return dot < 0
		? { token: cookie, key: '' }
		: { token: cookie.slice(0, dot), key: cookie.slice(dot + 1) };
}

/** Whether a user may read a site's stats: admins, and the site's owners. */
export function canReadSite(
	user: User | null | undefined,
	site: Pick<SiteRecord, 'owners'>
): boolean {
	if (!user) return false;
	return user.isAdmin || site.owners.includes(user.name);
}

/**
 * CouchDB's AuthSession value from a nano client's cookie jar. Read from the jar's
 * entries because nano's `getCookieString` drops session cookies without `Expires`,
 * which is what CouchDB sends unless persistent cookies are enabled.
 */
function authSessionValue(client: ServerScope): string {
	const jar = (client.config as { cookieJar?: { jar?: { name: string; value: string }[] } })
		.cookieJar?.jar;
	const entry = jar?.findLast((cookie) => cookie.name === 'AuthSession');
	return entry?.value.replace(/^AuthSession=/, '') ?? '';
}

/** Stores the session in the app's own HTTP-only cookie, for the one session lifetime. */
export function setSessionCookie(cookies: Cookies, token: string, url: URL): void {
	cookies.set(sessionCookie(url), token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: SESSION_LIFETIME_S
	});
}
