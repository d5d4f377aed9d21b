// key:   [site, vid, ts, _id]
// value: null   (counted by _count)
//
// Every raw record by site and visitor id, bots included: the visitor endpoint
// (src/lib/server/visitor) reads and erases what is stored under one browser's id
// with the key range [site, vid] … [site, vid, {}], and counts it with the reduce.
// The record's _id in the key orders records of the same millisecond, so a page of
// records can start right after the last one read. Kept in its own design document
// (`_design/visitor`): CouchDB updates all views of a design document together, so a
// visitor's read does not wait on the stats views, and adding it rebuilt none of them.

/** @param {any} doc */
export const map = function (doc) {
	if (
		typeof doc.site !== 'string' ||
		typeof doc.vid !== 'string' ||
		typeof doc.type !== 'string' ||
		typeof doc.ts !== 'number' ||
		!isFinite(doc.ts)
	) {
		return;
	}
	emit([doc.site, doc.vid, doc.ts, doc._id], null);
};

export const reduce = '_count';
