/**
 * `_revs_diff`: which of the offered revisions the store is missing, so PouchDB
 * sends only those. Only well-formed record ids with their id-derived revision are
 * asked of the events database; anything else is reported missing, so PouchDB
 * sends it and learns from `_bulk_docs` why it is refused.
 *
 * This reveals only whether a record the caller already names exists (ids are
 * UUIDv7 with 74 random bits, so they cannot be guessed), never its content.
 */
import type { ServerScope } from 'nano';
import * as v from 'valibot';
import { ID_PATTERN, LIMITS, revisionFor } from '$lib/records';
import { CouchstatsError } from '../errors';
import { isPlainObject } from './body';

/** The `_revs_diff` answer: per id, the revisions the target lacks. */
export type RevsDiff = Record<string, { missing: string[] }>;

const bodySchema = v.record(
	v.pipe(v.string(), v.maxLength(128, 'ids are at most 128 characters')),
	v.pipe(
		v.array(v.pipe(v.string(), v.maxLength(64)), 'each id maps to an array of revisions'),
		v.maxLength(10, 'at most 10 revisions per id')
	),
	'the body must map ids to arrays of revisions'
);

/**
 * Answers a `_revs_diff` request.
 * @param server The server scope holding the events database.
 * @param eventsDb Name of the events database.
 * @param body The parsed request body.
 * @throws {CouchstatsError} 400 for a malformed body, 413 for more than
 *   {@link LIMITS.docsPerRequest} ids, 503 when the store cannot be reached.
 */
export async function revsDiff(
	server: ServerScope,
	eventsDb: string,
	body: unknown
): Promise<RevsDiff> {
	if (!isPlainObject(body)) {
		throw new CouchstatsError(400, 'the body must map ids to arrays of revisions');
	}
	const parsed = v.safeParse(bodySchema, body);
	if (!parsed.success) throw new CouchstatsError(400, parsed.issues[0].message);
	const offered = parsed.output;
	const ids = Object.keys(offered);
	if (ids.length > LIMITS.docsPerRequest) {
		throw new CouchstatsError(413, `at most ${LIMITS.docsPerRequest} ids per request`);
	}
	// Null prototypes: ids are caller-chosen strings, `__proto__` included.
	const answer: RevsDiff = Object.create(null);
	const ask: Record<string, string[]> = Object.create(null);
	for (const id of ids) {
		const revs = offered[id];
		if (revs.length === 0) continue;
		if (ID_PATTERN.test(id) && revs.length === 1 && revs[0] === revisionFor(id)) ask[id] = revs;
		else answer[id] = { missing: revs };
	}
	if (Object.keys(ask).length > 0) {
		let stored: RevsDiff;
		try {
			stored = await server.request({
				db: eventsDb,
				method: 'post',
				path: '_revs_diff',
				body: ask
			});
		} catch {
			throw new CouchstatsError(503, 'the events database is not reachable; retry later');
		}
		for (const [id, diff] of Object.entries(stored ?? {})) {
			if (ask[id] && Array.isArray(diff?.missing)) answer[id] = { missing: diff.missing };
		}
	}
	return answer;
}
