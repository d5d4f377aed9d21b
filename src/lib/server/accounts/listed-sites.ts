/**
 * The first of an account's sites, their count and one site by id, read from the sites
 * database's `listed` view (couchdb/sites/views/listed.js) in one request, so that every
 * owner's page (the header's switcher) costs O(10 + log n) whatever the number of
 * sites, instead of reading each site's document.
 */
import type { User } from './auth';
import { isMissingView, viewQueries, type Couch } from '../couch';
import { SITES_DESIGN } from './sites';
import type { SiteLink } from '$lib/shell';

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
	const account = user.isAdmin ? null : user.name;
	const range = { startkey: [account], endkey: [account, {}] };
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
