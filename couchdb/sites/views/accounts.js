// key:   an account name among a site's owners or the accounts invited to co-own it
// value: "owner" or "invited"
//
// The sites an account owns or is invited to, read with key=<name> and include_docs=true:
// an owner's sites list reads their own sites, not every site of the install. Sites
// being deleted keep their rows (the sites list offers to finish deleting them).

/** @param {any} doc */
export const map = function (doc) {
	if (doc.type !== 'site') return;
	var lists = { owner: doc.owners, invited: doc.invited };
	for (var role in lists) {
		var names = lists[role];
		if (!Array.isArray(names)) continue;
		for (var i = 0; i < names.length; i++) {
			if (typeof names[i] === 'string') emit(names[i], role);
		}
	}
};
