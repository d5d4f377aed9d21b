/**
 * What the sites page shows of an owner's sites: the page of the list its URL asks for
 * (src/lib/sites-list.ts), the invitations, the deletions under way and the result of the
 * one the page was opened for. Read by the page's load and, while a deletion runs, by the
 * page's progress re-read (`progress.json`), with the page's own query.
 */
import { couch } from '$lib/server/couch';
import type { User } from '$lib/server/accounts/auth';
import { readSitesList } from '$lib/server/accounts/listed-sites';
import { siteForOwner } from '$lib/server/accounts/site-admin';
import { deletionProgress, runningDeletions } from '$lib/server/accounts/site-delete';
import { readSitesQuery } from '$lib/sites-list';

/**
 * @param query The page's query: `q` and `after` or `before` choose the sites listed, `deleted` names
 *   the site whose deletion the page was opened for.
 */
export async function readSitesPage(user: User, query: URLSearchParams) {
	const deletedId = query.get('deleted');
	const shown = await readSitesList(couch(), user, readSitesQuery(query));
	const { deleting, invitations } = shown;
	const deleted = deletedId ? deletionProgress(user, deletedId) : undefined;
	// Being deleted: the marked site records, less those whose deletion has ended since they
	// were read, and the deletions that run on after removing their site record (a last
	// pass). The page re-reads while one runs, so one must never be listed as neither
	// running nor finished: the page would stop following it.
	const listed = deleting
		.filter(({ id }) => deletionProgress(user, id)?.state !== 'done')
		.map(({ id, name }) => ({ id, name }));
	const ids = new Set(listed.map(({ id }) => id));
	for (const [id, { name }] of runningDeletions(user)) {
		if (!ids.has(id)) listed.push({ id, name });
	}
	return {
		// The page's sites, by id, and where they stand in the list.
		sites: shown.sites.map(siteForOwner),
		pager: shown.pager,
		// Sites whose owners invited the user to co-own them, to accept or decline.
		invitations,
		// Sites being deleted; `interrupted` when no deletion of it runs in this process.
		deleting: listed
			.sort((a, b) => a.id.localeCompare(b.id))
			.map(({ id, name }) => {
				const progress = deletionProgress(user, id);
				return {
					id,
					name,
					deleted: progress?.deleted ?? 0,
					state: progress?.state ?? 'interrupted'
				};
			}),
		// The result of the deletion the page was opened for, once it has ended (its site
		// record is removed last, after its last pass and the indexes: site-delete.ts).
		finished:
			deletedId && deleted?.state === 'done'
				? { id: deletedId, deleted: deleted.deleted }
				: undefined
	};
}

/** The sites page's list and deletions. */
export type SitesPage = Awaited<ReturnType<typeof readSitesPage>>;
