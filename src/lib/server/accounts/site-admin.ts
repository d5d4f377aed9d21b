/**
 * Managing sites and their owners: create and edit sites, add and remove owners
 * (creating their `_users` account when an admin asks), per-site API tokens and the
 * read-only share link. Tokens and share links are shown once and stored hashed.
 */
import * as v from 'valibot';
import { forgetCachedSessions, type User } from './auth';
import { ignoreStatus, type Couch } from '../couch';
import { CouchstatsError, FieldError } from '../errors';
import { invalidateSiteCache } from '../ingest/site-cache';
import { refusedOrigins } from '../ingest/refused-origins';
import { accessChanged } from './access';
import { ACCOUNT_NAME } from '../boot/setup';
import { PASSWORD_MAX } from '../../account-limits';
import { nameFault } from '../../text';
import { isServerAdmin } from './login';
import {
	siteDocId,
	SITES_DESIGN,
	siteInputSchema,
	siteRecord,
	unicodeHostEntry,
	type SiteInput,
	type SiteRecord,
	type SiteToken
} from './sites';
import { createToken, hashToken, withToken, withoutToken, type TokenOptions } from './tokens';
import { randomBytes } from 'node:crypto';
import { retentionSetting } from '../import/retention-period';

/** Whether a user may change a site's settings: its owners and admins. */
export function canManageSite(user: User | null | undefined, site: Pick<SiteRecord, 'owners'>) {
	return Boolean(user && (user.isAdmin || site.owners.includes(user.name)));
}

/** What an owner's pages may show of a site: {@link siteForOwner}. */
export interface OwnedSite {
	id: string;
	name: string;
	hostnames: string[];
	/**
	 * The host names in punycode as a person reads them, by stored entry
	 * (`xn--bcher-kva.example`: `bücher.example`), for the pages to show beside them.
	 */
	unicodeHosts: Record<string, string>;
	timeZone: string;
	owners: string[];
	/** Accounts invited to co-own it that have not accepted yet. */
	invited: string[];
	/** The API tokens' public ids, labels and scope, never their hashes. */
	tokens: Pick<SiteToken, 'id' | 'label' | 'createdAt' | 'records' | 'by'>[];
	/** Whether a share link is enabled (its hash stays on the server). */
	shared: boolean;
	/** Who made the share link, when known. */
	shareBy?: string;
	shareSessions: boolean;
	goals: NonNullable<SiteRecord['goals']>;
	funnels: NonNullable<SiteRecord['funnels']>;
	/** Client addresses and ranges whose records the ingest drops (the owners' own). */
	excludedAddresses: string[];
	/** The site's own retention period as its owners wrote it (`400d`); empty: none of its own. */
	retention: string;
}

/**
 * A site as the owner's pages and their JSON get it (the sites list, the settings
 * page): the stored record without what must not leave the server, the tokens' and the
 * share link's hashes ("shown once, stored hashed") and CouchDB's `_id` and `_rev`.
 */
export function siteForOwner(site: SiteRecord): OwnedSite {
	return {
		id: site.id,
		name: site.name,
		hostnames: site.hostnames,
		unicodeHosts: Object.fromEntries(
			site.hostnames.flatMap((host) => {
				const unicode = unicodeHostEntry(host);
				return unicode ? [[host, unicode]] : [];
			})
		),
		timeZone: site.timeZone,
		owners: site.owners,
		invited: site.invited ?? [],
		tokens: site.tokens.map(({ id, label, createdAt, records, by }) => ({
			id,
			label,
			createdAt,
			...(records && { records }),
			...(by && { by })
		})),
		shared: Boolean(site.shareHash),
		...(site.shareHash && site.shareBy && { shareBy: site.shareBy }),
		shareSessions: site.shareSessions === true,
		goals: site.goals ?? [],
		funnels: site.funnels ?? [],
		excludedAddresses: site.excludedAddresses ?? [],
		retention: site.retention ?? ''
	};
}

