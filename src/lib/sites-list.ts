/**
 * The sites list's search and pages (`/sites?q=…&after=…`), shared by the server, which
 * reads one page of the account's sites and only that page's numbers
 * (src/routes/sites/sites-page.ts), and the page, which links the pages beside it. Pages
 * are keyed by a site id, as CouchDB pages a view (a start key, not a skip): Next reads
 * the sites after the page's last id, Previous those before its first, and Last the last
 * sites, from the end, keyed by none, so a page costs the same wherever it stands. An account with up to {@link SITES_PER_PAGE} sites sees
 * them all, with no search box and no pager. No I/O.
 */
import { asciiWords } from './host-names';
import { SITE_ID_SOURCE } from './site-patterns';

/** Sites on one page of the list: each is a dashboard read of "Today" on every load. */
export const SITES_PER_PAGE = 25;

/**
 * What the list's URL asks for: a search, and the page after or before a site id, or the
 * last page (the first page without any).
 */
export interface SitesQuery {
	/** Words that start a word of a site's id, name or a host name (any case, a host in either script): {@link matchesSearch}; `''` for every site. */
	q: string;
	/** The page starts with the first site whose id sorts after this one. */
	after?: string;
	/** The page ends with the last site whose id sorts before this one. */
	before?: string;
	/** The page ends with the last site (`?last`). */
	last?: boolean;
}

/** Where the list stands, as its count and pager say it. */
export interface SitesPager extends SitesQuery {
	/** The first and last site shown, counted among those matching (1-based); 0 when none. */
	from: number;
	to: number;
	/** Sites matching the search. */
	matching: number;
	/** Sites the account may see, whatever the search. */
	total: number;
	/** Whether the list offers its search box: more sites than a page, or a search made. */
	searchable: boolean;
	/** The id the previous page ends before (the first shown); none on the first page. */
	previous?: string;
	/** The id the next page starts after (the last shown); none on the last page. */
	next?: string;
}

const SITE_ID = new RegExp(`^${SITE_ID_SOURCE}$`);

/**
 * The list's query in `params`: `q` trimmed; `after` or `before` when it is a site id
 * (`after` when both are), else the last page when `last` is there, whatever its value,
 * else the first page. An id that no site has still places the page: the ids sort as
 * CouchDB sorts them ({@link pageBounds}).
 */
export function readSitesQuery(params: URLSearchParams): SitesQuery {
	const q = (params.get('q') ?? '').trim();
	const after = params.get('after') ?? '';
	const before = params.get('before') ?? '';
	if (SITE_ID.test(after)) return { q, after };
	if (SITE_ID.test(before)) return { q, before };
	if (params.has('last')) return { q, last: true };
	return { q };
}

/** The list's address for a query; nothing is written that is the default. */
export function sitesHref(query: SitesQuery): string {
	const search = searchOf(query);
	return search ? `/sites?${search}` : '/sites';
}

/**
 * The address of a form action of the list's page that answers with the same search and
 * page, JavaScript or not: `?q=shop&after=shop-25&/accept`, `?last&/accept` (SvelteKit
 * takes the action from the parameter that starts with `/`).
 */
export function sitesAction(query: SitesQuery, action: string): string {
	const search = searchOf(query);
	return search ? `?${search}&/${action}` : `?/${action}`;
}

function searchOf({ q, after, before, last }: SitesQuery): string {
	const params = new URLSearchParams();
	if (q) params.set('q', q);
	if (after !== undefined) params.set('after', after);
	else if (before !== undefined) params.set('before', before);
	// `last` alone, not `last=`: it names a page, with no value to give.
	else if (last) return [params.toString(), 'last'].filter(Boolean).join('&');
	return params.toString();
}

/**
 * Whether `q` starts a word of a site's id, name or one of its host names, or a run of
 * its words, in any case: "europe", "shop eu", "example.de" and ".de" find "Shop Europe"
 * on shop.example.de; "hop" does not. The store finds the same by prefix in the sites
 * database's `search` view (couchdb/sites/views/search.js), keyed by
 * {@link searchStarts}, so a search reads the sites it finds, not every site.
 */
export function matchesSearch(
	site: { id: string; name: string; hostnames: readonly string[] },
	q: string
): boolean {
	const keys = searchKeys(q);
	return [site.id, site.name, ...site.hostnames].some((text) =>
		searchStarts(text).some((start) => keys.some((key) => start.startsWith(key)))
	);
}

/** A search as the `search` view's keys are written: lower case (CouchDB's collation puts "a" < "A" < "b"). */
export function searchKey(q: string): string {
	return q.toLowerCase();
}

/**
 * The keys a search looks for ({@link searchKey}): as typed, and when it has a word in
 * another script, also with each such word as a stored host name's punycode
 * (`bücher.de` finds `xn--bcher-kva.de`, and "Bücher" in a name as typed: asciiWords in
 * src/lib/host-names.ts). A host label is found by the whole of it in Unicode: its
 * punycode tells no prefix of it.
 */
