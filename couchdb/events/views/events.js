// key:   [site, granularity ('h' | 'd' | 'm'), UTC bucket, event name]
// value: null   (counted by _count)
//
// Events by name. Bot-flagged records count nowhere. Filtered rows
// (src/lib/stats/filters.ts) repeat each event with `[site, filter key]` in place of
// `site`: `source:<src>` (its session's source), `page:<path>` (the page it fired on)
// and `event:<name>`.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'event' || typeof doc.name !== 'string') return;
	var scopes = [doc.site, [doc.site, 'event:' + doc.name]];
	if (typeof doc.src === 'string') scopes.push([doc.site, 'source:' + doc.src]);
	if (typeof doc.path === 'string') scopes.push([doc.site, 'page:' + doc.path]);
	var iso = new Date(doc.ts).toISOString();
	for (var i = 0; i < scopes.length; i++) {
		emit([scopes[i], 'h', iso.slice(0, 13), doc.name], null);
		emit([scopes[i], 'd', iso.slice(0, 10), doc.name], null);
		emit([scopes[i], 'm', iso.slice(0, 7), doc.name], null);
	}
};

export const reduce = '_count';
