// key:   [site, UTC minute ('2026-11-21T14:05'), session id, path]
// value: ts   (_stats: the group's max is the session's latest activity on that path)
//
// Active now: query the last three minute buckets with group_level=4; each session's
// current path is the group with the latest `max`, and sessions whose latest activity
// is more than 2 minutes old are left out. Reads only the rows of those few minutes.
// Every record type but `dropped` shows activity. Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type === 'dropped' || typeof doc.sid !== 'string' || typeof doc.path !== 'string') {
		return;
	}
	emit([doc.site, new Date(doc.ts).toISOString().slice(0, 16), doc.sid, doc.path], doc.ts);
};

export const reduce = '_stats';
