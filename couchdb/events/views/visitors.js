// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), UTC bucket, 'new' | 'returning']
// value: [sessions, visitors]   (summed by _sum)
//
// New and returning visitors. A visitor is new on the day of their first pageview ever
// (`firstEver`, set on every pageview of that day) and returning on any later day, and
// so are their sessions (before 2026-12-05 `firstEver` was set on the first pageview
// only: a second session that day read as "Returning: 0 visitors, 1 session"). Like the dimensions view, `sessions` counts entry pageviews and
// `visitors` first-of-day pageviews, so both sum to the headline numbers, and the new
// visitors are the headline's `newVisitors`. Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, 'source:<src>']` in place of
// `site` for a session with a source. No page or event rows: a visitor is new by their
// first pageview, whichever page it was, and events carry no such flag.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview') return;
	var v = [doc.entry === true ? 1 : 0, doc.firstOfDay === true ? 1 : 0];
	if (!v[0] && !v[1]) return;
	var kind = doc.firstEver === true ? 'new' : 'returning';
	var rows = [doc.site];
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
			emit([rows[i], buckets[b][0], buckets[b][1], kind], v);
		}
	}
};

export const reduce = '_sum';
