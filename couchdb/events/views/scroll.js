// key:   [site, granularity ('q' | 'h' | 'd' | 'w' | 'm' | 'y'), UTC bucket, path]
// value: [pageviews, depthSum, reached25, reached50, reached75, reached100]   (summed by _sum)
//
// Scroll depth per path. A pageview counts in `pageviews`, and so does a revisit (a
// return to a page counted lately, whose depth starts anew): they are the page views the
// heartbeats report depths of, so a page's Views here may exceed its pageviews. A heartbeat carries the
// deepest scroll position of its page view so far (`scroll`, 0–100) and the one the page
// view's previous heartbeat reported (`scrollFrom`, 0 for its first), so it adds what the
// page view gained since: `depthSum` sums to the deepest scroll of each page view, and
// `reachedN` counts a page view once, in the heartbeat that first reported a depth ≥ N.
// Average depth = depthSum ÷ pageviews (a page view without heartbeats counts as 0 %).
// Heartbeats without `scrollFrom` (made before it existed) count nowhere here.
// Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// `source:<src>` (the session's source) and `page:<path>` (the page's own row). Events
// have no scroll depth, so there are no `event:` rows.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.path !== 'string') return;
	var v;
	if (doc.type === 'pageview') {
		v = [1, 0, 0, 0, 0, 0];
	} else if (doc.type === 'heartbeat') {
		var to = doc.scroll;
		var from = doc.scrollFrom;
		if (typeof to !== 'number' || typeof from !== 'number' || !(to > from) || from < 0) return;
		if (to > 100) to = 100;
		v = [0, to - from];
		var marks = [25, 50, 75, 100];
		for (var m = 0; m < marks.length; m++) v.push(from < marks[m] && to >= marks[m] ? 1 : 0);
	} else {
		return;
	}
	var rows = [doc.site, [doc.site, 'page:' + doc.path]];
	if (typeof doc.src === 'string') rows.push([doc.site, 'source:' + doc.src]);
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
	for (var i = 0; i < rows.length; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([rows[i], buckets[b][0], buckets[b][1], doc.path], v);
		}
	}
};

export const reduce = '_sum';
