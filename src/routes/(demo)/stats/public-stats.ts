/**
 * The numbers of the public /stats page: the demo site since tracking began — active
 * visitors now, pageviews, unique visitors, engaged time and engagement rate, views
 * by page with each page's title and type (post or page) resolved by slug — and the
 * published posts and pages counted from `content/`. Public by design: the demo site
 * is the app's own.
 */
import { listEntries, entryForPath } from '$lib/server/demo/content';
import type { Couch } from '$lib/server/couch';
import { DEMO_SITE, siteDocId, type SiteRecord } from '$lib/server/accounts/sites';
import { readSections, valueOf } from '$lib/server/stats/read-stats';
import { eventsSeq } from '$lib/server/stats/dashboard';
import { OTHER, type PageRow } from '$lib/stats/breakdowns';
import { breakdownNamed } from '$lib/stats/catalogue';
import type { Totals } from '$lib/stats/metrics';
import { localDate } from '$lib/stats/time-zone';
import { isPublicPath, publicRecord } from '$lib/server/demo/public-paths';
import type { LiveRecord } from '$lib/stats/active';
import { forNoClient } from '$lib/server/store-dispatch';

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
	/**
	 * Active visitors by page, none listed one by one (`sessions`), on a public page; their
	 * latest records as the public live stream sends them.
	 */
	activeNow: {
		visitors: number;
		byPath: (TitledPath & { visitors: number })[];
		sessions: [];
		latest: LiveRecord[];
	};
	pages: (TitledPath & { pageviews: number; visitors: number | null; engagedTimeMs: number })[];
	indexing: boolean;
	readAt: number;
	/** The events database's sequence before the numbers were read (DashboardData's `seq`). */
	seq: string;
}

/** Most rows in "views by page" (the rest are summed into "(other)"). */
const PAGE_LIMIT = 50;

/** The read of the public stats under way, if any. */
let running: Promise<PublicStats> | undefined;
/** The read that begins once it ends, shared by every request that came meanwhile. */
let next: Promise<PublicStats> | undefined;

/**
 * The public stats as every anonymous request gets them: one read at a time. A request
 * that comes while a read runs shares the read that begins when that one ends, so its
 * answer is never older than the request (a live push re-reads them, and must see the
 * record it was told of). Anyone may ask, as often as they like, and a read costs one
 * row per page viewed on the demo site, which anyone can add to (an outside review: 8
 * requests at once took 15 s each).
 */
export function sharedPublicStats(
	couch: Couch,
	now: () => number = Date.now
): Promise<PublicStats> {
	if (!running) return begin(couch, now);
	const after = () => {
		next = undefined;
		return begin(couch, now);
	};
	next ??= running.then(after, after);
	return next;
}

function begin(couch: Couch, now: () => number): Promise<PublicStats> {
	// Every request that asks meanwhile shares it: no one client's leaving ends it
	// (store-dispatch.ts).
	const read = forNoClient(() => readPublicStats(couch, now));
	running = read;
	const end = () => {
		if (running === read) running = undefined;
	};
	read.then(end, end);
	return read;
}

/** Reads the public stats of the demo site. */
export async function readPublicStats(
	couch: Couch,
	now: () => number = Date.now
): Promise<PublicStats> {
	const at = now();
	const site = (await couch.sites.get(siteDocId(DEMO_SITE))) as SiteRecord;
	// Before the numbers: the page's live stream starts from it (DashboardData's `seq`).
	const seq = await eventsSeq(couch);
	const tz = site.timeZone;
	const today = localDate(at, tz);
	const read = await readSections(
		couch,
		{
			site: DEMO_SITE,
			range: { from: today, to: today, tz },
			fromFirstRecord: true,
			limit: PAGE_LIMIT
		},
		{ now: () => at, sections: ['totals', 'breakdowns', 'activeNow', 'trackingSince'] }
	);
	// The page is one read: any section that failed fails it.
	const active = valueOf(read.activeNow);
	return {
		site: DEMO_SITE,
		timeZone: tz,
		trackingSince: valueOf(read.trackingSince),
		from: read.range.from,
		to: read.range.to,
		totals: valueOf(read.totals),
		published: { posts: listEntries('post').length, pages: listEntries('page').length },
		activeNow: {
			visitors: active.visitors,
			byPath: active.byPath
				.filter((row) => isPublicPath(row.path))
				.map((row) => ({ ...titled(row.path), visitors: row.visitors })),
			sessions: [],
			latest: active.latest.map(publicRecord)
		},
		pages: publicRows(valueOf(read.breakdowns).pages).map((row) => ({
			...titled(row.path),
			pageviews: row.pageviews,
			visitors: row.visitors,
			engagedTimeMs: row.engagedTimeMs
		})),
		indexing: read.indexing,
		readAt: at,
		seq
	};
}

/**
 * The pages breakdown with the paths the page may show (`public-paths.ts`); the others'
 * counts join the "(other)" row so the column still adds up to the total.
 */
function publicRows(rows: PageRow[]): PageRow[] {
	const hidden = rows.filter((row) => !isPublicPath(row.path));
	if (hidden.every((row) => row.path === OTHER)) return rows;
	const kept = rows.filter((row) => isPublicPath(row.path));
	return [...kept, breakdownNamed('pages').other(hidden)];
}

/** A path with the title and type of the entry served there, by slug. */
export function titled(path: string): TitledPath {
	const entry = entryForPath(path);
	if (entry) return { path, title: entry.title, kind: entry.kind };
	if (path === OTHER) return { path, title: 'Other pages', kind: 'other' };
	return { path, title: path === '/' ? 'Home' : path, kind: 'other' };
}