/**
 * Sets the site's own retention period (retention-period.ts reads it; the app's daily
 * run applies it), or removes it.
 * @param text `400d`, `52w` or `2y`; empty: none of its own (the install's applies).
 * @throws {FieldError} 400 for a period that is none (`field`: `retention`).
 * @throws {CouchstatsError} 404/409 as {@link changeSite} does.
 */
export function setRetention(couch: Couch, user: User, id: string, text: string) {
	const setting = retentionSetting(text);
	if (setting && 'refused' in setting) {
		throw new FieldError(400, `the retention period ${setting.refused}`, 'retention');
	}
	return changeSite(couch, user, id, (site) => {
		const next: SiteRecord = { ...site, retention: setting?.text };
		if (!setting) delete next.retention;
		return next;
	});
}

/**
 * Sets the client addresses and ranges whose records the site's ingest drops
 * (excluded-addresses.ts parses them).
 * @throws {CouchstatsError} 404/409 as {@link changeSite} does.
 */
export function setExcludedAddresses(couch: Couch, user: User, id: string, entries: string[]) {
	return changeSite(couch, user, id, (site) => ({ ...site, excludedAddresses: entries }));
}

/**
 * Every site the user may see, by id.
 * @param deleting List the sites being deleted (site-delete.ts) instead of the others.
 */
export async function listSites(
	couch: Couch,
	user: User,
	{ deleting = false } = {}
): Promise<SiteRecord[]> {
	const sites = await listSitesAndDeletions(couch, user);
	return deleting ? sites.deleting : sites.listed;
}

/**
 * Every site the user may see, by id, in one read: those listed, and those being deleted
 * (site-delete.ts), which the sites page shows apart.
 */
export async function listSitesAndDeletions(
	couch: Couch,
	user: User
): Promise<{ listed: SiteRecord[]; deleting: SiteRecord[] }> {
	// An admin sees every site; an owner's list reads their own sites only.
	const rows = user.isAdmin
		? await couch.sites.list({ include_docs: true, startkey: 'site:', endkey: 'site:\ufff0' })
		: await couch.sites.view<string>(SITES_DESIGN, 'accounts', {
				key: user.name,
				include_docs: true
			});
	const sites = rows.rows
		.map((row) => row.doc as SiteRecord)
		.filter((site) => site && canManageSite(user, site))
		.sort((a, b) => a.id.localeCompare(b.id));
	return {
		listed: sites.filter((site) => !site.deleting),
		deleting: sites.filter((site) => site.deleting)
	};
}

/** A site's record, or undefined when there is none. */
export async function findSite(couch: Couch, id: string): Promise<SiteRecord | undefined> {
	return ignoreStatus(couch.sites.get(siteDocId(id)), 404);
}

/**
 * Loads a site the user may manage.
 * @throws {CouchstatsError} 404 when it does not exist, is being deleted, or the user
 *   may not see it.
 */
export async function loadManagedSite(couch: Couch, user: User, id: string): Promise<SiteRecord> {
	const site = await findSite(couch, id);
	if (!site || site.deleting || !canManageSite(user, site)) {
		throw new CouchstatsError(404, `no site "${id}"`);
	}
	return site;
}

/**
 * Parses the editable fields of a site from a form.
 * @throws {FieldError} 400 naming the first bad field.
 */
export function parseSiteForm(form: FormData): SiteInput {
	const hostnames = String(form.get('hostnames') ?? '')
		.split(/[\s,]+/)
		.filter(Boolean);
	const result = v.safeParse(siteInputSchema, {
		id: String(form.get('id') ?? ''),
		name: String(form.get('name') ?? ''),
		hostnames,
		timeZone: String(form.get('timeZone') ?? '')
	});
	if (!result.success) {
		const issue = result.issues[0];
		const field = String(v.getDotPath(issue) ?? 'site').replace(/\.\d+$/, '');
		throw new FieldError(400, `${field} ${issue.message}`, field);
	}
	if (!result.output.hostnames.some((entry) => !entry.startsWith('!'))) {
		throw new FieldError(
			400,
			result.output.hostnames.length
				? 'hostnames must list at least one host name to take: an entry with ! only keeps a host out'
				: 'hostnames must list at least one host name',
			'hostnames'
		);
	}
	return result.output;
}

