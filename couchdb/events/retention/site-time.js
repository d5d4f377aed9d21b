// key:   [site, ts]
// value: null   (counted by _count)
//
// Every raw record by site and event time, bots included: the one view of records by
// time. Retention deletes a site's records older than a cutoff with the key range
// [site] ... [site, cutoff] (inclusive_end=false), which holds that site's old records
// only, whatever other sites keep: the app's scheduled retention
// (src/lib/server/import/retention-run.ts) for each site that keeps its records for a
// period, and npm run retention for every site the view holds (group_level=1, a site
// deleted since included), counting them first with the reduce. Kept in its own design
// document (_design/retention): CouchDB updates all views of a design document
// together, so adding it rebuilt none of the stats or visitor views, and its reads wait
// on none of them.

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
