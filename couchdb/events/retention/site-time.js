// key:   [site, ts]
// value: null   (counted by _count)
//
// Every raw record by site and event time, bots included: the app's scheduled retention
// (src/lib/server/import/retention-run.ts) deletes a site's records older than its
// period with the key range [site] ... [site, cutoff] (inclusive_end=false), which holds
// that site's old records only, whatever other sites keep. Kept in its own design
// document (`_design/retention`): CouchDB updates all views of a design document
// together, so adding it rebuilt none of the stats or visitor views, and its daily read
// waits on none of them.

/** @param {any} doc */
export const map = function (doc) {
	if (
		typeof doc.site !== 'string' ||
		typeof doc.type !== 'string' ||
		typeof doc.ts !== 'number' ||
		!isFinite(doc.ts)
	) {
		return;
	}
	emit([doc.site, doc.ts], null);
};

export const reduce = '_count';
