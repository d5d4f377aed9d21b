// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), trail, UTC bucket, path]
// value: null   (counted by _count)
//
// Paths from entry: one row per pageview that carries a `trail` (a session's first four
// pageviews; the tracker and the importer set it by src/lib/classify/rules.ts), keyed by
// the paths before it in its session (`[]` for the entry) and its own path. The trail is
// one key element (an array) before the bucket, so the pages after a path prefix are one
// key range per granularity — `[site, g, trail, first bucket]` to `[site, g, trail, last
// bucket, {}]` — that reads O(buckets × pages after the prefix), whatever else the
// sessions did (src/lib/stats/paths.ts folds the rows). The entries are the rows of trail
// `[]`: the sessions that began in the range.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// only `source:<src>`, the session's source, which every pageview of a session carries.
// Pageviews recorded before trails existed carry none and count nowhere here.
// Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview' || typeof doc.path !== 'string' || !Array.isArray(doc.trail)) {
		return;
	}
	var scopes = [doc.site];
	if (typeof doc.src === 'string') scopes.push([doc.site, 'source:' + doc.src]);
	var iso = new Date(doc.ts).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	for (var i = 0; i < scopes.length; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([scopes[i], buckets[b][0], doc.trail, buckets[b][1], doc.path], null);
		}
	}
};

export const reduce = '_count';
