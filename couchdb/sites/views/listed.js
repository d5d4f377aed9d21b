// key:   [account name, site id] for each owner of a site not being deleted, and
//        [null, site id] once per such site (an admin's list holds every site)
// value: the site's name
//
// An account's sites in the sites list's order (by id; site ids, lowercase letters,
// digits and `-`, sort the same under CouchDB's ICU collation, the embedded store's code
// units and the list's localeCompare), so the header's switcher reads what it shows, not
// every site: the first ten with startkey=[name]&reduce=false&limit=10, their count by
// the reduce over [name] … [name, {}], the page's site with key=[name, id]. Each costs
// O(10 + log n) on a B-tree with stored reductions, whatever the number of sites.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type !== 'site' || doc.deleting || typeof doc.id !== 'string') return;
	emit([null, doc.id], doc.name);
	if (!Array.isArray(doc.owners)) return;
	for (var i = 0; i < doc.owners.length; i++) {
		var name = doc.owners[i];
		// A name listed twice would count the site twice.
		if (typeof name === 'string' && doc.owners.indexOf(name) === i) emit([name, doc.id], doc.name);
	}
};

export const reduce = '_count';
