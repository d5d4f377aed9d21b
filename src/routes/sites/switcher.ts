/**
 * What the header's site switcher needs of an owner's sites: the first few matching its
 * search and how many match (src/lib/shell.ts), not every site, which each owner's page
 * would otherwise carry. Read by the sites layout (with the page's site) and by the
 * switcher's search as the owner types (`/sites/switcher.json`).
 */
import { couch, isMissingView } from '$lib/server/couch';
import type { User } from '$lib/server/accounts/auth';
import { readListedSites, readSearch } from '$lib/server/accounts/listed-sites';
import { listSites } from '$lib/server/accounts/site-admin';
import {
	firstSwitcherSites,
	switcherSites,
	SWITCHER_SITES,
	type SiteLink,
	type SwitcherSites
} from '$lib/shell';

/**
 * The switcher's sites for `user` (their own; an admin's are all), and the page's site
 * when they may see it. Without a search (every owner's page) it reads the first sites,
 * their count and the page's site from the store's `listed` view; a search, as the
 * owner types, the rows of the sites it finds from the `search` view. While a version
 * without those views is live, it reads every site.
 * @param q The search (`''`: the first sites).
 * @param site The id of the site the page is about, if any.
 */
export async function readSwitcher(
	user: User,
	{ q = '', site }: { q?: string; site?: string } = {}
): Promise<{ switcher: SwitcherSites; site?: SiteLink }> {
	if (q) {
		const search = await readSearch(couch(), user, q).catch((e: unknown) => {
			if (isMissingView(e)) return undefined;
			throw e;
		});
		if (search) return { switcher: firstSwitcherSites(search.found, search.total, q) };
	} else {
		const listed = await readListedSites(couch(), user, { limit: SWITCHER_SITES, site });
		if (listed) {
			return {
				switcher: firstSwitcherSites(listed.first, listed.total),
				...(listed.site && { site: listed.site })
			};
		}
	}
	const sites = await listSites(couch(), user);
	const current = site === undefined ? undefined : sites.find(({ id }) => id === site);
	return {
		switcher: switcherSites(sites, q),
		...(current && { site: { id: current.id, name: current.name } })
	};
}
