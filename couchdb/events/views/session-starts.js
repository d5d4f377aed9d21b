// key:   [site, session start ts, sid], and [[site, filterKey], ts, sid] per filter
// value: null   (counted by _count)
//
// The session list: one row per session, emitted by its entry pageview (or, for a
// session resumed on a page left open, the return it opens with), so a page of
// the newest sessions of a range is one read of `limit` rows, descending from the
// range's end (src/lib/server/sessions/read-sessions.ts). The cursor of the next page
// is the last row's key: a read starts there, never skips rows. Each session's details
// come from `session-summary`; the list's total is the `metrics` view's sessions for the
// same range and filter, so the reduce here serves no read (it counts the rows).
// Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`,
// each where `metrics` counts the same session under that filter, so a filtered page is
// one read of `limit` rows too, and its rows are the ones the filtered total counts:
// - `source:<src>` and `page:<path>`: the entry pageview, at the session's start, under
//   its source and its path (the sessions from that source, that landed on that page);
// - `event:<name>`: the event record flagged first of its name in the session
//   (`firstOfSession`), at the event's own time: the sessions that fired it, ordered by
//   when they first fired it (a session may have started before the range);
// - `prop:<name>|<key>=<value>`: the same, by the event record whose
//   `propFirstOfSession` names the key (the session's first firing of that value).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.sid !== 'string') return;
	if (doc.type === 'pageview' && doc.entry === true) {
		emit([doc.site, doc.ts, doc.sid], null);
		if (typeof doc.src === 'string') emit([[doc.site, 'source:' + doc.src], doc.ts, doc.sid], null);
		if (typeof doc.path === 'string') emit([[doc.site, 'page:' + doc.path], doc.ts, doc.sid], null);
	} else if (doc.type === 'event' && doc.firstOfSession === true && typeof doc.name === 'string') {
		emit([[doc.site, 'event:' + doc.name], doc.ts, doc.sid], null);
	}
	// prop:<name>|<key>=<value>, each prop of an event (a name without |, a key
	// without | or =, so that the scope names one prop), with its first flags.
	var props = [];
	if (doc.type === 'event' && typeof doc.name === 'string' && doc.name.indexOf('|') < 0) {
		var own = doc.props && typeof doc.props === 'object' ? doc.props : {};
		for (var pk in own) {
			var pv = own[pk];
			if (!Object.prototype.hasOwnProperty.call(own, pk) || /[|=]/.test(pk)) continue;
			if (typeof pv !== 'string' && typeof pv !== 'number' && typeof pv !== 'boolean') continue;
			props.push([
				[doc.site, 'prop:' + doc.name + '|' + pk + '=' + String(pv)],
				Array.isArray(doc.propFirstOfSession) && doc.propFirstOfSession.indexOf(pk) >= 0 ? 1 : 0,
				Array.isArray(doc.propFirstOfDay) && doc.propFirstOfDay.indexOf(pk) >= 0 ? 1 : 0
			]);
		}
	}
	for (var p = 0; p < props.length; p++) {
		if (props[p][1]) emit([props[p][0], doc.ts, doc.sid], null);
	}
};

export const reduce = '_count';
