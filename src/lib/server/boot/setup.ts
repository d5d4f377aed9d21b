/**
 * Idempotent set-up, run on every boot: databases, `_security`, design documents
 * (deployed only when their content changed, so a restart never rebuilds an index; a
 * changed one with views staged beside the live one until its index is built,
 * staged-designs.ts; `_users` gets one that lets only admins write accounts), the demo
 * site and the first admin account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ignoreStatus, type Couch } from '../couch';
import { findCouchdbDir, readDesignDocs, type DesignDb, type DesignSource } from './design-docs';
import { stagedDesignId, type StagedDesign } from './staged-designs';
import { StartupError } from '../errors';
import { demoSite } from '../accounts/sites';
import { releaseAccountName } from '../accounts/site-admin';

/** Role that makes a `_users` account a couchstats administrator (sees every site). */
export const ADMIN_ROLE = 'couchstats:admin';

/**
 * Default name of the first account, created on first start (`COUCHSTATS_ADMIN_NAME`
 * names another). CouchDB checks its server admins before `_users`, so no server admin
 * may have the first account's name (start-up refuses; the recommended server admin is
 * `couchdb-admin`, as on the embedded store).
 */
export const FIRST_ACCOUNT = 'admin';

/** Account names: what CouchDB's `_users` accepts, kept simple. */
export const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;

/** A design document as CouchDB stores it, plus the hash set-up compares. */
export interface CouchDesign {
	_id: string;
	_rev?: string;
	language: string;
	views?: Record<string, { map: string; reduce?: string }>;
	validate_doc_update?: string;
	/** SHA-256 of the rest of the document, so set-up can tell whether it changed. */
	couchstats_hash: string;
}

/** Turns a design document read from `couchdb/` into CouchDB JSON with its content hash. */
export function toCouchDesign(source: DesignSource): CouchDesign {
	const body: Omit<CouchDesign, 'couchstats_hash'> = {
		_id: source._id,
		language: source.language ?? 'javascript'
	};
	if (source.views) {
		body.views = Object.fromEntries(
			Object.entries(source.views)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([name, view]) => [
					name,
					view.reduce ? { map: view.map, reduce: view.reduce } : { map: view.map }
				])
		);
	}
	if (source.validate_doc_update) body.validate_doc_update = source.validate_doc_update;
	const couchstats_hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
	return { ...body, couchstats_hash };
}

/** Options of {@link ensureSetup}. */
export interface SetupOptions {
	/** Password of the first admin account; generated when unset. */
	adminPassword?: string;
	/** Name of the first admin account; default {@link FIRST_ACCOUNT}. */
	adminName?: string;
	/** Clock, for the demo site's `createdAt`. */
	now?: () => number;
	/** Design documents per database; defaults to everything in `couchdb/`. */
	designs?: Record<DesignDb, DesignSource[]>;
	/** Where to read them when not given: the configured `couchdb/` directory, else found. */
	couchdbDir?: string;
	/**
	 * Writes changed design documents in place instead of staging them: for a store whose
	 * view indexes are about to be deleted, so none would serve meanwhile (the benches'
	 * copies of a seed).
	 */
	inPlace?: boolean;
}

/** What {@link ensureSetup} did. */
export interface SetupResult {
	/** Databases created on this boot. */
	createdDbs: string[];
	/**
	 * Design document ids (as `db/_design/x`) written on this boot: created or replaced,
	 * or staged (as `db/_design/x-next`).
	 */
	deployedDesigns: string[];
	/** Changed design documents staged beside the live ones, on this boot or before. */
	stagedDesigns: StagedDesign[];
	/** Set on the first start only: the admin account and its password, to print once. */
	firstAccount?: { name: string; password: string; generated: boolean };
	/** CouchDB's server admin names (never sent to `_session` by the login form). */
	serverAdmins: string[];
}

/**
 * Brings a CouchDB server to the state the app needs. Safe to run on every boot and
 * concurrently from several app instances (conflicts on creation are ignored).
 * @throws {StartupError} when CouchDB is unreachable, refuses the credentials, the
 *   user is not a server admin, or a server admin has the first account's name.
 */
export async function ensureSetup(couch: Couch, options: SetupOptions = {}): Promise<SetupResult> {
	await checkAdmin(couch);
	const firstAccount = options.adminName ?? FIRST_ACCOUNT;
	const serverAdmins = await serverAdminNames(couch);
	if (serverAdmins.includes(firstAccount)) {
		throw new StartupError(
			`the CouchDB server admin "${firstAccount}" has the name of couchstats' first account, which then could never log in (CouchDB checks server admins first)`,
			`give the first account another name with COUCHSTATS_ADMIN_NAME (the embedded store's server admin is always couchdb-admin), or rename that server admin in CouchDB's [admins] and in COUCHDB_URL`
		);
	}
	const now = options.now ?? Date.now;
	const result: SetupResult = {
		createdDbs: [],
		deployedDesigns: [],
		stagedDesigns: [],
		serverAdmins
	};

	const existing = new Set(await couch.server.db.list());
	for (const name of ['_users', ...Object.values(couch.names)]) {
		if (existing.has(name)) continue;
		await ignoreStatus(couch.server.db.create(name), 412);
		result.createdDbs.push(name);
	}
	for (const name of Object.values(couch.names)) {
		await couch.server.request({
			db: name,
			path: '_security',
			method: 'PUT',
			body: {
				admins: { names: [], roles: ['_admin'] },
				members: { names: [], roles: ['_admin'] }
			}
		});
	}

	const designs = options.designs ?? readDesignDocs(findCouchdbDir(options.couchdbDir));
	for (const [key, sources] of Object.entries(designs) as [DesignDb, DesignSource[]][]) {
		const db = key === 'users' ? '_users' : couch.names[key];
		for (const source of sources) {
			const deployed = await deployDesign(couch, db, toCouchDesign(source), options.inPlace);
			if (deployed === 'unchanged') continue;
			if (deployed !== 'written') result.stagedDesigns.push({ db, id: source._id });
			if (deployed !== 'staging')
				result.deployedDesigns.push(
					`${db}/${deployed === 'staged' ? stagedDesignId(source._id) : source._id}`
				);
		}
	}

	await ignoreStatus(couch.sites.insert(demoSite(now())), 409);
	result.firstAccount = await ensureFirstAccount(couch, firstAccount, options.adminPassword);
	return result;
}

