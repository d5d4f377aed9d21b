// key:   [site, sid, ts, _id]
// value: { type, path, name?, props?, milestone?, engagedMs?, scroll?, title?, from? }
//
// A session's timeline: every pageview, event, milestone and heartbeat of one session in
// time order, read as the key range [site, sid] … [site, sid, {}] (the record's _id
// orders records of the same millisecond and lets a long timeline be read in pages).
// The value holds what the timeline shows, so no document is fetched; never the visitor
// id or anything the record does not carry. Read with reduce=false; the reduce counts a
// session's records, as every view of the project has a built-in one.
// Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.sid !== 'string' || typeof doc.path !== 'string' || doc.type === 'dropped') {
		return;
	}
	var value = { type: doc.type, path: doc.path };
	var fields = ['name', 'props', 'milestone', 'engagedMs', 'scroll', 'title', 'from', 'revisit'];
	for (var i = 0; i < fields.length; i++) {
		if (doc[fields[i]] !== undefined && doc[fields[i]] !== null) {
			value[fields[i]] = doc[fields[i]];
		}
	}
	emit([doc.site, doc.sid, doc.ts, doc._id], value);
};

export const reduce = '_count';
