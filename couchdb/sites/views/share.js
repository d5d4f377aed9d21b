// key:   the SHA-256 of a site's share-link secret (shareHash)
// value: null
//
// Which site a share link opens, read with key=<hash> and include_docs=true: one row
// whatever the number of sites, so a request with a wrong secret costs one lookup and
// reads no site. A site being deleted opens to nobody and has no row.

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type === 'site' && typeof doc.shareHash === 'string' && !doc.deleting) {
		emit(doc.shareHash, null);
	}
};
