// key:   [site, granularity ('q' | 'h' | 'd' | 'w' | 'm' | 'y'), UTC bucket, path]
// value: [pageviews, visitors, engagedTimeMs, entries, departures, returns]   (summed by _sum)
//
// Per path: pageviews; visitors (pageviews flagged pathFirstOfDay: the visitor's first
// view of this path that day); engaged time (heartbeats on the path); entries (entry
// pageviews and returns: sessions that started here); departures (pageviews and returns
// that left this path: the visitor went on to another page, and the page stopped being
// the session's last; by `left`, the session's last page when another tab had moved on,
// else `from`, so a page left to two tabs departs once); returns (revisits: back to the
// page, counted lately, from another, or to the page left open that a resumed session
// opens on, an entry, which are no pageviews). Exits = pageviews + returns −
// departures, so exit pages cost no per-session work. Rows written before returns
// existed have five elements (no returns). Bot-flagged records count nowhere.
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// `source:<src>` repeats every row of a session with a source, a pageview counting as a
// visitor of its page by `srcPathFirstOfDay`; `page:<path>` repeats
// each path's own row; `event:<name>` has one row per event, on the page it fired on,
// counted in the pageviews place, and so has `prop:<name>|<key>=<value>` for each of its
// props.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (typeof doc.path !== 'string') return;
	var rows = [];
	var event = doc.type === 'event' && typeof doc.name === 'string';
	// The page a pageview or a return departs: the session's last page it ends as the exit
	// (left, when another tab had moved on), else the page it came from.
	var left = typeof doc.left === 'string' ? doc.left : doc.from;
	if (event) {
		rows.push([doc.path, [1, 0, 0, 0, 0]]);
	} else if (doc.type === 'pageview' && doc.revisit === true) {
		// An entry too when it opens its session (a session resumed on a page left open).
		rows.push([doc.path, [0, 0, 0, doc.entry === true ? 1 : 0, 0, 1]]);
		if (typeof left === 'string') rows.push([left, [0, 0, 0, 0, 1]]);
	} else if (doc.type === 'pageview') {
		rows.push([
			doc.path,
			[1, doc.pathFirstOfDay === true ? 1 : 0, 0, doc.entry === true ? 1 : 0, 0]
		]);
		if (typeof left === 'string') rows.push([left, [0, 0, 0, 0, 1]]);
	} else if (doc.type === 'heartbeat') {
		if (typeof doc.engagedMs !== 'number' || !(doc.engagedMs > 0)) return;
		rows.push([doc.path, [0, 0, doc.engagedMs, 0, 0]]);
	} else {
		return;
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
	var iso = new Date(doc.ts).toISOString();
	var day = Math.floor(doc.ts / 86400000);
	// Day 0 (1970-01-01) was a Thursday, 3 days past its week's Monday.
	var monday = new Date((day - ((((day + 3) % 7) + 7) % 7)) * 86400000).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['w', monday.slice(0, 10)],
		['m', iso.slice(0, 7)],
		['y', iso.slice(0, 4)]
	];
	// A visitor of the page under the session's source: the first view of it that day in a
	// session from it (without the flag, a record made before it existed, pathFirstOfDay).
	var source = !event && typeof doc.src === 'string' ? [doc.site, 'source:' + doc.src] : null;
	var ownFromSource = rows[0][1];
	if (source && doc.type === 'pageview' && typeof doc.srcPathFirstOfDay === 'boolean') {
		ownFromSource = ownFromSource.slice();
		ownFromSource[1] = doc.srcPathFirstOfDay && doc.revisit !== true ? 1 : 0;
	}
	for (var j = 0; j < rows.length; j++) {
		var scopes = event
			? [[doc.site, 'event:' + doc.name]]
			: [doc.site, [doc.site, 'page:' + rows[j][0]]];
		for (var p = 0; event && p < props.length; p++) scopes.push(props[p][0]);
		if (source) scopes.push(source);
		for (var k = 0; k < scopes.length; k++) {
			var value = scopes[k] === source && j === 0 ? ownFromSource : rows[j][1];
			for (var i = 0; i < buckets.length; i++) {
				emit([scopes[k], buckets[i][0], buckets[i][1], rows[j][0]], value);
			}
		}
	}
};

export const reduce = '_sum';
