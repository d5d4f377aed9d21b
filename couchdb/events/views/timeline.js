// key:   ts (event time, ms since the epoch)
// value: null   (counted by _count)
//
// Every raw record by time, bots included: retention finds records older than a
// cutoff here (endkey = cutoff) and counts them with the reduce.

/** @param {any} doc */
export const map = function (doc) {
	if (typeof doc.ts !== 'number' || !isFinite(doc.ts) || typeof doc.type !== 'string') return;
	emit(doc.ts, null);
};

export const reduce = '_count';
