/**
 * Accounts are CouchDB's own `_users`; logging in is CouchDB's `_session`. The app
 * keeps CouchDB's `AuthSession` cookie value in its own HTTP-only cookie and asks
 * CouchDB who it belongs to, caching the answer briefly. No password is stored here.
 */
import type { Cookies } from '@sveltejs/kit';
import nano from 'nano';
import { ADMIN_ROLE } from './setup';
import type { SiteRecord } from './sites';

/** The app's session cookie (HTTP-only, same-site); holds CouchDB's AuthSession value. */
export const SESSION_COOKIE = 'couchstats_session';

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
	/** CouchDB's AuthSession value; a check may return a refreshed one. */
	token: string;
}

const CACHE_MS = 30_000;
const cache = new Map<string, { session: Session; until: number }>();

function origin(couchUrl: URL): string {
	return `${couchUrl.protocol}//${couchUrl.host}`;
}

function toUser(name: string, roles: string[]): User {
	return { name, roles, isAdmin: roles.includes('_admin') || roles.includes(ADMIN_ROLE) };
}

/**
 * Logs in through CouchDB's `_session`.
 * @returns the session, or undefined when the name or password is wrong.
 * @throws when CouchDB cannot be reached.
 */
export async function login(
	couchUrl: URL,
	name: string,
	password: string
): Promise<Session | undefined> {
	const client = nano(origin(couchUrl));
	try {
		const body = (await client.auth(name, password)) as { name?: string; roles?: string[] };
		const token = authSessionValue(client);
		if (!token || !body.name) return undefined;
		return { user: toUser(body.name, body.roles ?? []), token };
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 401) return undefined;
		throw e;
	}
}

/**
 * Who a session token belongs to, asking CouchDB at most every 30 s per token.
 * @param now Clock, injectable for tests.
 * @returns undefined for an expired or unknown token.
 */
export async function sessionFor(
	couchUrl: URL,
	token: string,
	now: () => number = Date.now
): Promise<Session | undefined> {
	const cached = cache.get(token);
	if (cached && cached.until > now()) return cached.session;
	cache.delete(token);
	const client = nano({ url: origin(couchUrl), cookie: `AuthSession=${token}` });
	let body: { userCtx?: { name?: string | null; roles?: string[] } };
	try {
		body = (await client.session()) as typeof body;
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 401) return undefined;
		throw e;
	}
	const name = body.userCtx?.name;
	if (!name) return undefined;
	const refreshed = authSessionValue(client);
	const session = { user: toUser(name, body.userCtx?.roles ?? []), token: refreshed || token };
	if (cache.size > 10_000) cache.clear();
	cache.set(token, { session, until: now() + CACHE_MS });
	return session;
}

/** Forgets a token (on logout). */
export function forgetSession(token: string): void {
	cache.delete(token);
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
function authSessionValue(client: nano.ServerScope): string {
	const jar = (client.config as { cookieJar?: { jar?: { name: string; value: string }[] } })
		.cookieJar?.jar;
	const entry = jar?.findLast((cookie) => cookie.name === 'AuthSession');
	return entry?.value.replace(/^AuthSession=/, '') ?? '';
}

/** Stores CouchDB's session token in the app's own HTTP-only cookie. */
export function setSessionCookie(cookies: Cookies, token: string, url: URL): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: 60 * 60 * 24 * 7
	});
}
