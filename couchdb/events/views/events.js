// key:   [site, granularity ('h' | 'd' | 'm'), UTC bucket, event name]
// value: null   (counted by _count)
//
// Events by name. Bot-flagged records count nowhere.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'event' || typeof doc.name !== 'string') return;
	var iso = new Date(doc.ts).toISOString();
	emit([doc.site, 'h', iso.slice(0, 13), doc.name], null);
	emit([doc.site, 'd', iso.slice(0, 10), doc.name], null);
	emit([doc.site, 'm', iso.slice(0, 7), doc.name], null);
};

export const reduce = '_count';
