/**
 * How the embedded store hashes account passwords (pouchdb-auth, inside express-pouchdb):
 * how many rounds, on which thread, and the upgrade of an older, weaker hash at a
 * successful login, as Apache CouchDB 3.4 and later do (`upgrade_hash_on_auth`).
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * PBKDF2-SHA1 rounds of an account's password hashed from now on: pouchdb-auth's default
 * is 10, which an outside review found in hashes it copied out. (The store admin's keeps
 * 10: pouchdb-auth hashes it with no setting, and it is a long random secret.) Apache
 * CouchDB 3.4+ uses 600,000 of SHA-256; pouchdb-auth knows only SHA-1. A hash made with
 * fewer rounds is made again with these at the account's next successful login.
 */
export const PASSWORD_ITERATIONS = 100_000;

/** The parts of pouchdb-auth this module changes or reads. */
interface AuthUtils {
	hashPassword(password: string, salt: string, iterations: number): Promise<string>;
	dbDataFor(db: unknown): { iterations: number };
}

/** An account's `_users` document, as pouchdb-auth writes it. */
interface UserDoc {
	_id: string;
	_rev: string;
	password_scheme?: string;
	iterations?: number;
	salt?: string;
	derived_key?: string;
}

/** The `_users` database object pouchdb-auth logs in against. */
interface UsersDb {
	get(id: string): Promise<UserDoc>;
	put(doc: UserDoc): Promise<unknown>;
}

type LogIn = (
	this: UsersDb,
	name: string,
	password: string
) => Promise<{ ok: boolean; name: string; roles: string[] }>;

/**
 * Sets pouchdb-auth up before express-pouchdb uses it: Node's own PBKDF2, and the hash
 * upgrade at login. Idempotent: the store may be started several times in one process.
 */
export function setUpPasswordHashing(): void {
	const utils = require('pouchdb-auth/lib/utils') as AuthUtils;
	utils.hashPassword = nativeHash;
	const sessions = require('pouchdb-auth/lib/sessionapi') as {
		multiUserLogIn: LogIn & { upgrades?: true };
	};
	if (sessions.multiUserLogIn.upgrades) return;
	const logIn = sessions.multiUserLogIn;
	const upgrading: LogIn & { upgrades?: true } = async function (name, password) {
		const session = await logIn.call(this, name, password);
		// The store admin (every request of the app's) is in the config, not in _users.
		if (!session.roles.includes('_admin')) {
			await upgradeHash(this, utils.dbDataFor(this).iterations, name, password).catch(
				() => undefined
			);
		}
		return session;
	};
	upgrading.upgrades = true;
	sessions.multiUserLogIn = upgrading;
}

/**
 * pouchdb-auth hashes passwords with a JavaScript PBKDF2 that holds the event loop (some
 * 570 ms for 100,000 rounds); Node's own gives the same bytes, on libuv's pool. A cheap
 * hash stays on the loop, as before: the store admin's (10 rounds: its password is a long
 * random secret, and every request of the app's carries it), which express-pouchdb
 * hashes as it loads its config and expects done before it reads the admins back.
 */
function nativeHash(password: string, salt: string, iterations: number): Promise<string> {
	return iterations <= 1000
		? Promise.resolve(crypto.pbkdf2Sync(password, salt, iterations, 20, 'sha1').toString('hex'))
		: new Promise((resolve, reject) =>
				crypto.pbkdf2(password, salt, iterations, 20, 'sha1', (err, key) =>
					err ? reject(err) : resolve(key.toString('hex'))
				)
			);
}

/**
 * Hashes a password that has just logged in again with `iterations` rounds when its hash
 * has fewer. The salt stays, so the session the login made (whose cookie is signed with
 * it) stays valid. A write that loses to another (a logout's new session key) leaves the
 * upgrade to the next login.
 */
async function upgradeHash(db: UsersDb, iterations: number, name: string, password: string) {
	const doc = await db.get(`org.couchdb.user:${name}`);
	if (doc.password_scheme !== 'pbkdf2' || !doc.salt || !((doc.iterations ?? 0) < iterations)) {
		return;
	}
	const derived = await nativeHash(password, doc.salt, iterations);
	await db.put({ ...doc, iterations, derived_key: derived });
}
