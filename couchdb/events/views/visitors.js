// key:   [site, granularity ('h' | 'd' | 'm'), UTC bucket, 'new' | 'returning']
// value: [sessions, visitors]   (summed by _sum)
//
// New and returning visitors. A visitor is new on the day of their first pageview ever
// (`firstEver`) and returning on any later day; a session is new when it opens with that
// first pageview. Like the dimensions view, `sessions` counts entry pageviews and
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
	for (var i = 0; i < rows.length; i++) {
		emit([rows[i], 'h', iso.slice(0, 13), kind], v);
		emit([rows[i], 'd', iso.slice(0, 10), kind], v);
		emit([rows[i], 'm', iso.slice(0, 7), kind], v);
	}
};

export const reduce = '_sum';
