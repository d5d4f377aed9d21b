/**
 * The sites list's search and pages (`/sites?q=…&page=…`), shared by the server, which
 * reads one page of the account's sites and only that page's numbers
 * (src/routes/sites/sites-page.ts), and the page, which links the other pages. An
 * account with up to {@link SITES_PER_PAGE} sites sees them all, with no search box and
 * no pager. No I/O.
 */

/** Sites on one page of the list: each is a dashboard read of "Today" on every load. */
export const SITES_PER_PAGE = 25;

/** What the list's URL asks for: a search and a page (1-based). */
export interface SitesQuery {
	/** Words a site's id, name or a host name holds (any case); `''` for every site. */
	q: string;
	page: number;
}

/** Where the list stands, as its count and pager say it. */
export interface SitesPager {
	/** The search, as {@link SitesQuery}'s `q`. */
	q: string;
	/** The page shown (1-based), within 1 … `pages`. */
	page: number;
	/** Pages of the sites matching the search; 1 when none match. */
	pages: number;
	/** The first and last site shown, counted among those matching (1-based); 0 when none. */
	from: number;
	to: number;
	/** Sites matching the search. */
	matching: number;
	/** Sites the account may see, whatever the search. */
	total: number;
	/** Whether the list offers its search box: more sites than a page, or a search made. */
	searchable: boolean;
}

/**
 * The list's query in `params`: `q` trimmed; `page` a whole number from 1, else 1 (a
 * page past the last is the last: {@link pageOfSites}).
 */
export function readSitesQuery(params: URLSearchParams): SitesQuery {
	const page = params.get('page') ?? '';
	return {
		q: (params.get('q') ?? '').trim(),
		page: /^\d{1,9}$/.test(page) ? Math.max(1, Number(page)) : 1
	};
}

/** The list's address for a search and page; neither is written when it is the default. */
export function sitesHref(query: SitesQuery): string {
	const search = searchOf(query);
	return search ? `/sites?${search}` : '/sites';
}

/**
 * The address of a form action of the list's page that answers with the same search and
 * page, JavaScript or not: `?q=shop&page=2&/accept` (SvelteKit takes the action from the
 * parameter that starts with `/`).
 */
export function sitesAction(query: SitesQuery, action: string): string {
	const search = searchOf(query);
	return search ? `?${search}&/${action}` : `?/${action}`;
}

function searchOf({ q, page }: SitesQuery): string {
	const params = new URLSearchParams();
	if (q) params.set('q', q);
	if (page > 1) params.set('page', String(page));
	return params.toString();
}

/** Whether a site's id, name or one of its host names holds `q`, in any case. */
export function matchesSearch(
	site: { id: string; name: string; hostnames: readonly string[] },
	q: string
): boolean {
	const words = q.toLowerCase();
	return [site.id, site.name, ...site.hostnames].some((text) => text.toLowerCase().includes(words));
}

/**
 * The page of `sites` the query asks for, in their order (the caller's: by id), and where
 * it stands.
 * @param perPage Sites on a page: {@link SITES_PER_PAGE} on the list, fewer in the
 *   header's switcher (src/lib/shell.ts), which shows the first page only.
 */
export function pageOfSites<T extends { id: string; name: string; hostnames: readonly string[] }>(
	sites: readonly T[],
	{ q, page }: SitesQuery,
	perPage = SITES_PER_PAGE
): { sites: T[]; pager: SitesPager } {
	const matching = q ? sites.filter((site) => matchesSearch(site, q)) : sites;
	const pager = sitesPager({ q, page }, matching.length, sites.length, perPage);
	return { sites: matching.slice(Math.max(0, pager.from - 1), pager.to), pager };
}

/**
 * Where a page of the list stands when `matching` of `total` sites match the query's
 * search, without the sites themselves (the header's switcher counts them in the store:
 * src/routes/sites/switcher.ts).
 * @param perPage As {@link pageOfSites}'s.
 */
export function sitesPager(
	{ q, page }: SitesQuery,
	matching: number,
	total: number,
	perPage = SITES_PER_PAGE
): SitesPager {
	const pages = Math.max(1, Math.ceil(matching / perPage));
	const shown = Math.min(page, pages);
	const start = (shown - 1) * perPage;
	const count = Math.max(0, Math.min(perPage, matching - start));
	return {
		q,
		page: shown,
		pages,
		from: count ? start + 1 : 0,
		to: start + count,
		matching,
		total,
		searchable: total > perPage || q !== ''
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

/**
 * The pages the pager links by number: all of up to 7; otherwise the first, the last and
 * the two beside the current one, with `null` where pages are left out.
 */
export function pagerPages({ page, pages }: Pick<SitesPager, 'page' | 'pages'>): (number | null)[] {
	if (pages <= 7) return Array.from({ length: pages }, (_, i) => i + 1);
	const near = [1, page - 1, page, page + 1, pages].filter((n) => n >= 1 && n <= pages);
	const links: (number | null)[] = [];
	let last = 0;
	for (const n of [...new Set(near)].sort((a, b) => a - b)) {
		// One page left out is linked: "…" would take as much room.
		if (n - last === 2) links.push(n - 1);
		else if (n - last > 2) links.push(null);
		links.push(n);
		last = n;
	}
	return links;
}
