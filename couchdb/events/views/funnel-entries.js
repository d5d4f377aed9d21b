// key:   [site, 'event', name, ts, sid, _id]   for each event
//        [site, 'page', path, ts, sid, _id]    for each pageview
// value: null   (counted by _count)
//
// Where funnels start (src/lib/server/funnels/read-funnel.ts): the sessions that reached
// a funnel's first step in a range are one key-range read, [site, kind, target, start] …
// [site, kind, target, end], whatever else the range holds; a wildcard page step first
// lists the site's paths under its prefix (group_level=3, one row per distinct path).
// The record's _id ends the key so a read can resume after any row (the funnel's
// batches) and names the record a session entered the funnel by. The reduce counts the
// rows a funnel will read (its progress). Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.sid !== 'string' || typeof doc.path !== 'string') return;
	if (doc.type === 'pageview') {
		emit([doc.site, 'page', doc.path, doc.ts, doc.sid, doc._id], null);
	} else if (doc.type === 'event' && typeof doc.name === 'string') {
		emit([doc.site, 'event', doc.name, doc.ts, doc.sid, doc._id], null);
	}
};

export const reduce = '_count';