export function searchKeys(q: string): string[] {
	const key = searchKey(q);
	const ascii = asciiWords(key);
	return ascii === undefined ? [key] : [key, ascii];
}

// Between words: white space and ASCII punctuation (a host name's dots, an id's dashes).
const BETWEEN_WORDS = /[\s!-/:-@[-\x60{-~]/;

/**
 * Where a search may start in `text`, lower-cased: at its start, at each character
 * between words and at each word after one ("my shop.de": "my shop.de", " shop.de",
 * "shop.de", ".de", "de"). The `search` view's map writes the same starts.
 */
export function searchStarts(text: string): string[] {
	const lower = searchKey(text);
	const starts: string[] = [];
	for (let i = 0; i < lower.length; i++) {
		if (i === 0 || BETWEEN_WORDS.test(lower[i]) || BETWEEN_WORDS.test(lower[i - 1])) {
			starts.push(lower.slice(i));
		}
	}
	return starts;
}

/**
 * Where the page `query` asks for stands among `ids` (sorted as CouchDB sorts site ids:
 * lowercase letters, digits and `-` sort the same by code unit), as the store's read of
 * the `listed` view places it (src/lib/server/accounts/listed-sites.ts): the sites after
 * `after`, or the last page when none is; the page before `before`, or the first page
 * when less than a page is; the last page for `last`.
 * @returns The page's first index and the index after its last.
 */
export function pageBounds(
	ids: readonly string[],
	{ after, before, last }: SitesQuery,
	perPage = SITES_PER_PAGE
): { start: number; end: number } {
	const n = ids.length;
	const lastPage = { start: Math.max(0, n - perPage), end: n };
	if (after !== undefined) {
		const start = countBelow(ids, after, true);
		return start < n ? { start, end: Math.min(n, start + perPage) } : lastPage;
	}
	if (before !== undefined) {
		const end = countBelow(ids, before, false);
		if (end >= perPage) return { start: end - perPage, end };
	}
	if (last) return lastPage;
	return { start: 0, end: Math.min(n, perPage) };
}

/** How many of the sorted `ids` sort before `id` (or at it, when `inclusive`). */
function countBelow(ids: readonly string[], id: string, inclusive: boolean): number {
	const i = ids.findIndex((other) => (inclusive ? other > id : other >= id));
	return i === -1 ? ids.length : i;
}

/**
 * The page of `sites` the query asks for, in their order (the caller's: by id), and where
 * it stands: the list read from every site (a store whose design document has no
 * `listed` view yet) or from a search's matches.
 * @param perPage Sites on a page: {@link SITES_PER_PAGE} on the list, fewer in the
 *   header's switcher (src/lib/shell.ts), which shows the first page only.
 */
export function pageOfSites<T extends { id: string; name: string; hostnames: readonly string[] }>(
	sites: readonly T[],
	query: SitesQuery,
	perPage = SITES_PER_PAGE
): { sites: T[]; pager: SitesPager } {
	const matching = query.q ? sites.filter((site) => matchesSearch(site, query.q)) : sites;
	const { start, end } = pageBounds(
		matching.map((site) => site.id),
		query,
		perPage
	);
	const shown = matching.slice(start, end);
	return {
		sites: shown,
		pager: sitesPager(query, start, shown, matching.length, sites.length, perPage)
	};
}

/**
 * Where a page of the list stands: `shown`, from the `start`th (0-based) of the
 * `matching` sites, of `total` the account may see.
 * @param perPage As {@link pageOfSites}'s.
 */
export function sitesPager(
	query: SitesQuery,
	start: number,
	shown: readonly { id: string }[],
	matching: number,
	total: number,
	perPage = SITES_PER_PAGE
): SitesPager {
	const from = shown.length ? start + 1 : 0;
	const to = start + shown.length;
	return {
		...query,
		from,
		to,
		matching,
		total,
		searchable: total > perPage || query.q !== '',
		...(from > 1 && { previous: shown[0].id }),
		...(shown.length && to < matching && { next: shown[shown.length - 1].id })
	};
}

/**
 * What the list says of where it stands, e.g. "Sites 26–50 of 340", "Sites 1–3 of 3
 * matching “blog” (340 in all)" or "No site matches “blog”."; `''` when the whole list is
 * on the page unsearched (a handful of sites says nothing).
 */
export function sitesCount(pager: SitesPager): string {
	if (!pager.searchable) return '';
	if (!pager.q) return `Sites ${pager.from}–${pager.to} of ${pager.total}`;
	if (!pager.matching) return `No site matches “${pager.q}”.`;
	return `Sites ${pager.from}–${pager.to} of ${pager.matching} matching “${pager.q}” (${pager.total} in all)`;
}
