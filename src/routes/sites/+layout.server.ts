import { requireUser } from '$lib/server/accounts/form';
import { timeZoneGroups } from '$lib/time-zones';
import { readSwitcher } from './switcher';
import type { LayoutServerLoad } from './$types';

// Read once per visit to /sites and again when the page's site changes (no url): the
// switcher's first sites and count, and the page's site, which may be past them.
export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals.user, url);
	return {
		shell: { account: user.name, ...(await readSwitcher(user, { site: params.site })) },
		// Every picker's list (site forms, dashboard), offsets as of this visit.
		timeZones: timeZoneGroups(Date.now())
	};
}) satisfies LayoutServerLoad;