/**
 * Creates a site owned by its creator.
 * @throws {FieldError} 409 when the id is taken.
 */
export async function createSite(
	couch: Couch,
	user: User,
	input: SiteInput,
	now: () => number = Date.now
): Promise<SiteRecord> {
	const release = await claimOwned(couch, user, input.id, now(), () => {
		throw new FieldError(
			400,
			`an account owns at most ${MAX_OWNED} sites; delete one first, or ask an admin to create the site`,
			'id'
		);
	});
	const site = siteRecord(input, [user.name], now());
	try {
		const { rev } = await couch.sites.insert(site);
		// Refusals noted under this id before it was created belonged to a deleted site of
		// it; not before the insert, which a site holding the id refuses (409).
		refusedOrigins.forget(input.id);
		// The ingest's cached site list would refuse its first visitors until its TTL.
		invalidateSiteCache();
		return { ...site, _rev: rev };
	} catch (e) {
		await release();
		if ((e as { statusCode?: number }).statusCode === 409) {
			// A deletion keeps the marked site record until its last pass and the indexes
			// are done (site-delete.ts), so the id stays taken until then.
			if ((await findSite(couch, input.id))?.deleting) {
				throw new FieldError(
					409,
					`the site "${input.id}" is still being deleted (or its deletion stopped: Finish deleting, in the sites list); create it again once that is done`,
					'id'
				);
			}
			throw new FieldError(409, `a site with id "${input.id}" already exists`, 'id');
		}
		throw e;
	}
}

/**
 * Applies a change to a site the user manages and saves it, retrying once on a
 * concurrent edit.
 * @throws {CouchstatsError} 404/409 as loading and saving do.
 */
export function changeSite(
	couch: Couch,
	user: User,
	id: string,
	change: (site: SiteRecord) => SiteRecord | Promise<SiteRecord>
): Promise<SiteRecord> {
	return saveChange(couch, () => loadManagedSite(couch, user, id), change);
}

/**
 * Applies a change to the site `load` reads and saves it, loading it again and retrying
 * once on a concurrent edit.
 * @throws {CouchstatsError} 404/409 as loading and saving do.
 */
async function saveChange(
	couch: Couch,
	load: () => Promise<SiteRecord>,
	change: (site: SiteRecord) => SiteRecord | Promise<SiteRecord>
): Promise<SiteRecord> {
	for (let attempt = 0; ; attempt++) {
		const site = await load();
		const next = await change(site);
		try {
			const { rev } = await couch.sites.insert(next);
			// A host name added is the ingest's to accept at once, not after its TTL; a
			// token revoked or a share link turned off ends the live streams it opened.
			invalidateSiteCache();
			accessChanged();
			return { ...next, _rev: rev };
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode !== 409 || attempt > 0) {
				if ((e as { statusCode?: number }).statusCode === 409) {
					throw new CouchstatsError(409, 'the site changed meanwhile; try again');
				}
				throw e;
			}
		}
	}
}

/** Edits name, hostnames and time zone (the id is fixed once created). */
export function updateSite(couch: Couch, user: User, id: string, input: SiteInput) {
	return changeSite(couch, user, id, (site) => ({
		...site,
		name: input.name,
		hostnames: input.hostnames,
		timeZone: input.timeZone
	}));
}

/** What {@link addOwner} or {@link removeOwner} did: the site, and the sentence that tells the owner so. */
export interface OwnerChange {
	site: SiteRecord;
	/** e.g. `Added owner bob.` or `Invited bob. …`; for an admin's password given for an existing account, that it was not changed. */
	message: string;
}

