// key:   [site, sid, 'at']                  value: ts of every record but `dropped`
//        [site, sid, 'entry', [path, src, device, browser, country, firstEver]]
//                                           value: ts of the entry pageview (or return)
//        [site, sid, 'page', path]          value: ts of each pageview
//        [site, sid, 'return', path]        value: ts of each revisit (back to a page)
//        [site, sid, 'event']               value: ts of each event
//        [site, sid, 'engaged']             value: engagedMs of each heartbeat
//        [site, sid, 'milestone', name]     value: ts of the milestone
// value: as listed per key above   (min, max, count and sum by _stats)
//
// One session's summary is one read: the key range [site, sid] … [site, sid, {}] with
// group_level=4 returns a row per kind and per distinct page (keys shorter than the
// group level are grouped whole), so a summary costs 5 + the session's distinct pages
// rows, however many records it holds. `at` gives start (min) and end (max), `page`
// the pageviews per path (count) and, with `return`, the exit page (greatest max), `engaged` the
// engaged time (sum), `milestone` the actual / engaged / non-bounce flags. Bot-flagged
// records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.sid !== 'string' || doc.type === 'dropped') return;
	var s = [doc.site, doc.sid];
	emit(s.concat(['at']), doc.ts);
	if (doc.type === 'pageview' && typeof doc.path === 'string') {
		emit(s.concat([doc.revisit === true ? 'return' : 'page', doc.path]), doc.ts);
		// A return opens its session when the session resumed on a page left open.
		if (doc.entry === true) {
			var src = typeof doc.src === 'string' ? doc.src : null;
			var str = function (v) {
				return typeof v === 'string' ? v : null;
			};
			var entry = [doc.path, src, str(doc.device), str(doc.browser), str(doc.country)];
			emit(s.concat(['entry', entry.concat([doc.firstEver === true])]), doc.ts);
		}
	} else if (doc.type === 'event') {
		emit(s.concat(['event']), doc.ts);
	} else if (doc.type === 'heartbeat') {
		if (typeof doc.engagedMs === 'number' && doc.engagedMs > 0) {
			emit(s.concat(['engaged']), doc.engagedMs);
		}
	} else if (doc.type === 'milestone' && typeof doc.milestone === 'string') {
		emit(s.concat(['milestone', doc.milestone]), doc.ts);
	}
};

export const reduce = '_stats';
