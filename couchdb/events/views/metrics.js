// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), UTC bucket ('2026-11-21T14:45' | '2026-11-21T14' | '2026-11-21' | '2026-11')]
// value: [pageviews, visitors, newVisitors, sessions, actualSessions, engagedSessions,
//         nonbounceSessions, engagedTimeMs, events]   (summed element-wise by _sum)
//
// Every headline number in one row per bucket: a pageview counts once, and as a new
// visitor (firstOfDay and firstEver: the first pageview of a visitor's first day) and a
// session (entry) by its flags; a return to a page (revisit) is no pageview, but one that
// opens its session (entry: a session resumed on a page left open) counts the session;
// a visitor counts on the record that opens their day
// (`opensDay`: a pageview, an event or a return to a page; a pageview made before the
// flag, by `firstOfDay`), so that one whose only activity of a day was an event or a
// return is one of its visitors (an outside review read a 200 % conversion rate the day
// after a visit crossed midnight); milestones count actual / engaged / non-bounce
// sessions in the bucket of their session's start (since), where the session counts;
// heartbeats add engaged time, there too; events count.
// Each record is emitted four times, once per granularity (the `buckets` list, the one
// place naming them), so a range is read with the fewest buckets (see
// src/lib/stats/buckets.ts); quarter hours serve only the ends of ranges in zones such as
// Asia/Kolkata (+05:30) whose days do not start on a whole UTC hour. The order of the
// value is METRIC_FIELDS in src/lib/stats/metrics.ts. Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`
// (a return has none), their visitors counted by pageviews and events as before:
// - `source:<src>`: the record, as is, when its session has a source, a pageview
//   counting as a visitor of the source by `srcFirstOfDay` (`firstOfDay` without it);
// - `page:<path>`: the record on its page (a milestone on its session's landing page
//   `land`), a pageview counting as a visitor of the page by `pathFirstOfDay`;
//   in both, a visitor of the scope on their first day (firstEver) is a new one;
// - `event:<name>`: an event as one event, a session when first of its name in the
//   session, a visitor when first of its name in the visitor's day;
// - `prop:<name>|<key>=<value>`: an event with that prop value, the same way by its
//   `propFirstOfSession` and `propFirstOfDay` (the keys of its props first in the
//   session and the day; an event recorded before they existed is first of nothing).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	var v = [0, 0, 0, 0, 0, 0, 0, 0, 0];
	// The site's visitor of the day: their first activity that day (records.ts opensDay).
	var opensDay = doc.opensDay === true;
	if (doc.type === 'pageview') {
		// Made before the flag existed: the visitor's first pageview of the day.
		if (typeof doc.opensDay !== 'boolean') opensDay = doc.firstOfDay === true;
		if (doc.revisit === true) {
			// A return to a page is no pageview (a revisit, records.ts): it counts the visitor
			// whose day it opened and, when it opens its session (entry: the visitor came back
			// to a page left open after the session it was viewed in ended), that session,
			// never a pageview or a new visitor, whatever other flag it carries (an outside
			// security probe made pageviews and new visitors of forged ones).
			if (doc.entry === true) v[3] = 1;
			else if (!opensDay) return;
		} else {
			v[0] = 1;
			if (doc.firstOfDay === true) v[1] = 1;
			// Every pageview of a visitor's first day is flagged firstEver (before 2026-12-05
			// only the first, which is first of its day too).
			if (doc.firstEver === true && v[1]) v[2] = 1;
			if (doc.entry === true) v[3] = 1;
		}
	} else if (doc.type === 'milestone') {
		if (doc.milestone === 'actual') v[4] = 1;
		else if (doc.milestone === 'engaged') v[5] = 1;
		else if (doc.milestone === 'nonbounce') v[6] = 1;
		else return;
	} else if (doc.type === 'heartbeat') {
		if (typeof doc.engagedMs !== 'number' || !(doc.engagedMs > 0)) return;
		v[7] = doc.engagedMs;
	} else if (doc.type === 'event') {
		v[8] = 1;
	} else {
		return;
	}
	// A pageview counted as one (a return's flags count no visitor of a source or a page).
	var pageview = doc.type === 'pageview' && doc.revisit !== true;
	var siteRow = v.slice();
	siteRow[1] = opensDay ? 1 : 0;
	var rows = [[doc.site, siteRow]];
	if (typeof doc.src === 'string') {
		// A visitor of the source: first of the day in a session from it (without the flag,
		// a record made before it existed, first of the day).
		var fromSource = v.slice();
		if (pageview && typeof doc.srcFirstOfDay === 'boolean') {
			fromSource[1] = doc.srcFirstOfDay ? 1 : 0;
			fromSource[2] = doc.firstEver === true && doc.srcFirstOfDay ? 1 : 0;
		}
		rows.push([[doc.site, 'source:' + doc.src], fromSource]);
	}
	var page = doc.type === 'milestone' ? doc.land : doc.path;
	if (typeof page === 'string') {
		var onPage = v.slice();
		if (pageview) {
			onPage[1] = doc.pathFirstOfDay === true ? 1 : 0;
			onPage[2] = doc.firstEver === true && onPage[1] ? 1 : 0;
		}
		rows.push([[doc.site, 'page:' + page], onPage]);
	}
	if (doc.type === 'event' && typeof doc.name === 'string') {
		var first = [0, doc.firstOfDay === true ? 1 : 0, 0, doc.firstOfSession === true ? 1 : 0];
		rows.push([[doc.site, 'event:' + doc.name], first.concat([0, 0, 0, 0, 1])]);
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
		rows.push([props[p][0], [0, props[p][2], 0, props[p][1], 0, 0, 0, 0, 1]]);
	}
	// A milestone, and a heartbeat's engaged time, count where their session does: in the
	// bucket of the session's start, since before them (records.ts), so that a bucket's
	// actual, engaged and non-bounce sessions and engaged time are its sessions'; without
	// since, at their own time.
	var at = doc.ts;
	if (
		(doc.type === 'milestone' || doc.type === 'heartbeat') &&
		typeof doc.since === 'number' &&
		doc.since >= 0
	) {
		at = doc.ts - doc.since;
	}
	var iso = new Date(at).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	// A return counts its visitor in the site's own scope only; one that opens its session
	// counts the session in every scope, as an entry pageview does (source, landing page).
	var counted = doc.revisit === true && doc.entry !== true ? 1 : rows.length;
	for (var i = 0; i < counted; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([rows[i][0], buckets[b][0], buckets[b][1]], rows[i][1]);
		}
	}
};

export const reduce = '_sum';
