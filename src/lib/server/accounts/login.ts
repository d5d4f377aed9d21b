/**
 * The login flow behind `/login`: the app's throttle, then CouchDB's `_session`, then
 * where to send the browser.
 *
 * Apache CouchDB 3.5 locks a name for 5 minutes after 5 failed logins from one address
 * (`[chttpd_auth_lockout]`), and every login reaches CouchDB from the app's address, so
 * a stranger could lock out any account. couchdb/local.ini turns that lockout off and
 * the app's throttle (login-throttle.ts) takes its place; should CouchDB still refuse a
 * login with 403, the answer is a 429, never a 500. The names of CouchDB's server admins
 * never reach `_session` from here: a stranger's wrong passwords for the admin in
 * COUCHDB_URL would lock the app itself out, and CouchDB checks `[admins]` before
 * `_users`, so such a login could never mean a couchstats account anyway.
 */
import { NAME_MAX, PASSWORD_MAX } from '../../account-limits';
import { login, type Session } from './auth';
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { loginPace, type LoginPace } from './login-pace';
import { loginThrottle, type LoginThrottle } from './login-throttle';

/** What a login attempt came to: a session, or the status and message to show. */
export type LoginOutcome =
	{ ok: true; session: Session } | { ok: false; status: 400 | 401 | 429 | 503; message: string };

/** A login form's fields and where it came from. */
export interface LoginInput {
	name: string;
	password: string;
	/** The client's address, for the throttle. */
	client: string;
}

let serverAdmins: readonly string[] = [];

/** Remembers CouchDB's server admin names, learnt by set-up at start-up. */
export function setServerAdmins(names: readonly string[]): void {
	serverAdmins = names;
}

/**
 * Whether `name` is one of CouchDB's server admins (the user in the app's CouchDB URL,
 * `couchdb-admin` on the embedded store, and those set-up listed): such a name can never
 * be a couchstats account, since CouchDB checks `[admins]` before `_users`.
 */
export function isServerAdmin(couch: Couch, name: string): boolean {
	return [decodeURIComponent(couch.url.username), ...serverAdmins].includes(name);
}

/**
 * Tries a login under the throttle; a wrong name or password is answered at the pace of
 * the slowest password check (login-pace.ts), whether the account exists or not.
 * @param throttle Injectable for tests; default the app's.
 * @param pace Injectable for tests; default the app's.
 */
export async function attemptLogin(
	couch: Couch,
	input: LoginInput,
	throttle: LoginThrottle = loginThrottle,
	pace: LoginPace = loginPace
): Promise<LoginOutcome> {
	const { name, password, client } = input;
	if (!name || !password) {
		return { ok: false, status: 400, message: 'Enter your account name and password.' };
	}
	// Before the throttle, which keeps every name it is given for a while.
	if (name.length > NAME_MAX || password.length > PASSWORD_MAX) {
		return {
			ok: false,
			status: 400,
			message: `An account name has at most ${NAME_MAX} characters and a password at most ${PASSWORD_MAX}.`
		};
	}
	const admin = isServerAdmin(couch, name);
	let session: Session | undefined;
	/** How long the password check took; 0 for an admin name, which is never checked. */
	let checkMs = 0;
	try {
		const attempted = await throttle.attempt(client, name, async () => {
			if (!admin) {
				const started = pace.now();
				session = await login(couch, name, password);
				checkMs = pace.now() - started;
				pace.record(checkMs);
			}
			// Held in the name's queue, where attempts on one name wait their turn: each failed
			// one keeps it as long as the slowest check, whether the account exists or not (an
			// outside probe told them apart by how parallel attempts queued).
			if (!session) await pace.hold(checkMs);
			return session !== undefined;
		});
		if (!attempted.ran) {
			return {
				ok: false,
				status: 429,
				message: 'Too many login attempts at once; wait for the earlier ones to finish.'
			};
		}
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		return { ok: false, status: e.status as 429 | 503, message: e.message };
	}
	if (!session) return { ok: false, status: 401, message: 'Wrong account name or password.' };
	return { ok: true, session };
}

/** Where an owner lands after logging in when nothing else was asked for: their sites. */
export const HOME_AFTER_LOGIN = '/sites';

/**
 * Where to send the browser after logging in: the `redirectTo` parameter when it parses
 * to a path on this origin, else {@link HOME_AFTER_LOGIN}. Only the parsed form counts,
 * since browsers read `/\evil.test` and `/<tab>/evil.test` as `//evil.test`.
 */
export function landingAfterLogin(url: URL): string {
	const asked = url.searchParams.get('redirectTo');
	if (!asked?.startsWith('/')) return HOME_AFTER_LOGIN;
	let target: URL;
	try {
		target = new URL(asked, url.origin);
	} catch {
		return HOME_AFTER_LOGIN;
	}
	const path = target.pathname + target.search + target.hash;
	return target.origin === url.origin && !path.startsWith('//') ? path : HOME_AFTER_LOGIN;
}
