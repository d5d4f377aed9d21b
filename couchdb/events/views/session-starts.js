// key:   [site, session start ts, sid]
// value: null   (counted by _count)
//
// The session list: one row per session, emitted by its entry pageview, so a page of
// the newest sessions of a range is one read of `limit` rows, descending from the
// range's end (src/lib/server/sessions/read-sessions.ts). The cursor of the next page
// is the last row's key: a read starts there, never skips rows. The reduce counts a
// range's sessions. Each session's details come from `session-summary`. Bot-flagged
// records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview' || doc.entry !== true || typeof doc.sid !== 'string') return;
	emit([doc.site, doc.ts, doc.sid], null);
};

export const reduce = '_count';
