// key:   [site, granularity ('q' | 'h' | 'd' | 'm'), UTC bucket, UTC hour ('2026-11-21T14')]
// value: [records, reports]   (summed by _sum)
//
// Loss made visible: the `dropped` records visitors' browsers send when their bounded
// outbox had to drop records (src/lib/tracker/bound.ts), by the UTC hour they were
// made in. `records` sums their counts (records lost), `reports` counts them. The hour
// in the key keeps "when" at one granularity whatever buckets a range is read with.
// Whole-site rows only: a lost record's page or source is not known.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.bot || typeof doc.site !== 'string' || typeof doc.ts !== 'number' || !isFinite(doc.ts)) {
		return;
	}
	if (doc.type !== 'dropped' || typeof doc.count !== 'number' || !(doc.count > 0)) return;
	var v = [doc.count, 1];
	var rows = [doc.site];
	var iso = new Date(doc.ts).toISOString();
	var buckets = [
		['q', iso.slice(0, 14) + ['00', '15', '30', '45'][Math.floor(Number(iso.slice(14, 16)) / 15)]],
		['h', iso.slice(0, 13)],
		['d', iso.slice(0, 10)],
		['m', iso.slice(0, 7)]
	];
	for (var i = 0; i < rows.length; i++) {
		for (var b = 0; b < buckets.length; b++) {
			emit([rows[i], buckets[b][0], buckets[b][1], iso.slice(0, 13)], v);
		}
	}
};

export const reduce = '_sum';
