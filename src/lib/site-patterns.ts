/**
 * The shapes of a site's id and host names, in one place for the server's checks and
 * the forms' `pattern` attributes. Browsers compile `pattern` with the `v` flag, where
 * a `-` inside a character class must be escaped (`\-`): an invalid pattern switches
 * the browser's validation off without a word. Every pattern here is valid with the
 * `u` flag (the server's) and the `v` flag (the browser's).
 */

/** A site id: 2–32 lowercase letters, digits or `-`, as it appears in URLs and snippets. */
export const SITE_ID_SOURCE = String.raw`[a-z0-9][a-z0-9\-]{1,31}`;

/** One host name entry: `example.com`, `*.example.com`, optionally with `:port`. */
export const HOSTNAME_SOURCE = String.raw`(\*\.)?[a-z0-9.\-]+(:\d+)?`;

/**
 * The host-name field of the site forms: entries separated by spaces or commas, any
 * letter case (the server lowercases them).
 */
export const HOSTNAMES_FIELD_SOURCE = String.raw`[\s,]*(\*\.)?[A-Za-z0-9.\-]+(:\d+)?([\s,]+(\*\.)?[A-Za-z0-9.\-]+(:\d+)?)*[\s,]*`;
