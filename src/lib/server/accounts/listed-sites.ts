/**
 * An account's sites as the sites database's `listed` and `pending` views
 * (couchdb/sites/views/) give them, so that a page costs what it shows, whatever the
 * number of sites, instead of reading each site's document: the header's switcher's
 * first sites, their count and one site by id, in one request, O(10 + log n); the sites
 * list's page, keyed by a site id (src/lib/sites-list.ts), with where it stands, its
 * deletions and invitations, in two, O(page + log n).
 */
import type { User } from './auth';
import { isMissingView, viewQueries, type Couch } from '../couch';
import { siteDocId, SITES_DESIGN, type SiteRecord } from './sites';
import { listInvitations, listSitesAndDeletions, MAX_INVITATIONS } from './site-admin';
import type { SiteLink } from '$lib/shell';
import {
	pageBounds,
	pageOfSites,
	searchKeys,
	sitesPager,
	SITES_PER_PAGE,
	type SitesPager,
	type SitesQuery
} from '$lib/sites-list';

/** What {@link readListedSites} answers. */
export interface ListedSites {
	/** The first sites the account may see, by id. */
	first: SiteLink[];
	/** How many sites it may see (those being deleted left out, as in the sites list). */
	total: number;
	/** The site asked for, when the account may see it. */
	site?: SiteLink;
}

/**
 * The first `limit` sites `user` may see (their own; an admin's are all), their count,
 * and `site` when they may see it.
 * @returns undefined when the live design document has no `listed` view yet: a version
 *   that brought it is staged beside it until its index is built (boot/staged-designs.ts),
 *   and the caller reads every site instead, as before.
 * @throws nano's error for any other failure.
 */
export async function readListedSites(
	couch: Couch,
	user: User,
	{ limit, site }: { limit: number; site?: string }
): Promise<ListedSites | undefined> {
	// An admin's rows are keyed by null: every site, once.
	const account = accountOf(user);
	const range = rangeOf(account);
	const queries: Record<string, unknown>[] = [
		{ ...range, reduce: false, limit },
		range,
		...(site === undefined ? [] : [{ key: [account, site], reduce: false }])
	];
	let results;
	try {
		({ results } = await viewQueries<string | number, never>(
			couch,
			SITES_DESIGN,
			'listed',
			queries,
			couch.names.sites
		));
	} catch (e) {
		if (isMissingView(e)) return undefined;
		throw e;
	}
	const [first, count, current] = results;
	const link = (row: { key: unknown; value: unknown }): SiteLink => ({
		id: (row.key as [string | null, string])[1],
		name: String(row.value)
	});
	return {
		first: first.rows.map(link),
		total: Number(count.rows[0]?.value ?? 0),
		...(current?.rows[0] && { site: link(current.rows[0]) })
	};
}

/** What {@link readSitesList} answers: the sites page's list and what stands beside it. */
export interface SitesList {
	/** The page's sites, by id. */
	sites: SiteRecord[];
	pager: SitesPager;
	/** The account's sites being deleted, by id (an admin's: every one). */
	deleting: { id: string; name: string }[];
	/** Sites whose owners invited the account to co-own them, by id, at most MAX_INVITATIONS. */
	invitations: { id: string; owners: string[] }[];
}

type Row<V> = { id: string; key: unknown; value: V; doc?: SiteRecord | null };

/**
 * The page of `user`'s sites (their own; an admin's are all) that `query` asks for,
 * where it stands, and the account's deletions and invitations. A page without a search
 * reads its own sites' documents and two counts from the `listed` view: the sites
 * after `after` (Next) or before `before` (Previous, read descending), as CouchDB pages
 * a view, by start key rather than skip, or the last sites (`last`: read descending from
 * the end, and counted by the total alone); a search reads the rows of the sites it finds
 * from the `search` view ({@link readSearch}) and its page's documents. While the live
 * design document has no such views (a staged upgrade: boot/staged-designs.ts), it reads
 * every site the account may see, as before.
 * @throws nano's error for a failure other than a missing view.
 */
export async function readSitesList(
	couch: Couch,
	user: User,
	query: SitesQuery
): Promise<SitesList> {
	try {
		const [page, beside] = await Promise.all([
			query.q ? readFoundPage(couch, user, query) : readListedPage(couch, user, query),
			readPending(couch, user)
		]);
		return { ...page, ...beside };
	} catch (e) {
		if (!isMissingView(e)) throw e;
	}
	const [{ listed, deleting }, invitations] = await Promise.all([
		listSitesAndDeletions(couch, user),
		listInvitations(couch, user)
	]);
	return {
		...pageOfSites(listed, query),
		deleting: deleting.map(({ id, name }) => ({ id, name })),
		invitations
	};
}

