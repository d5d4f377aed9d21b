/**
 * What the app's header shows and where its links go, shared by the server (which
 * reads the owner's sites) and the shell component (which renders them). No I/O.
 *
 * Every page below `/sites/[site]/` is inside the shell (`src/routes/sites/+layout`);
 * to give a new page of a site its link in the header, add it to {@link SITE_PAGES}.
 */
import { RANGE_PARAMS } from './stats/range';
import { pageOfSites, sitesPager, type SitesPager } from './sites-list';

/** A site as the header's switcher lists it. */
export interface SiteLink {
	id: string;
	name: string;
}

/**
 * Sites the switcher lists at most: an account with more sees the first ones (in the
 * sites list's order, by id), a search box and "All sites (N)". A longer menu takes
 * dozens of Tab presses to cross, and every owner's page would carry all of it.
 */
export const SWITCHER_SITES = 10;

/** What the switcher lists: the first sites matching its search, and where they stand. */
export interface SwitcherSites {
	/** At most {@link SWITCHER_SITES}, in the sites list's order. */
	sites: SiteLink[];
	/** The sites list's own count (src/lib/sites-list.ts); `searchable` when past the limit. */
	pager: SitesPager;
}

/**
 * The first {@link SWITCHER_SITES} of `sites` (the account's, by id) whose id, name or a
 * host name holds `q` (the sites list's search: `matchesSearch`), and how many match.
 */
export function switcherSites(
	sites: readonly { id: string; name: string; hostnames: readonly string[] }[],
	q = ''
): SwitcherSites {
	const { sites: first, pager } = pageOfSites(sites, { q }, SWITCHER_SITES);
	return { sites: first.map(({ id, name }) => ({ id, name })), pager };
}

/**
 * The switcher from the sites the store read (src/routes/sites/switcher.ts): without a
 * search, the first {@link SWITCHER_SITES} of the account's sites (by id) and their
 * count; with one, every site it finds (by id) and how many the account has. The same
 * as {@link switcherSites} of every site.
 */
export function firstSwitcherSites(
	first: readonly SiteLink[],
	total: number,
	q = ''
): SwitcherSites {
	const sites = first.slice(0, SWITCHER_SITES).map(({ id, name }) => ({ id, name }));
	const matching = q ? first.length : total;
	return { sites, pager: sitesPager({ q }, 0, sites, matching, total, SWITCHER_SITES) };
}

/**
 * The header of an app page: the app's own (`app`), with the signed-in account and,
 * for owners' pages, the site switcher; or a share link's (`shared`), which names the
 * site and nothing that needs an account.
 */
export type ShellHeader =
	| {
			kind: 'app';
			/** The signed-in account's name; none on the login and error pages of a visitor. */
			account?: string;
			/** The sites the switcher offers; no switcher without them. */
			switcher?: SwitcherSites;
			/** The site the page is about, when the account may see it. */
			site?: SiteLink;
	  }
	| {
			kind: 'shared';
			siteName: string;
			/** The share link's pages ({@link sharedPageLinks}); no navigation without them. */
			links?: NavLink[];
	  };

/** The pages of one site, in the header's order: `path` is appended to `/sites/ID`. */
export const SITE_PAGES = [
	{ path: '', label: 'Dashboard' },
	{ path: '/sessions', label: 'Sessions' },
	{ path: '/funnels', label: 'Funnels' },
	{ path: '/settings', label: 'Settings' }
] as const;

/** A link of the header's site navigation. */
export interface NavLink {
	href: string;
	label: string;
	/** This is the page being shown (`aria-current="page"`). */
	current: boolean;
}

const siteHref = (site: string, path = '') => `/sites/${encodeURIComponent(site)}${path}`;

/** Links to `pages` below `base`, marking the one at `pathname`. */
function pageLinks(
	base: string,
	pages: readonly { path: string; label: string }[],
	pathname: string
): NavLink[] {
	return pages.map(({ path, label }) => ({
		href: base + path,
		label,
		current: pathname === base + path
	}));
}

/** The site pages' links for `site`, marking the one at `pathname`. */
export function sitePageLinks(site: string, pathname: string): NavLink[] {
	return pageLinks(siteHref(site), SITE_PAGES, pathname);
}

/** What a share link shows besides its dashboard. */
export interface SharedPages {
	/** The owner lets it show sessions (list and timelines). */
	sessions: boolean;
	/** The site has funnels (read-only, counts only). */
	funnels: boolean;
}

/** What a share link of `site` shows: the same answer on each of its pages. */
export function sharedPages(site: { shareSessions?: boolean; funnels?: unknown[] }): SharedPages {
	return { sessions: site.shareSessions === true, funnels: (site.funnels?.length ?? 0) > 0 };
}

/**
 * A share link's pages, marking the one at `pathname`: its dashboard, its session list
 * when the owner lets it show sessions, and its funnels when the site has some; none (no
 * navigation) when it shows only the dashboard.
 */
export function sharedPageLinks(secret: string, shows: SharedPages, pathname: string): NavLink[] {
	const pages = SITE_PAGES.filter(
		({ path }) =>
			path === '' ||
			(path === '/sessions' && shows.sessions) ||
			(path === '/funnels' && shows.funnels)
	);
	return pages.length > 1 ? pageLinks(shareHref(secret), pages, pathname) : [];
}

/** A share link's page at `path` (`''`: its dashboard, `/sessions`: its session list). */
export const shareHref = (secret: string, path = '') =>
	`/share/${encodeURIComponent(secret)}${path}`;

/**
 * Where the switcher takes an owner who picks `site` while at `url`: the same page of the
 * other site (its settings from settings, its sessions from a session's timeline), else
 * its dashboard, over the same period. Of the query only the period (`range`, `from`,
 * `to`) is kept: filters name one site's pages and sources, and the other site's numbers
 * are read in its own time zone (the picker writes `tz` whether or not it was chosen).
 */
export function switchHref(url: URL, site: string): string {
	const at = /^\/sites\/[^/]+(\/.*)?$/.exec(url.pathname);
	// A page below a site page (a session's timeline) switches to that page (the list).
	const section = /^\/[^/]*/.exec(at?.[1] ?? '')?.[0] ?? '';
	const page = SITE_PAGES.find(({ path }) => path === section);
	const href = siteHref(site, page?.path);
	if (page?.path === '/settings') return href;
	const period = new URLSearchParams();
	for (const name of RANGE_PARAMS) {
		const value = url.searchParams.get(name);
		if (name !== 'tz' && value !== null) period.set(name, value);
	}
	return period.size ? `${href}?${period}` : href;
}
