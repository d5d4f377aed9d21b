/**
 * Who may read a site's stats: its owners and admins (session cookie), anyone
 * holding one of the site's API tokens (`Authorization: Bearer <token>`), or anyone
 * with the site's read-only share link (`share=<secret>`). Its raw records: owners,
 * admins and the tokens made for that.
 */
import { canReadSite, sessionFor, type User } from '../accounts/auth';
import type { AccessCheck } from '../accounts/access';
import { ignoreStatus, type Couch } from '../couch';
import { CouchstatsError, isStoreSilence } from '../errors';
import { errorLine, logNotice } from '../log';
import { findSiteByShareLink } from '../accounts/site-admin';
import { siteDocId, type SiteRecord } from '../accounts/sites';
import { bearerToken, findToken } from '../accounts/tokens';

/**
 * What an API handler reads of a request: SvelteKit's `RequestEvent` is one, and
 * scripts can build one to call the handlers too.
 */
export interface StatsRequest {
	url: URL;
	request: Request;
	locals: {
		user: User | null;
		/** A session cookie came whose check the store did not answer (App.Locals). */
		sessionUnchecked?: boolean;
	};
}

/** The credentials a request carries. */
export interface Credentials {
	user: User | null | undefined;
	/** The `Authorization` header, if any. */
	authorization: string | null | undefined;
	/** A share-link secret (`share=` query parameter), if any. */
	share?: string | null;
	/** A session cookie came whose check the store did not answer. */
	sessionUnchecked?: boolean;
}

/**
 * Whether a reader with these credentials sees the site's sessions one by one (lists,
 * timelines, the live visitors): owners and API tokens always, a share link only when
 * the site's owner switched that on (`shareSessions`, off by default).
 */
export function showsSessions(
	credentials: Pick<Credentials, 'share'>,
	site: Pick<SiteRecord, 'shareSessions'>
): boolean {
	return !credentials.share || site.shareSessions === true;
}

/** A request's credentials: its session, `Authorization` header and `share=` parameter. */
export function credentialsOf(event: StatsRequest): Credentials {
	return {
		user: event.locals.user,
		authorization: event.request.headers.get('authorization'),
		share: event.url.searchParams.get('share'),
		sessionUnchecked: event.locals.sessionUnchecked
	};
}

/**
 * Refuses a request that carries no credentials at all.
 * @throws {CouchstatsError} 401; 503 when its only credential was a session cookie whose
 *   check the store did not answer: logging in again cannot help, asking again can.
 */
export function requireCredentials(credentials: Credentials): void {
	if (!credentials.user && !bearerToken(credentials.authorization) && !credentials.share) {
		if (credentials.sessionUnchecked) {
			throw new CouchstatsError(
				503,
				'your session could not be checked: the database did not answer; try again in a moment'
			);
		}
		throw new CouchstatsError(
			401,
			'log in, or send Authorization: Bearer <token> with an API token of the site'
		);
	}
}

/**
 * Loads a site the request may read; with `need: 'records'`, its raw records, which a
 * token may download only when it was made for that (`SiteToken.records`).
 * @throws {CouchstatsError} 401 without credentials; 403 when neither the session
 *   nor the token gives access (also for sites that do not exist, so that existence
 *   is not revealed) — except that admins get 400 for an unknown site.
 */
export async function authorizeSite(
	couch: Couch,
	siteId: string,
	credentials: Credentials,
	need: 'stats' | 'records' = 'stats'
): Promise<SiteRecord> {
	requireCredentials(credentials);
	if (credentials.share) {
		const shared = await findSiteByShareLink(couch, credentials.share);
		if (shared?.id === siteId) return shared;
		throw new CouchstatsError(
			403,
			`this share link does not open site "${siteId}" (a link opens its own site only, until it is replaced or turned off)`
		);
	}
	const stored = await ignoreStatus(couch.sites.get(siteDocId(siteId)), 404);
	// A site being deleted (site-delete.ts) is read by nobody any more.
	const site = stored?.deleting ? undefined : stored;
	if (site && canReadSite(credentials.user, site)) return site;
	const secret = bearerToken(credentials.authorization);
	const token = site && secret ? findToken(site, secret) : undefined;
	if (site && token) {
		if (need === 'stats' || token.records) return site;
		throw new CouchstatsError(
			403,
			`this API token may read the stats of site "${siteId}" but not download its raw records, whose visitor ids can erase those visitors' data; an owner can create a token that may, in the site's settings`
		);
	}
	if (!site && credentials.user?.isAdmin) {
		// Said as the sites list says it (an outside probe read "does not exist" for a site
		// the list showed as being deleted).
		const state = stored ? 'is being deleted' : 'does not exist';
		throw new CouchstatsError(400, `site "${siteId}" ${state}`);
	}
	throw new CouchstatsError(403, `you cannot read the stats of site "${siteId}"`);
}

/**
 * Why `credentials` may not read `site` (`need` as {@link authorizeSite}), or undefined
 * when they may.
 * @throws when the store did not answer (an error; {@link StoreTimeout}, its time limit):
 *   that is no refusal, nobody knows whether they may.
 */
export function accessRefusal(
	couch: Couch,
	site: string,
	credentials: Credentials,
	need: 'stats' | 'records' = 'stats'
): Promise<CouchstatsError | undefined> {
	return authorizeSite(couch, site, credentials, need).then(
		() => undefined,
		(e) => {
			if (e instanceof CouchstatsError && !isStoreSilence(e)) return e;
			throw e;
		}
	);
}

/**
 * Whether `credentials`, with the session cookie they came from, still read `site`: an
 * answer that stays open (a live stream, an export) checks again, so that a token
 * revoked, a share link turned off, a logout or an owner removed end it. A store that did
 * not answer is `unchecked`, logged as one line naming `holder` (what it ends) and the
 * site; never a rejection.
 */
export async function stillAuthorized(
	couch: Couch,
	site: string,
	credentials: Credentials,
	held: {
		/** The session cookie `credentials.user` came from, checked again. */
		session: string | undefined;
		/** What is held open, for the log: `a live stream`, `an export`. */
		holder: string;
		need?: 'stats' | 'records';
	}
): Promise<AccessCheck> {
	try {
		const user = held.session ? ((await sessionFor(couch, held.session))?.user ?? null) : null;
		const refusal = await accessRefusal(couch, site, { ...credentials, user }, held.need);
		return refusal ? 'revoked' : 'held';
	} catch (e) {
		logNotice(
			`${held.holder} of site "${site}" ended: its reader's access could not be checked, the database did not answer (${errorLine(e)}); nothing was revoked, its client may ask again`
		);
		return 'unchecked';
	}
}
