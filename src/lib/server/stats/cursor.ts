/**
 * Cursors of paged reads (a funnel's batches, the Sessions API's list): opaque URL-safe
 * JSON saying where the next page starts, bound to the read it came from by a
 * fingerprint of that read, so that one reused with another site, funnel, range or
 * filter is refused rather than answered with a page of another read (an outside probe:
 * a sessions cursor of `range=today` gave an empty page for `range=yesterday`).
 */
import { createHash } from 'node:crypto';

/**
 * A fingerprint of what a paged read is of: 96 bits of the SHA-256 of `parts` as JSON
 * (each part JSON-able, in a fixed order).
 */
export function readFingerprint(parts: readonly unknown[]): string {
	return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** A cursor as the opaque string a client passes back. */
export function encodeCursor(cursor: unknown): string {
	return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** What a cursor string holds, or undefined when it is no cursor's encoding. */
export function parseCursor(text: string): unknown {
	try {
		return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
	} catch {
		return undefined;
	}
}
