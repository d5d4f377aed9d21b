/**
 * The attribute that marks `<Analytics>`'s inline start script, so that a server with
 * a nonce-based Content-Security-Policy can give the script the page's nonce (this
 * app's hook does: src/lib/server/demo/tracker-preload.ts `withStartNonce`). Without
 * the nonce such a policy blocks the script, and the core starts at hydration instead.
 */
export const START_ATTRIBUTE = 'data-couchstats-start';