/** Invitations a site holds at most, waiting for their accounts to accept. */
export const MAX_INVITED = 20;

/**
 * Invitations one account name may have waiting, from all sites (an outside probe sent
 * 1,000, and the invitee's sites list cost a second of CPU per load); its sites list
 * shows them all. Names without an account count alike, so the limit tells nothing of
 * which accounts exist.
 */
export const MAX_INVITATIONS = 100;

/**
 * Of those, the most that the sites one account owns may send: one account alone cannot
 * use up a name's invitations (an outside probe: 20 sites of one account, and nobody
 * else could invite the name). Accounts are made by admins, so a name's limit takes
 * several of them.
 */
export const MAX_INVITATIONS_FROM = 20;

/**
 * Sites an account that is not an admin may own (an outside probe created 1,000 in a
 * minute, and each made every ingest request and every reload of the site list dearer).
 */
export const MAX_OWNED = 50;

/** The sites database's `accounts` rows of some account names: which sites list each, and as what. */
async function accountRows(couch: Couch, names: string[]) {
	const { rows } = await couch.sites.view<'owner' | 'invited'>(SITES_DESIGN, 'accounts', {
		keys: names
	});
	return rows;
}

/**
 * The sites database's document of an account's claims (`owned:<name>`): the sites it
 * is about to own, each with when it was claimed. Checking the count and then saving the
 * site let two creations at {@link MAX_OWNED} - 1 both pass (an account reached 55 with
 * six at once); each now first saves this one document on the revision it read, and
 * CouchDB refuses all but one of concurrent saves (409), so the rest read it again and
 * count the claim that won. Only an owner's own creations and acceptances claim: an
 * admin's are not bound by the limit.
 */
interface OwnedClaims {
	_id: string;
	_rev?: string;
	type: 'owned-claims';
	claims: { site: string; at: number }[];
}

/**
 * How long a claim counts while its site is not yet an owned one in the `accounts` view:
 * a save takes milliseconds, and a claim whose save failed is released (or, the process
 * stopped, ages out).
 */
const CLAIM_MS = 60_000;

/**
 * Claims one more site for `user` (no admin: none needed), or calls `atLimit` (which
 * throws) when the sites the account owns and the claims of others not yet saved make
 * {@link MAX_OWNED}.
 * @returns A release of the claim, for a save that failed (best effort).
 */
async function claimOwned(
	couch: Couch,
	user: User,
	site: string,
	now: number,
	atLimit: () => never
): Promise<() => Promise<void>> {
	if (user.isAdmin) return async () => {};
	const db = couch.server.use<OwnedClaims>(couch.names.sites);
	const _id = `owned:${user.name}`;
	// Claims name the site's document id, as the `accounts` view's rows do.
	const key = siteDocId(site);
	/** The claims but this one, of sites not yet owned and not aged out. */
	const others = (doc: OwnedClaims | undefined, owned: Set<string>) =>
		(doc?.claims ?? []).filter(
			(c) => c.site !== key && !owned.has(c.site) && now - c.at < CLAIM_MS
		);
	// Each round ends in a saved claim, a refusal, or another's claim saved first.
	for (let attempt = 0; attempt < 2 * MAX_OWNED; attempt++) {
		// The document first: a claim saved after this read makes the save below conflict.
		const doc = await ignoreStatus(db.get(_id), 404);
		const rows = await accountRows(couch, [user.name]);
		const owned = new Set(rows.filter((row) => row.value === 'owner').map((row) => row.id));
		const pending = others(doc, owned);
		if (owned.size + pending.length >= MAX_OWNED) atLimit();
		const claims = [...pending, { site: key, at: now }];
		try {
			await db.insert({ ...(doc ?? { _id, type: 'owned-claims' }), claims });
			return async () => {
				// Once: a claim saved meanwhile keeps this one until it ages out.
				const saved = await ignoreStatus(db.get(_id), 404);
				if (!saved) return;
				const left = saved.claims.filter((c) => c.site !== key);
				await ignoreStatus(db.insert({ ...saved, claims: left }), 409);
			};
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode !== 409) throw e;
		}
	}
	throw new CouchstatsError(409, 'your sites changed meanwhile; try again');
}

