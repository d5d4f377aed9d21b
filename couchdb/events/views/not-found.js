// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), UTC bucket, path, from]
// value: null   (counted by _count)
//
// 404 pages: pageviews the page flagged `notFound`, by the missing path and where the
// visitor came from: the previous path of the session (`from`), or for a session's entry
// pageview its source (`src`: sourceOf in src/lib/records.ts; for a record made before
// records carried it, the host of its external referrer, or '(direct)').
// Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// `source:<src>` (the session's source) and `page:<path>` (the missing path). Events are
// never 404 pageviews, so there are no `event:` rows.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview' || doc.notFound !== true || typeof doc.path !== 'string') return;
	if (doc.revisit === true) return;
	var from = '(direct)';
	var match =
		typeof doc.ref === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/([^/?#:@]+)/i.exec(doc.ref) : null;
	if (typeof doc.from === 'string') from = doc.from;
	else if (typeof doc.src === 'string') from = doc.src;
	else if (match) from = match[1].toLowerCase().replace(/^www\./, '');
	var rows = [doc.site, [doc.site, 'page:' + doc.path]];
	if (typeof doc.src === 'string') rows.push([doc.site, 'source:' + doc.src]);
	var iso = new Date(doc.ts).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	for (var i = 0; i < rows.length; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([rows[i], buckets[b][0], buckets[b][1], doc.path, from], null);
		}
	}
};

export const reduce = '_count';
