/**
 * The shapes of a site's id and host names, in one place for the server's checks and
 * the forms' `pattern` attributes. Browsers compile `pattern` with the `v` flag, where
 * a `-` inside a character class must be escaped (`\-`): an invalid pattern switches
 * the browser's validation off without a word. Every pattern here is valid with the
 * `u` flag (the server's) and the `v` flag (the browser's).
 */

/** A site id: 2–32 lowercase letters, digits or `-`, as it appears in URLs and snippets. */
export const SITE_ID_SOURCE = String.raw`[a-z0-9][a-z0-9\-]{1,31}`;

/**
 * What {@link SITE_ID_SOURCE} asks for, in words: the forms' `title`, which browsers
 * show when the value does not match (an outside review saw only "Please match the
 * requested format").
 */
export const SITE_ID_HINT = '2–32 lowercase letters, digits or -';

/**
 * One host name entry as stored: `example.com`, `*.example.com` or an IPv6 address in
 * brackets as a URL writes it (`[::1]`, `[2001:db8::1]`), optionally with `:port`, and
 * with `!` before it a host kept out (`!staging.example.com`: site-hosts.ts `hostListed`).
 * The server checks an address's brackets further (src/lib/server/accounts/sites.ts,
 * `hostEntry`).
 */
export const HOSTNAME_SOURCE = String.raw`!?((\*\.)?[a-z0-9.\-]+|\[[0-9a-f:]+\])(:\d+)?`;

/** What {@link HOSTNAMES_FIELD_SOURCE} asks for, in words (see {@link SITE_ID_HINT}). */
export const HOSTNAMES_HINT =
	'host names without http:// or a path, separated by spaces or commas: example.com *.example.com localhost:8080, an IPv6 address in brackets: [::1]:8080; ! before one keeps it out: !staging.example.com';

/**
 * One entry of the host-name field: any letter case (the server lowercases it), a name
 * in any script (the server stores a name like `bücher.example` as browsers send it,
 * `xn--bcher-kva.example`), or an IPv6 address in brackets in any spelling (the server
 * stores it as a URL writes it: `[2001:DB8:0::1]` as `[2001:db8::1]`).
 */
const FIELD_ENTRY = String.raw`!?((\*\.)?[\p{L}\p{M}\p{N}.\-]+|\[[0-9A-Fa-f:.]+\])(:\d+)?`;

/** The host-name field of the site forms: {@link FIELD_ENTRY}s separated by spaces or commas. */
export const HOSTNAMES_FIELD_SOURCE = String.raw`[\s,]*${FIELD_ENTRY}([\s,]+${FIELD_ENTRY})*[\s,]*`;