/**
 * How many invitations `name` has waiting: from every site, and from the sites `user`
 * owns. One read of the `accounts` view for both names.
 */
async function invitationsOf(
	couch: Couch,
	name: string,
	user: User
): Promise<{ all: number; fromUser: number }> {
	const rows = await accountRows(couch, [name, user.name]);
	const owned = new Set(
		rows.filter((row) => row.key === user.name && row.value === 'owner').map((row) => row.id)
	);
	const waiting = rows.filter((row) => row.key === name && row.value === 'invited');
	return { all: waiting.length, fromUser: waiting.filter((row) => owned.has(row.id)).length };
}

/**
 * Adds an owner. An admin adds the account at once, and may create it at the same time
 * by giving a password; otherwise it must exist. A password given for an account that
 * exists changes nothing, and the answer says so (no page changes a password: README,
 * "Accounts"). An owner invites the account instead: it becomes an owner once it accepts
 * from its sites list ({@link acceptInvitation}), and the answer is the same whether the
 * account exists or not, so that owners cannot find out which names exist, and nobody
 * becomes an owner of a site without having asked.
 * @throws {FieldError} 400 for a bad name or password, an unknown account (admins), a
 *   CouchDB server admin's name (it could never log in), a password given by a
 *   non-admin, or too many invitations (`field`: `name` or `password`).
 */
export async function addOwner(
	couch: Couch,
	user: User,
	id: string,
	name: string,
	password?: string
): Promise<OwnerChange> {
	if (!ACCOUNT_NAME.test(name)) {
		throw new FieldError(
			400,
			'account names are 2–40 lowercase letters, digits, ".", "_" or "-"',
			'name'
		);
	}
	if (isServerAdmin(couch, name)) {
		throw new FieldError(
			400,
			`"${name}" is the CouchDB server admin's name, which can never log in to couchstats; choose another account name`,
			'name'
		);
	}
	await loadManagedSite(couch, user, id);
	if (!user.isAdmin) return inviteOwner(couch, user, id, name, password);
	const users = couch.server.use<Record<string, unknown>>('_users');
	// Only a 404 says there is none: a store that failed to answer must not free the name
	// of an account that exists ({@link releaseAccountName}).
	const exists = await users
		.head(`org.couchdb.user:${name}`)
		.then(() => true)
		.catch((e) => {
			if ((e as { statusCode?: number }).statusCode === 404) return false;
			throw e;
		});
	if (!exists) {
		if (!password) throw new FieldError(400, `there is no account "${name}"`, 'name');
		if (password.length < 12 || password.length > PASSWORD_MAX) {
			throw new FieldError(
				400,
				`the password must be 12 to ${PASSWORD_MAX} characters`,
				'password'
			);
		}
	}
	// Before the account exists: a deleted account's name must not hand its sites over.
	const released = exists ? [] : await releaseAccountName(couch, name);
	if (!exists) {
		await users.insert({
			_id: `org.couchdb.user:${name}`,
			name,
			type: 'user',
			roles: [],
			password
		});
	}
	const site = await changeSite(couch, user, id, (site) => ({
		...withoutInvitation(site, name),
		owners: site.owners.includes(name) ? site.owners : [...site.owners, name]
	}));
	const unchanged =
		exists && password ? ` ${name} already has an account; the password was not changed.` : '';
	const freed = released.length
		? ` Sites still listed ${name} (a deleted account's name, or an invitation): ${released.join(', ')}. It was removed there, with the API tokens and share links made under it, so the new account owns only this site.`
		: '';
	return { site, message: `Added owner ${name}.${unchanged}${freed}` };
}

