/**
 * The numbers of the public /stats page: the demo site since tracking began — active
 * visitors now, pageviews, unique visitors, engaged time and engagement rate, views
 * by page with each page's title and type (post or page) resolved by slug — and the
 * published posts and pages counted from `content/`. Public by design: the demo site
 * is the app's own.
 */
import { listEntries, entryForPath } from '$lib/server/content/content';
import type { Couch } from '$lib/server/couch';
import { siteDocId, type SiteRecord } from '$lib/server/sites';
import {
	readActiveNow,
	readBreakdowns,
	readSums,
	readTrackingSince
} from '$lib/server/stats/read-stats';
import { createViewReader } from '$lib/server/stats/view-reader';
import { OTHER, sum, type PageRow } from '$lib/stats/breakdowns';
import { totalsFrom, type Totals } from '$lib/stats/metrics';
import { localDate } from '$lib/stats/time-zone';
import { isPrivatePath } from './private-paths';

/** The site the public page shows. */
export const PUBLIC_SITE = 'demo';

/** A page of the site with its title and type. */
export interface TitledPath {
	path: string;
	title: string;
	/** `post` or `page` from `content/`; `other` for the app's own routes. */
	kind: 'post' | 'page' | 'other';
}

/** What /stats shows. */
export interface PublicStats {
	site: string;
	timeZone: string;
	trackingSince: string | null;
	/** Local dates the totals cover. */
	from: string;
	to: string;
	totals: Totals;
	published: { posts: number; pages: number };
	activeNow: { visitors: number; byPath: (TitledPath & { visitors: number })[] };
	pages: (TitledPath & { pageviews: number; visitors: number; engagedTimeMs: number })[];
	indexing: boolean;
	readAt: number;
}

/** Most rows in "views by page" (the rest are summed into "(other)"). */
const PAGE_LIMIT = 50;

/** Reads the public stats of the demo site. */
export async function readPublicStats(
	couch: Couch,
	now: () => number = Date.now
): Promise<PublicStats> {
	const at = now();
	const site = (await couch.sites.get(siteDocId(PUBLIC_SITE))) as SiteRecord;
	const tz = site.timeZone;
	const reader = createViewReader(couch);
	const since = await readTrackingSince(reader, PUBLIC_SITE);
	const to = localDate(at, tz);
	// A browser clock slightly ahead may date the first record after "today".
	const first = since ? localDate(Date.parse(since), tz) : to;
	const range = { from: first < to ? first : to, to, tz };

	const [sums, breakdowns, active] = await Promise.all([
		readSums(reader, PUBLIC_SITE, range),
		readBreakdowns(reader, { site: PUBLIC_SITE, range, limit: PAGE_LIMIT }),
		readActiveNow(reader, PUBLIC_SITE, at)
	]);
	return {
		site: PUBLIC_SITE,
		timeZone: tz,
		trackingSince: since,
		from: range.from,
		to: range.to,
		totals: totalsFrom(sums),
		published: { posts: listEntries('post').length, pages: listEntries('page').length },
		activeNow: {
			visitors: active.visitors,
			byPath: active.byPath
				.filter((row) => !isPrivatePath(row.path))
				.map((row) => ({ ...titled(row.path), visitors: row.visitors }))
		},
		pages: publicRows(breakdowns.pages).map((row) => ({
			...titled(row.path),
			pageviews: row.pageviews,
			visitors: row.visitors,
			engagedTimeMs: row.engagedTimeMs
		})),
		indexing: reader.indexing,
		readAt: at
	};
}

/**
 * The pages breakdown without private paths; their counts join the "(other)" row so
 * the column still adds up to the total.
 */
function publicRows(rows: PageRow[]): PageRow[] {
	const hidden = rows.filter((row) => isPrivatePath(row.path));
	if (!hidden.length) return rows;
	const kept = rows.filter((row) => !isPrivatePath(row.path) && row.path !== OTHER);
	const other = [...hidden, ...rows.filter((row) => row.path === OTHER)];
	return [
		...kept,
		{
			path: OTHER,
			pageviews: sum(other, (r) => r.pageviews),
			visitors: sum(other, (r) => r.visitors),
			engagedTimeMs: sum(other, (r) => r.engagedTimeMs),
			entries: sum(other, (r) => r.entries),
			exits: sum(other, (r) => r.exits)
		}
	];
}

/** A path with the title and type of the entry served there, by slug. */
export function titled(path: string): TitledPath {
	const entry = entryForPath(path);
	if (entry) return { path, title: entry.title, kind: entry.kind };
	if (path === OTHER) return { path, title: 'Other pages', kind: 'other' };
	return { path, title: path === '/' ? 'Home' : path, kind: 'other' };
}
