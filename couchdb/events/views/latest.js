// key:   [site, ts]
// value: { type, path, name?, revisit? }   (what a line of "Latest events" shows)
//
// Latest events: a site's pageviews, returns (a pageview's `revisit`) and events by time,
// read newest first (descending, a limit): one bounded read, whatever else the site
// receives. Heartbeats and milestones list nothing and are not here: read session by
// session, made-up sessions of one heartbeat each could hide the real latest events.
// The reduce counts them, as every view of the project has a built-in one.
// Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if ((doc.type !== 'pageview' && doc.type !== 'event') || typeof doc.path !== 'string') return;
	var value = { type: doc.type, path: doc.path };
	if (typeof doc.name === 'string') value.name = doc.name;
	if (doc.revisit === true) value.revisit = true;
	emit([doc.site, doc.ts], value);
};

export const reduce = '_count';