/**
 * Frees an account name for a new account, before that account is created: removes the
 * name from the owners and the invitations of every site that lists it still, with the
 * API tokens and the share link made under it ({@link withoutOwner}, as Remove does),
 * and ends the sessions this process has cached for it.
 *
 * Site owners are stored by account name, and an account is deleted in the store
 * (README, "Accounts"), where the app cannot see it happen, so the name stays in its
 * sites. Without this, a new account of the same name owned them all (an outside
 * probe: raw records included). The other way, an id made at each account's creation
 * and stored in the owners beside the name (as Plausible and Umami tie memberships to
 * user ids), would need every site migrated, and `_users` documents that an operator
 * writes by hand (README) would have no id until the app gave them one. The name stays
 * the key here; what ties it to the old account is cleared before the new one can log in.
 *
 * Invitations go too: an invitation to the deleted account cannot be told from one made
 * to the name afterwards, and accepting one makes the new account a full owner of a site
 * whose owners chose someone else. {@link addOwner}'s answer names the sites (only an
 * admin creates accounts, and an admin sees every site), so the admin can add the new
 * account where it belongs. Old sessions need nothing more: CouchDB signs an
 * AuthSession cookie with the account's password salt, which a new account's password
 * replaces (the embedded store alike, embedded/passwords.ts), and this process's cache
 * of session checks is cleared here.
 * @returns the ids of the sites that listed the name.
 * @throws {CouchstatsError} 409 when a site changed twice meanwhile; the account is then
 *   not created.
 */
export async function releaseAccountName(couch: Couch, name: string): Promise<string[]> {
	forgetCachedSessions(name);
	const rows = await accountRows(couch, [name]);
	const released: string[] = [];
	for (const docId of new Set(rows.map((row) => row.id))) {
		const id = docId.slice('site:'.length);
		const free = (site: SiteRecord) => withoutOwner(site, name).next;
		const site = await saveChange(couch, () => loadAnySite(couch, id), free).catch((e) => {
			// Gone meanwhile (a deletion's end): nothing of it is left to inherit.
			if (e instanceof CouchstatsError && e.status === 404) return undefined;
			throw e;
		});
		if (site) released.push(id);
	}
	return released;
}

/**
 * Loads a site, being deleted or not, for {@link releaseAccountName}: no user asks.
 * @throws {CouchstatsError} 404 when it is gone.
 */
async function loadAnySite(couch: Couch, id: string): Promise<SiteRecord> {
	const site = await findSite(couch, id);
	if (!site) throw new CouchstatsError(404, `no site "${id}"`);
	return site;
}

/** An owner's {@link addOwner}: an invitation, the same answer whether the account exists. */
async function inviteOwner(
	couch: Couch,
	user: User,
	id: string,
	name: string,
	password: string | undefined
): Promise<OwnerChange> {
	if (password) {
		throw new FieldError(
			400,
			'only an admin may create accounts; leave the password empty to invite an account',
			'password'
		);
	}
	let already = false;
	const waiting = await invitationsOf(couch, name, user);
	const site = await changeSite(couch, user, id, (site) => {
		const invited = site.invited ?? [];
		already = site.owners.includes(name);
		if (already || invited.includes(name)) return site;
		if (waiting.fromUser >= MAX_INVITATIONS_FROM) {
			throw new FieldError(
				400,
				`your sites have ${MAX_INVITATIONS_FROM} invitations of ${name} waiting, the most one account's may; cancel one first`,
				'name'
			);
		}
		if (waiting.all >= MAX_INVITATIONS) {
			throw new FieldError(
				400,
				`${name} has ${MAX_INVITATIONS} invitations waiting, the most a name may; they can accept or decline some first`,
				'name'
			);
		}
		if (invited.length >= MAX_INVITED) {
			throw new FieldError(
				400,
				`a site has at most ${MAX_INVITED} invitations waiting; cancel one first`,
				'name'
			);
		}
		return { ...site, invited: [...invited, name] };
	});
	return {
		site,
		message: already
			? `${name} is an owner already.`
			: `Invited ${name}. The account becomes an owner once it accepts, from its sites list; until then you can cancel the invitation here.`
	};
}

