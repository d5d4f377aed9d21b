/**
 * Record ids in the tracker: UUIDv7s from the shared formatter (`uuidv7` in
 * src/lib/records.ts, also used by the importer), fed by the browser's random source, and
 * the milestone ids every tab derives alike from its session id.
 */
export { cryptoRandom, uuidv7, type RandomSource } from '../records.ts';

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
