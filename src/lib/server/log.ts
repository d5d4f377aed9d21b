/**
 * The server's error log. Every line passes through {@link redactSecrets}, so share-link
 * secrets, API tokens, session cookies and passwords never reach a log, wherever they
 * appear: in a path (`/share/shr_…`), a query string (`?share=`, as the live stream
 * takes it), a header or an error message.
 */

const SECRETS: [RegExp, string][] = [
	// Share-link secrets and API tokens, by their prefixes (site-admin.ts, tokens.ts).
	[/\bshr_[A-Za-z0-9_-]+/g, 'shr_***'],
	[/\bcst_[A-Za-z0-9_-]+/g, 'cst_***'],
	[/([?&](?:share|token|password)=)[^&\s#]*/gi, '$1***'],
	[/(\bBearer\s+)[^\s"',]+/gi, '$1***'],
	[/(\b(?:AuthSession|couchstats_session)=)[^;\s"',]+/g, '$1***'],
	// user:password@ in URLs (COUCHDB_URL).
	[/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@']
];

/** The text with every secret it holds replaced by `***`. */
export function redactSecrets(text: string): string {
	return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Logs an unexpected error (with its stack), secrets redacted. */
export function logError(context: string, error: unknown): void {
	const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
	console.error(redactSecrets(`couchstats: ${context}: ${detail}`));
}