/** The site without an invitation of `name` (the site itself when it has none). */
function withoutInvitation(site: SiteRecord, name: string): SiteRecord {
	if (!site.invited?.includes(name)) return site;
	const invited = site.invited.filter((n) => n !== name);
	const next: SiteRecord = { ...site, invited };
	if (!invited.length) delete next.invited;
	return next;
}

/**
 * The site without `name` among its owners and invitations, and without the API tokens
 * and the share link made under that name; `revoked` names what went.
 */
function withoutOwner(site: SiteRecord, name: string): { next: SiteRecord; revoked: string[] } {
	const next: SiteRecord = {
		...withoutInvitation(site, name),
		owners: site.owners.filter((owner) => owner !== name),
		tokens: site.tokens.filter((token) => token.by !== name)
	};
	const revoked = site.tokens
		.filter((token) => token.by === name)
		.map((token) => `the API token "${token.label}"`);
	if (site.shareHash && site.shareBy === name) {
		delete next.shareHash;
		delete next.shareBy;
		revoked.push('the share link');
	}
	return { next, revoked };
}

/**
 * Removes an owner, with the API tokens and the share link they made (an outside probe: a
 * removed co-owner's token still downloaded every raw record), or cancels an invitation
 * of that name; the last owner of a site cannot be removed except by an admin.
 */
export async function removeOwner(
	couch: Couch,
	user: User,
	id: string,
	name: string
): Promise<OwnerChange> {
	let invited = false;
	let revoked: string[] = [];
	const site = await changeSite(couch, user, id, (site) => {
		invited = site.invited?.includes(name) ?? false;
		// Not "Removed owner …" for what changed nothing (an outside probe): a stale page.
		if (!invited && !site.owners.includes(name)) {
			throw new CouchstatsError(404, 'no such owner or invitation: removed already?');
		}
		const removed = withoutOwner(site, name);
		if (!removed.next.owners.length && !user.isAdmin) {
			throw new CouchstatsError(400, 'a site needs at least one owner');
		}
		revoked = removed.revoked;
		return removed.next;
	});
	const also = revoked.length ? ` Revoked what they made: ${revoked.join(', ')}.` : '';
	return {
		site,
		message: invited ? `Cancelled the invitation of ${name}.` : `Removed owner ${name}.${also}`
	};
}

/** A site that invites `user`, as {@link changeSite} loads one to accept or decline. */
async function loadInvitingSite(couch: Couch, user: User, id: string): Promise<SiteRecord> {
	const site = await findSite(couch, id);
	if (!site || site.deleting || !site.invited?.includes(user.name)) {
		throw new CouchstatsError(404, `no invitation to site "${id}"`);
	}
	return site;
}

/**
 * The invited account accepts: it becomes an owner, unless it owns {@link MAX_OWNED} sites
 * already (an outside probe: invitations took an account to 54, past the limit that
 * creating a site keeps; an admin adding it is not bound, as an admin creating a site for
 * it is not).
 * @throws {CouchstatsError} 404 for no such invitation, 400 at the limit.
 */
export async function acceptInvitation(couch: Couch, user: User, id: string) {
	let release: (() => Promise<void>) | undefined;
	try {
		return await saveChange(
			couch,
			() => loadInvitingSite(couch, user, id),
			async (site) => {
				release = await claimOwned(couch, user, id, Date.now(), () => {
					throw new CouchstatsError(
						400,
						`an account owns at most ${MAX_OWNED} sites; delete one first, or ask an admin to add you to "${id}"`
					);
				});
				return {
					...withoutInvitation(site, user.name),
					owners: site.owners.includes(user.name) ? site.owners : [...site.owners, user.name]
				};
			}
		);
	} catch (e) {
		await release?.();
		throw e;
	}
}

