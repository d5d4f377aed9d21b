/**
 * What the header's site switcher needs of an owner's sites: the first few matching its
 * search and how many match (src/lib/shell.ts), not every site, which each owner's page
 * would otherwise carry. Read by the sites layout (with the page's site) and by the
 * switcher's search as the owner types (`/sites/switcher.json`).
 */
import { couch } from '$lib/server/couch';
import type { User } from '$lib/server/accounts/auth';
import { listSites } from '$lib/server/accounts/site-admin';
import { switcherSites, type SiteLink, type SwitcherSites } from '$lib/shell';

/**
 * The switcher's sites for `user` (their own; an admin's are all), and the page's site
 * when they may see it.
 * @param q The search (`''`: the first sites).
 * @param site The id of the site the page is about, if any.
 */
export async function readSwitcher(
	user: User,
	{ q = '', site }: { q?: string; site?: string } = {}
): Promise<{ switcher: SwitcherSites; site?: SiteLink }> {
	const sites = await listSites(couch(), user);
	const current = site === undefined ? undefined : sites.find(({ id }) => id === site);
	return {
		switcher: switcherSites(sites, q),
		...(current && { site: { id: current.id, name: current.name } })
	};
}