async function checkAdmin(couch: Couch) {
	let session: { userCtx?: { name?: string; roles?: string[] } };
	try {
		session = (await couch.server.session()) as typeof session;
	} catch (e) {
		throw explainConnectionError(e, couch.url);
	}
	if (!session.userCtx?.roles?.includes('_admin')) {
		throw new StartupError(
			`the CouchDB user "${session.userCtx?.name ?? decodeURIComponent(couch.url.username)}" is not a server admin`,
			'put an admin user and password in COUCHDB_URL (http://ADMIN:PASSWORD@host:5984)'
		);
	}
}

/**
 * The server admins: the user in COUCHDB_URL and every name in `[admins]`, which both
 * Apache CouchDB and the embedded store list at `/_node/_local/_config/admins` (only
 * the names are kept; the values are password hashes). A server that refuses to list
 * them (its config API turned off) still has the one in COUCHDB_URL.
 */
async function serverAdminNames(couch: Couch): Promise<string[]> {
	const names = new Set([decodeURIComponent(couch.url.username)].filter(Boolean));
	const admins = await couch.server
		.request({ path: '_node/_local/_config/admins' })
		.catch((e: { statusCode?: number }) => {
			if (e.statusCode && e.statusCode < 500) return {};
			throw explainConnectionError(e, couch.url);
		});
	for (const name of Object.keys(admins ?? {})) names.add(name);
	return [...names];
}

/** Turns a failed first request into a one-line explanation. */
export function explainConnectionError(e: unknown, url: URL): StartupError {
	const status = (e as { statusCode?: number }).statusCode;
	const where = `${url.protocol}//${url.host}`;
	if (status === 401) {
		return new StartupError(
			`CouchDB at ${where} rejected the credentials in COUCHDB_URL`,
			'check the user name and password in COUCHDB_URL'
		);
	}
	if (status) {
		return new StartupError(
			`CouchDB at ${where} answered HTTP ${status} instead of a session`,
			'check that COUCHDB_URL points at the CouchDB server root'
		);
	}
	const reason =
		e instanceof Error
			? e.message.replace(/^error happened in your connection\. Reason: /, '')
			: String(e);
	return new StartupError(
		`CouchDB at ${where} is unreachable (${reason})`,
		'start CouchDB or correct COUCHDB_URL; unset it to use the embedded store'
	);
}

/**
 * Deploys a design document: `written` in place (new, or without views), `staged`
 * beside the live one (changed views), `staging` (staged on an earlier boot, not yet
 * live) or `unchanged`. A document staged by another version of the app is replaced; one
 * staged while the live one is this version's is deleted (its index would be built for
 * nothing).
 */
async function deployDesign(
	couch: Couch,
	db: string,
	design: CouchDesign,
	inPlace = false
): Promise<'written' | 'staged' | 'staging' | 'unchanged'> {
	const scope = couch.server.use<CouchDesign>(db);
	const current = await ignoreStatus(scope.get(design._id), 404);
	const stagedId = stagedDesignId(design._id);
	const staged = design.views ? await ignoreStatus(scope.get(stagedId), 404) : undefined;
	if (current?.couchstats_hash === design.couchstats_hash) {
		// Gone or changed meanwhile: another instance took care of it.
		if (staged) await ignoreStatus(scope.destroy(stagedId, staged._rev!), 404, 409);
		return 'unchanged';
	}
	// A conflict: another instance starting beside this one wrote it first.
	if (!current || !design.views || inPlace) {
		await ignoreStatus(scope.insert({ ...design, _rev: current?._rev }), 409);
		return 'written';
	}
	if (staged?.couchstats_hash === design.couchstats_hash) return 'staging';
	// The live document's hash stays the one set-up compares once it is copied over.
	await ignoreStatus(scope.insert({ ...design, _id: stagedId, _rev: staged?._rev }), 409);
	return 'staged';
}

async function ensureFirstAccount(couch: Couch, name: string, password: string | undefined) {
	const users = couch.server.use<Record<string, unknown>>('_users');
	const id = `org.couchdb.user:${name}`;
	if (await ignoreStatus(users.head(id), 404)) return undefined;
	// Sites may list the name still, from an account of that name deleted in the store.
	await releaseAccountName(couch, name);
	const chosen = password ?? randomBytes(12).toString('base64url');
	const created = await ignoreStatus(
		users.insert({
			_id: id,
			name,
			type: 'user',
			roles: [ADMIN_ROLE],
			password: chosen
		}),
		409
	);
	// Another instance created it first: its boot printed the password.
	if (!created) return undefined;
	return { name, password: chosen, generated: password === undefined };
}