/** The invited account declines: the invitation is gone. */
export function declineInvitation(couch: Couch, user: User, id: string) {
	return saveChange(
		couch,
		() => loadInvitingSite(couch, user, id),
		(site) => withoutInvitation(site, user.name)
	);
}

/**
 * The sites that invite the user to co-own them (at most {@link MAX_INVITATIONS}): their ids
 * and owners, not their names, which any account could fill with a message of its own
 * (an outside re-check: "Security notice: reset your password at …").
 */
export async function listInvitations(
	couch: Couch,
	user: User
): Promise<{ id: string; owners: string[] }[]> {
	const rows = await couch.sites.view<string>(SITES_DESIGN, 'accounts', {
		key: user.name,
		include_docs: true
	});
	return rows.rows
		.map((row) => row.doc as SiteRecord)
		.filter((site) => site && !site.deleting && site.invited?.includes(user.name))
		.map(({ id, owners }) => ({ id, owners }))
		.sort((a, b) => a.id.localeCompare(b.id))
		.slice(0, MAX_INVITATIONS);
}

/**
 * Creates an API token (that may download the raw records too when `options.records`);
 * the secret is returned once and only its hash is stored.
 */
export async function addToken(
	couch: Couch,
	user: User,
	id: string,
	label: string,
	options: Pick<TokenOptions, 'records'> = {}
) {
	const clean = label.trim().slice(0, 60) || 'API token';
	const fault = nameFault(clean);
	if (fault) throw new FieldError(400, `the label ${fault}`, 'label');
	const created = createToken(clean, options);
	created.token.by = user.name;
	await changeSite(couch, user, id, (site) => withToken(site, created.token));
	return created;
}

/** Revokes an API token by its public id. */
export function revokeToken(couch: Couch, user: User, id: string, tokenId: string) {
	return changeSite(couch, user, id, (site) => {
		if (!site.tokens.some((t) => t.id === tokenId)) {
			throw new CouchstatsError(404, 'no such token: revoked already?');
		}
		return withoutToken(site, tokenId);
	});
}

/** Enables (or replaces) the read-only share link; returns its secret once. */
export async function enableShareLink(couch: Couch, user: User, id: string): Promise<string> {
	const secret = 'shr_' + randomBytes(24).toString('base64url');
	await changeSite(couch, user, id, (site) => ({
		...site,
		shareHash: hashToken(secret),
		shareBy: user.name
	}));
	return secret;
}

/** Disables the share link. */
export function disableShareLink(couch: Couch, user: User, id: string) {
	return changeSite(couch, user, id, (site) => {
		if (!site.shareHash) throw new CouchstatsError(404, 'the share link is off already');
		const next = { ...site };
		delete next.shareHash;
		delete next.shareBy;
		return next;
	});
}

/** Lets the share link show the site's sessions (list and timelines), or stops it. */
export function shareSessions(couch: Couch, user: User, id: string, on: boolean) {
	return changeSite(couch, user, id, (site) => ({ ...site, shareSessions: on }));
}

/** The site a share-link secret opens, or undefined. */
export async function findSiteByShareLink(
	couch: Couch,
	secret: string
): Promise<SiteRecord | undefined> {
	if (!/^shr_[A-Za-z0-9_-]{32}$/.test(secret)) return undefined;
	const hash = hashToken(secret);
	const rows = await couch.sites.view<null>(SITES_DESIGN, 'share', {
		key: hash,
		include_docs: true
	});
	return rows.rows
		.map((row) => row.doc as SiteRecord)
		.find((site) => site?.shareHash === hash && !site.deleting);
}
