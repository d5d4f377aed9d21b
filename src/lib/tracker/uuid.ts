/**
 * A tiny UUIDv7 generator (RFC 9562): 48 bits of Unix milliseconds, the version, then
 * 74 random bits. Kept here instead of a package because every page loads the
 * tracker's core, which should stay small.
 */

/** Fills a byte array with random values and returns it; injectable for tests. */
export type RandomSource = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array;

/** The browser's cryptographically strong random source. */
export const cryptoRandom: RandomSource = (bytes) => crypto.getRandomValues(bytes);

/**
 * Mints a lowercase UUIDv7 for the given time.
 *
 * @param now - Milliseconds since the epoch (0 to 2^48 − 1); ids sort by this value.
 * @param random - Source of the random bits (default: `crypto.getRandomValues`).
 */
export function uuidv7(now: number, random: RandomSource = cryptoRandom): string {
	const t = Math.floor(now).toString(16).padStart(12, '0');
	const r = Array.from(random(new Uint8Array(10)), (b) => (b + 256).toString(16).slice(1)).join('');
	const variant = ((parseInt(r[3], 16) & 3) | 8).toString(16);
	return `${t.slice(0, 8)}-${t.slice(8)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 19)}`;
}

/**
 * Derives a stable id from a session id and a small salt, so that every tab of a
 * session mints the same `_id` for the same milestone and CouchDB stores it once even
 * if two tabs emit it at the same moment. The result is still a valid UUIDv7 (only
 * the last 32 random bits change) and as unguessable as the session id.
 *
 * @param sid - A UUIDv7 session id.
 * @param salt - A small positive integer, distinct per milestone.
 */
export function derivedId(sid: string, salt: number): string {
	return (
		sid.slice(0, 28) +
		(((parseInt(sid.slice(28), 16) ^ salt) >>> 0) + 2 ** 32).toString(16).slice(1)
	);
}
