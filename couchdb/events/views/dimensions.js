// key:   [site, granularity ('q' | 'h' | 'd' | 'w' | 'm' | 'y'), UTC bucket, dimension, value]
// value: [sessions, visitors]   (summed by _sum)
//
// Where sessions come from and what they run on. Dimensions: referrer (the session's
// source `src`: its entry's utm_source, else its referrer's host, or '(direct)'; a record
// made before records carried `src`, the host of its entry's referrer), utm_source, utm_medium, utm_campaign (entry pageviews only), browser, os,
// device, country, screen (every entry or first-of-day pageview, '(unknown)' when the
// ingest could not tell). `sessions` counts entry pageviews (and the return a session
// resumed on a page left open opens with, `entry` too), `visitors` first-of-day
// pageviews, so both sum to the headline numbers (but for a visitor whose only records of
// a day are events or returns, whom the headline counts by opensDay: metrics.js); but by
// referrer and UTM, `visitors`
// counts the first pageview of a visitor's day in a session from that source
// (`srcFirstOfDay`), so that a visitor who came twice in a day from two sources is a
// visitor of each (an outside review: three people from one source were counted as two).
// Bot-flagged records count nowhere.
//
// Host (the page's host, `host`, a site on several hosts): `sessions` counts the
// sessions that started on it, `visitors` the visitors who viewed it that day
// (`hostFirstOfDay`), so a visitor of two hosts is a visitor of each. In the site's own
// scope only: no filter keeps host rows, so that they cost one row per bucket of an entry
// pageview or a visitor's first pageview of a host that day (issue 11).
//
// Filtered rows (src/lib/stats/filters.ts) have `[site, filter key]` in place of `site`:
// `source:<src>` repeats the rows of a session with a source, its visitors by
// `srcFirstOfDay`; `page:<path>` counts the
// sessions that landed on the page and its visitors (`pathFirstOfDay`); `event:<name>`
// counts the sessions and visitors that fired the event (its `firstOfSession` and
// `firstOfDay`) by their source, browser, OS and device (events carry no country or
// screen), and `prop:<name>|<key>=<value>` those that fired it with that prop value
// (`propFirstOfSession`, `propFirstOfDay`).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
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
	// Each scope: its key, its value for the technology rows and its value for the rows of
	// where a session came from (referrer, UTM), which differ in the site's own scope only.
	var scopes = [];
	// Each dimension: its name, its value, and whether it says where a session came from.
	var dims = [];
	var fields = ['browser', 'os', 'device', 'country', 'screen'];
	// The page's host: its own rows, in the site's own scope only (see above).
	var hostRow = null;
	if (doc.type === 'pageview') {
		var entry = doc.entry === true ? 1 : 0;
		var hostFirst = doc.hostFirstOfDay === true ? 1 : 0;
		if (typeof doc.host === 'string' && (entry || hostFirst)) hostRow = [entry, hostFirst];
		var firstOfDay = doc.firstOfDay === true ? 1 : 0;
		var pathFirst = doc.pathFirstOfDay === true ? 1 : 0;
		// A visitor of the session's source: first of the day in a session from it (a
		// record made before the flag existed: first of the day).
		var srcFirst =
			typeof doc.srcFirstOfDay === 'boolean' ? (doc.srcFirstOfDay ? 1 : 0) : firstOfDay;
		if (entry || firstOfDay || srcFirst) {
			scopes.push([doc.site, [entry, firstOfDay], [entry, srcFirst]]);
		}
		if ((entry || srcFirst) && typeof doc.src === 'string') {
			scopes.push([
				[doc.site, 'source:' + doc.src],
				[entry, srcFirst],
				[entry, srcFirst]
			]);
		}
		if ((entry || pathFirst) && typeof doc.path === 'string') {
			scopes.push([
				[doc.site, 'page:' + doc.path],
				[entry, pathFirst],
				[entry, pathFirst]
			]);
		}
		if (entry) {
			// The session's source (sourceOf in src/lib/records.ts: its utm_source, else its
			// referrer's host, grouped), or for a record made before records carried it, the
			// host of its referrer.
			var host = '(direct)';
			var match =
				typeof doc.ref === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/([^/?#:@]+)/i.exec(doc.ref) : null;
			if (typeof doc.src === 'string') host = doc.src;
			else if (match) host = match[1].toLowerCase().replace(/^www\./, '');
			dims.push(['referrer', host, true]);
			var utm = doc.utm && typeof doc.utm === 'object' ? doc.utm : {};
			if (typeof utm.source === 'string') dims.push(['utm_source', utm.source, true]);
			if (typeof utm.medium === 'string') dims.push(['utm_medium', utm.medium, true]);
			if (typeof utm.campaign === 'string') dims.push(['utm_campaign', utm.campaign, true]);
		} else if (typeof doc.src === 'string') {
			// A visitor's first view of the day or of a page later in a session: its
			// session's source, so that a page's visitors have their referrers too.
			dims.push(['referrer', doc.src, true]);
		}
	} else if (doc.type === 'event' && typeof doc.name === 'string') {
		var value = [doc.firstOfSession === true ? 1 : 0, doc.firstOfDay === true ? 1 : 0];
		if (value[0] || value[1]) scopes.push([[doc.site, 'event:' + doc.name], value, value]);
		for (var p = 0; p < props.length; p++) {
			var converted = [props[p][1], props[p][2]];
			if (converted[0] || converted[1]) scopes.push([props[p][0], converted, converted]);
		}
		if (typeof doc.src === 'string') dims.push(['referrer', doc.src, true]);
		fields = ['browser', 'os', 'device'];
	}
	if (!scopes.length && !hostRow) return;
	for (var f = 0; f < fields.length; f++) {
		var v = doc[fields[f]];
		dims.push([fields[f], typeof v === 'string' && v ? v : '(unknown)', false]);
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
	for (var s = 0; s < scopes.length; s++) {
		for (var j = 0; j < dims.length; j++) {
			var counted = dims[j][2] ? scopes[s][2] : scopes[s][1];
			if (!counted[0] && !counted[1]) continue;
			for (var i = 0; i < buckets.length; i++) {
				emit([scopes[s][0], buckets[i][0], buckets[i][1], dims[j][0], dims[j][1]], counted);
			}
		}
	}
	for (var b = 0; hostRow && b < buckets.length; b++) {
		emit([doc.site, buckets[b][0], buckets[b][1], 'host', doc.host], hostRow);
	}
};

export const reduce = '_sum';
