/**
 * `_design/validate` (`validate_doc_update`) in CouchDB's `_users`: only server admins
 * write accounts. CouchDB lets anyone create an account in `_users` (self sign-up), and
 * such an account could log in to couchstats and create sites; couchstats accounts are
 * created by its admins only (src/lib/server/accounts/site-admin.ts, through the admin
 * connection), so nobody else may write there. Set-up deploys this on every boot, on
 * Apache CouchDB and on the embedded store alike. CouchDB runs it as ES5 source.
 */

/**
 * @param {unknown} newDoc
 * @param {unknown} oldDoc
 * @param {{ roles?: string[] } | null} userCtx
 */
export const adminsOnly = function (newDoc, oldDoc, userCtx) {
	if (userCtx && userCtx.roles && userCtx.roles.indexOf('_admin') !== -1) return;
	throw { forbidden: 'accounts are created and changed by couchstats admins only' };
};
