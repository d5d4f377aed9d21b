// key:   [site, granularity ('h' | 'd' | 'm'), UTC bucket, dimension, value]
// value: [sessions, visitors]   (summed by _sum)
//
// Where sessions come from and what they run on. Dimensions: referrer (host of the
// entry pageview's referrer, or '(direct)'), utm_source, utm_medium, utm_campaign
// (entry pageviews only), browser, os, device, country, screen (every entry or
// first-of-day pageview, '(unknown)' when the ingest could not tell). `sessions`
// counts entry pageviews, `visitors` first-of-day pageviews, so both sum to the
// headline numbers. Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'pageview') return;
	var entry = doc.entry === true;
	var firstOfDay = doc.firstOfDay === true;
	if (!entry && !firstOfDay) return;
	var value = [entry ? 1 : 0, firstOfDay ? 1 : 0];
	var dims = [];
	if (entry) {
		var host = '(direct)';
		var match =
			typeof doc.ref === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/([^/?#:@]+)/i.exec(doc.ref) : null;
		if (match) host = match[1].toLowerCase().replace(/^www\./, '');
		dims.push(['referrer', host]);
		var utm = doc.utm && typeof doc.utm === 'object' ? doc.utm : {};
		if (typeof utm.source === 'string') dims.push(['utm_source', utm.source]);
		if (typeof utm.medium === 'string') dims.push(['utm_medium', utm.medium]);
		if (typeof utm.campaign === 'string') dims.push(['utm_campaign', utm.campaign]);
	}
	var fields = ['browser', 'os', 'device', 'country', 'screen'];
	for (var f = 0; f < fields.length; f++) {
		var v = doc[fields[f]];
		dims.push([fields[f], typeof v === 'string' && v ? v : '(unknown)']);
	}
	var iso = new Date(doc.ts).toISOString();
	var buckets = [
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	for (var i = 0; i < buckets.length; i++) {
		for (var j = 0; j < dims.length; j++) {
			emit([doc.site, buckets[i][0], buckets[i][1], dims[j][0], dims[j][1]], value);
		}
	}
};

export const reduce = '_sum';
