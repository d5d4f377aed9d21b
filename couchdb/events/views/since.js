// key:   [site, ts]
// value: null   (counted by _count)
//
// Tracking since: the first group of a site's key range (group=true, limit=1) is its
// earliest counted record. Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	emit([doc.site, doc.ts], null);
};

export const reduce = '_count';