/** The list's page without a search, and its count, from the `listed` view. */
async function readListedPage(
	couch: Couch,
	user: User,
	query: SitesQuery,
	perPage = SITES_PER_PAGE
): Promise<Pick<SitesList, 'sites' | 'pager'>> {
	const account = accountOf(user);
	const all = rangeOf(account);
	const rows = { reduce: false, include_docs: true };
	const read = (queries: Record<string, unknown>[]) => readListed(couch, account, queries);
	const page = (total: number, start: number, shown: Row<unknown>[]) => {
		const sites = shown.map((row) => row.doc).filter((doc): doc is SiteRecord => !!doc);
		return { sites, pager: sitesPager(query, start, sites, total, total, perPage) };
	};
	const first = async () => {
		const { total, rest } = await read([{ ...all, ...rows, limit: perPage }]);
		return page(total, 0, rest[0]);
	};
	// From the end, read descending: no key, as CouchDB pages a view from its end.
	const last = async () => {
		const { total, rest } = await read([
			{ ...rows, descending: true, startkey: all.endkey, endkey: all.startkey, limit: perPage }
		]);
		return page(total, total - rest[0].length, rest[0].reverse());
	};
	// The row of the id the page is keyed by, if a site has it, is read and left out.
	const without = (id: string, list: Row<unknown>[]) =>
		list.filter((row) => (row.key as [unknown, string])[1] !== id).slice(0, perPage);

	if (query.after !== undefined) {
		const at = [account, query.after];
		const { total, rest } = await read([
			{ ...rows, startkey: at, endkey: all.endkey, limit: perPage + 1 },
			{ startkey: all.startkey, endkey: at }
		]);
		const shown = without(query.after, rest[0]);
		if (shown.length) return page(total, Number(rest[1][0]?.value ?? 0), shown);
		// Nothing after it (its sites deleted since): the last page.
		return last();
	}
	if (query.before !== undefined) {
		const at = [account, query.before];
		const { total, rest } = await read([
			{ ...rows, descending: true, startkey: at, endkey: all.startkey, limit: perPage + 1 },
			{ startkey: all.startkey, endkey: at, inclusive_end: false }
		]);
		const shown = without(query.before, rest[0]);
		// Less than a page before it (an id near the start, or sites deleted since): the first page.
		if (shown.length < perPage) return first();
		return page(total, Number(rest[1][0]?.value ?? 0) - perPage, shown.reverse());
	}
	return query.last ? last() : first();
}

/** The key of `user`'s rows in the `listed` and `search` views: an admin's is null. */
const accountOf = (user: User) => (user.isAdmin ? null : user.name);

/** Every row of `account` in the `listed` view. */
const rangeOf = (account: string | null) => ({ startkey: [account], endkey: [account, {}] });

/**
 * How many sites `account` may see, and the rows of `queries` of the `listed` view, in
 * one request.
 */
async function readListed(
	couch: Couch,
	account: string | null,
	queries: Record<string, unknown>[]
) {
	const { results } = await viewQueries<string | number, SiteRecord>(
		couch,
		SITES_DESIGN,
		'listed',
		[rangeOf(account), ...queries],
		couch.names.sites
	);
	const [count, ...rest] = results;
	return {
		total: Number(count.rows[0]?.value ?? 0),
		rest: rest.map((result) => result.rows as Row<string | number>[])
	};
}

/**
 * The sites `user` may see (their own; an admin's are all) that the search `q` finds
 * (matchesSearch in src/lib/sites-list.ts), by id, with their names, and how many sites
 * they may see: the `search` view's rows for the prefixes of `q` (`searchKeys`: lower-cased,
 * and a host in another script also in punycode) and the
 * `listed` view's count. It reads a row for each place `q` starts in a site found and
 * no site's document: O(rows found + log n), however many sites there are.
 * @throws nano's error, `missing_named_view` while a version without the view is live.
 */
export async function readSearch(
	couch: Couch,
	user: User,
	q: string
): Promise<{ found: SiteLink[]; total: number }> {
	const account = accountOf(user);
	const keys = searchKeys(q);
	const [{ results }, { total }] = await Promise.all([
		// In a POST's body: the search stays out of the store's request log.
		viewQueries<string, never>(
			couch,
			SITES_DESIGN,
			'search',
			keys.map((key) => ({ startkey: [account, key], endkey: [account, `${key}\ufff0`] })),
			couch.names.sites
		),
		readListed(couch, account, [])
	]);
	const found = new Map<string, string>();
	results.forEach((result, i) => {
		for (const row of result.rows) {
			const [, start, id] = row.key as unknown as [unknown, string, string];
			// CouchDB's ICU collation puts "é" in the range of "e": the code units decide.
			if (start.startsWith(keys[i])) found.set(id, String(row.value));
		}
	});
	const ids = [...found.keys()].sort();
	return { found: ids.map((id) => ({ id, name: found.get(id)! })), total };
}

/** The list's page of a search: {@link readSearch}, then the page's sites' documents. */
async function readFoundPage(
	couch: Couch,
	user: User,
	query: SitesQuery
): Promise<Pick<SitesList, 'sites' | 'pager'>> {
	const { found, total } = await readSearch(couch, user, query.q);
	const { start, end } = pageBounds(
		found.map((site) => site.id),
		query
	);
	const keys = found.slice(start, end).map((site) => siteDocId(site.id));
	const { rows } = keys.length ? await couch.sites.fetch({ keys }) : { rows: [] };
	const sites = rows
		.map((row) => ('doc' in row ? (row.doc as SiteRecord | null) : null))
		.filter((site): site is SiteRecord => !!site && !site.deleting);
	return { sites, pager: sitesPager(query, start, sites, found.length, total) };
}

/** The account's deletions and invitations, from the `pending` view. */
async function readPending(
	couch: Couch,
	user: User
): Promise<Pick<SitesList, 'deleting' | 'invitations'>> {
	const range = (account: string | null, kind: string) => ({
		startkey: [account, kind],
		endkey: [account, kind, {}]
	});
	const { results } = await viewQueries<{ name: string; owners: string[] }, never>(
		couch,
		SITES_DESIGN,
		'pending',
		[
			range(accountOf(user), 'deleting'),
			{ ...range(user.name, 'invited'), limit: MAX_INVITATIONS }
		],
		couch.names.sites
	);
	const [deleting, invitations] = results.map((result) =>
		result.rows.map((row) => ({
			id: (row.key as unknown as [unknown, string, string])[2],
			...row.value
		}))
	);
	return {
		deleting: deleting.map(({ id, name }) => ({ id, name })),
		invitations: invitations.map(({ id, owners }) => ({ id, owners }))
	};
}
