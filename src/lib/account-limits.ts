/**
 * The longest account name and password couchstats takes, in one place for the server's
 * checks and the forms' `maxlength`. An outside security probe crashed the app by logging
 * in with made-up names of 500 KB, each kept by the login throttle.
 */

/**
 * Characters of an account name a login takes: the names couchstats makes have at most
 * 40 (`ACCOUNT_NAME`); CouchDB's own `_users` may hold longer ones.
 */
export const NAME_MAX = 256;

/** Characters of a password: room for any passphrase. */
export const PASSWORD_MAX = 1024;
