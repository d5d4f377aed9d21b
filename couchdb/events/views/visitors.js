// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), UTC bucket, 'new' | 'returning']
// value: [sessions, visitors]   (summed by _sum)
//
// New and returning visitors. A visitor is new on the day of their first pageview ever
// (`firstEver`, set on every pageview of that day) and returning on any later day, and
// so are their sessions (before 2026-12-05 `firstEver` was set on the first pageview
// only: a second session that day read as "Returning: 0 visitors, 1 session"). Like the
// dimensions view, `sessions` counts entry pageviews (and entry returns: a session
// resumed on a page left open) and `visitors` first-of-day
// pageviews, so both sum to the headline numbers (but for a visitor whose only records
// of a day are events or returns, whom the headline counts by opensDay: metrics.js),
// and the new visitors are the headline's `newVisitors`. Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, 'source:<src>']` in place of
// `site` for a session with a source, a visitor counting by `srcFirstOfDay` as in
// `metrics`. No page or event rows: a visitor is new by their first pageview, whichever
// page it was, and events carry no such flag.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview') return;
	var kind = doc.firstEver === true ? 'new' : 'returning';
	var rows = [[doc.site, [doc.entry === true ? 1 : 0, doc.firstOfDay === true ? 1 : 0]]];
	if (typeof doc.src === 'string') {
		// A visitor of the source: first of the day in a session from it, as in the metrics view
		// (without the flag, a record made before it existed, first of the day).
		var fromSource = typeof doc.srcFirstOfDay === 'boolean' ? doc.srcFirstOfDay : doc.firstOfDay;
		rows.push([
			[doc.site, 'source:' + doc.src],
			[rows[0][1][0], fromSource === true ? 1 : 0]
		]);
	}
	var iso = new Date(doc.ts).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	for (var i = 0; i < rows.length; i++) {
		if (!rows[i][1][0] && !rows[i][1][1]) continue;
		for (var b = 0; b < buckets.length; b++) {
			emit([rows[i][0], buckets[b][0], buckets[b][1], kind], rows[i][1]);
		}
	}
};

export const reduce = '_sum';
