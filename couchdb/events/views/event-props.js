// key:   [site, granularity ('q' | 'h' | 'd' | 'w' | 'm' | 'y'), UTC bucket, event name, prop key, prop value]
// value: null   (counted by _count)
//
// Events by a chosen prop: one row per prop of each event, the value as a string
// (`true`, `42`, `pro`). Query one event name's rows to break it down by its props.
// Bot-flagged records count nowhere. Filtered rows (src/lib/stats/filters.ts) repeat
// each row with `[site, filter key]` in place of `site`, as the events view does: under
// each `prop:<name>|<key>=<value>` of the event, all its props' rows (k² rows for an
// event with k props).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'event' || typeof doc.name !== 'string') return;
	if (!doc.props || typeof doc.props !== 'object') return;
	var scopes = [doc.site, [doc.site, 'event:' + doc.name]];
	if (typeof doc.src === 'string') scopes.push([doc.site, 'source:' + doc.src]);
	if (typeof doc.path === 'string') scopes.push([doc.site, 'page:' + doc.path]);
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
	for (var p = 0; p < props.length; p++) scopes.push(props[p][0]);
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
	for (var key in doc.props) {
		if (!Object.prototype.hasOwnProperty.call(doc.props, key)) continue;
		var value = doc.props[key];
		if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
			continue;
		}
		for (var s = 0; s < scopes.length; s++) {
			for (var i = 0; i < buckets.length; i++) {
				emit([scopes[s], buckets[i][0], buckets[i][1], doc.name, key, String(value)], null);
			}
		}
	}
};

export const reduce = '_count';
