// key:   [site, granularity ('q' | 'h' | 'd' | 'w' | 'm' | 'y'), UTC bucket, from, path]
// value: null   (counted by _count)
//
// Page-to-page transitions: one row per pageview, and per revisit (a return to a page
// counted lately, no pageview but where the visitor went), keyed by the previous path of
// its session (`from`, which the tracker shares across tabs and clears after a 30-minute
// gap) and its own path; `from` is null for a pageview with no previous page (a
// session's entry). So a page's next pages are the rows with that `from`, its previous
// pages the rows with that `path` and its views the sum of the latter (its exits come from
// the `pages` view): a journey read costs O(distinct transitions in the range's buckets),
// never O(pageviews) (src/lib/stats/journeys.ts folds the rows).
//
// Weeks (keyed by their Monday) and years too, as in every view of many keys a bucket:
// a bucket holds every page pair seen in it, so a range of days read one bucket a day
// would read the same pairs once a day, and a long history one bucket a month
// (src/lib/stats/buckets.ts, `granularitiesOf`).
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// only `source:<src>`, the session's source, which every pageview of a session carries
// (a page or an event filter would keep part of a session's pageviews, and its
// transitions would not add up). Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview' || typeof doc.path !== 'string') return;
	var from = typeof doc.from === 'string' ? doc.from : null;
	var scopes = [doc.site];
	if (typeof doc.src === 'string') scopes.push([doc.site, 'source:' + doc.src]);
	var iso = new Date(doc.ts).toISOString();
	var day = Math.floor(doc.ts / 86400000);
	// Day 0 (1970-01-01) was a Thursday, 3 days past its week's Monday.
	var monday = new Date((day - ((((day + 3) % 7) + 7) % 7)) * 86400000).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['w', monday.slice(0, 10)],
		['m', iso.slice(0, 7)],
		['y', iso.slice(0, 4)]
	];
	for (var i = 0; i < scopes.length; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([scopes[i], buckets[b][0], buckets[b][1], from, doc.path], null);
		}
	}
};

export const reduce = '_count';
