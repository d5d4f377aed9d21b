// key:   [account name, start, site id] for each owner of a site not being deleted, and
//        [null, start, site id] once per such site (an admin searches every site), where
//        start is where a search may start in the site's id, name or a host name,
//        lower-cased: at its start, at each character between words and at each word
//        after one ("my shop.de": "my shop.de", " shop.de", "shop.de", ".de", "de")
// value: the site's name
//
// The sites list's and the header switcher's search (matchesSearch in
// src/lib/sites-list.ts, whose searchStarts writes the same starts), read as a prefix:
// startkey=[name, q] … endkey=[name, q + "\ufff0"] with q lower-cased, so a search reads
// the rows of the sites it finds, not every site. Lower case in both, as CouchDB's ICU
// collation sorts "a" < "A" < "b"; ICU also puts "é" beside "e", so the reader keeps only
// the rows whose start begins with q, code unit by code unit, as the embedded store does.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type !== 'site' || doc.deleting || typeof doc.id !== 'string') return;
	var between = /[\s!-/:-@[-\x60{-~]/;
	var texts = [doc.id, doc.name].concat(Array.isArray(doc.hostnames) ? doc.hostnames : []);
	var starts = {};
	for (var t = 0; t < texts.length; t++) {
		if (typeof texts[t] !== 'string') continue;
		var text = texts[t].toLowerCase();
		for (var i = 0; i < text.length; i++) {
			if (i === 0 || between.test(text.charAt(i)) || between.test(text.charAt(i - 1))) {
				starts[text.slice(i)] = true;
			}
		}
	}
	var accounts = [null];
	if (Array.isArray(doc.owners)) {
		for (var o = 0; o < doc.owners.length; o++) {
			var name = doc.owners[o];
			if (typeof name === 'string' && accounts.indexOf(name) === -1) accounts.push(name);
		}
	}
	for (var a = 0; a < accounts.length; a++) {
		for (var start in starts) emit([accounts[a], start, doc.id], doc.name);
	}
};
