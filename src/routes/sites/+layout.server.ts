import { couch } from '$lib/server/couch';
import { requireUser } from '$lib/server/accounts/form';
import { listSites } from '$lib/server/accounts/site-admin';
import { timeZoneGroups } from '$lib/time-zones';
import type { LayoutServerLoad } from './$types';

// Read once per visit to /sites (no params, no url): the switcher's list is the same on every page.
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals.user, url);
	const sites = await listSites(couch(), user);
	return {
		shell: { account: user.name, sites: sites.map(({ id, name }) => ({ id, name })) },
		// Every picker's list (site forms, dashboard), offsets as of this visit.
		timeZones: timeZoneGroups(Date.now())
	};
}) satisfies LayoutServerLoad;
