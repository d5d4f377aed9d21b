// key:   [account name, "deleting", site id] for each owner of a site being deleted, and
//        [null, "deleting", site id] once per such site (an admin sees every deletion);
//        [account name, "invited", site id] for each account invited to co-own a site
//        not being deleted
// value: { name: the site's name, owners: its owners }
//
// What the sites page shows beside its list, read with startkey=[name, kind] …
// endkey=[name, kind, {}]: the deletions under way (each with its progress) and the
// invitations to answer, without reading each of the account's sites.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type !== 'site' || typeof doc.id !== 'string') return;
	var value = { name: doc.name, owners: Array.isArray(doc.owners) ? doc.owners : [] };
	var kind = doc.deleting ? 'deleting' : 'invited';
	var names = doc.deleting ? value.owners : doc.invited;
	if (doc.deleting) emit([null, kind, doc.id], value);
	if (!Array.isArray(names)) return;
	for (var i = 0; i < names.length; i++) {
		var name = names[i];
		if (typeof name === 'string' && names.indexOf(name) === i) emit([name, kind, doc.id], value);
	}
};
