// key:   an account name among a site's owners
// value: null
//
// The sites an account owns, read with key=<name> and include_docs=true: an owner's
// sites list reads their own sites, not every site of the install. Sites being deleted
// keep their rows (the sites list offers to finish deleting them).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type !== 'site' || !Array.isArray(doc.owners)) return;
	for (var i = 0; i < doc.owners.length; i++) {
		if (typeof doc.owners[i] === 'string') emit(doc.owners[i], null);
	}
};
