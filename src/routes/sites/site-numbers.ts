/**
 * Each listed site's visitors today and by hour, for the sites list (as Plausible's and
 * Umami's show them): the dashboard's own read of "Today" in the site's time zone
 * (src/lib/server/stats/dashboard.ts, `readDashboard`), its totals and time series only,
 * a few sites at a time. A site whose read failed shows a dash, one whose indexes are
 * still being built the numbers indexed so far; each says why.
 */
import type { Couch } from '$lib/server/couch';
import type { SiteRecord } from '$lib/server/accounts/sites';
import { mapBounded } from '$lib/server/bounded';
import { logError } from '$lib/server/log';
import { readDashboard } from '$lib/server/stats/dashboard';
import type { DashboardData, TimeseriesPoint } from '$lib/stats/response';

/** A site's visitors today, or why they are not shown. */
export interface SiteToday {
	/** Visitors today; null when they could not be read (the page shows a dash). */
	visitors: number | null;
	/** Each hour of today in the site's zone, with its visitors; none when not read. */
	hours: Pick<TimeseriesPoint, 'period' | 'start' | 'visitors'>[];
	/** Why the numbers are missing or may be incomplete; null when they are whole. */
	note: string | null;
}

/** The numbers of the sites list: each site's by id, and when they were read (ms). */
export interface SitesToday {
	today: Record<string, SiteToday>;
	readAt: number;
}

/**
 * Sites read at once: each read is a dashboard's (a few view queries), and the machine
 * serves dashboards meanwhile.
 */
export const SITES_AT_ONCE = 4;

/** The note of a site whose numbers could not be read. */
export const NOT_READ = 'Its numbers could not be read just now; reload the page to try again.';

/** The note of a site whose indexes are still being built. */
export const STILL_INDEXING = 'Its indexes are still being built; the numbers may be incomplete.';

/**
 * Reads each site's visitors today, {@link SITES_AT_ONCE} at a time; never fails: a
 * site whose read failed has {@link NOT_READ} (the error is logged).
 * @param sites Sites the user may see (`listSites`), in the order shown.
 * @param now Clock (ms); default now.
 */
export async function readSitesToday(
	couch: Couch,
	sites: readonly Pick<SiteRecord, 'id' | 'name' | 'timeZone' | 'goals'>[],
	now = Date.now()
): Promise<SitesToday> {
	const today = await mapBounded(sites, SITES_AT_ONCE, (site) =>
		// No live stream starts from this page: the read skips the events' sequence, as a
		// dashboard's re-read does.
		readDashboard(couch, site, new URLSearchParams({ range: 'today' }), {
			now: () => now,
			sections: ['totals', 'timeseries'],
			reread: { latest: false }
		}).then(todayOf, (error) => {
			logError(`sites list: reading ${site.id} failed`, error);
			return todayOf(null);
		})
	);
	return { today: Object.fromEntries(sites.map((site, i) => [site.id, today[i]])), readAt: now };
}

/**
 * What the sites list shows of a dashboard's read of today: its visitors and their
 * hours, with a note while indexes are being built; a dash and why when a part, or the
 * whole read (`null`), failed.
 */
export function todayOf(
	read: Pick<DashboardData, 'totals' | 'timeseries' | 'indexing' | 'problem'> | null
): SiteToday {
	if (!read?.totals?.ok || !read.timeseries?.ok) {
		return { visitors: null, hours: [], note: read?.problem ?? NOT_READ };
	}
	return {
		visitors: read.totals.value.visitors,
		hours: read.timeseries.value.map(({ period, start, visitors }) => ({
			period,
			start,
			visitors
		})),
		note: read.indexing ? STILL_INDEXING : null
	};
}
