/**
 * Replication checkpoints (`_local/{id}` on the ingest URL), kept in the
 * checkpoints database rather than the events database.
 *
 * Namespaced by the page origin the request claims (see `origin.ts`): a checkpoint
 * written from one site's pages is invisible to another site's pages, even if they
 * learned its id. Stored under a hash of origin and id so ids of any length or
 * alphabet map to a fixed-size key. Each checkpoint is at most 4 KB.
 *
 * CouchDB's `_local` revision semantics are kept (`0-N`, 409 on a stale `_rev`),
 * since PouchDB's checkpointer reads, updates and retries on conflict.
 */
import { createHash } from 'node:crypto';
import type { DocumentScope } from 'nano';
import * as v from 'valibot';
import { LIMITS } from '$lib/records';
import { ignoreStatus } from '../couch';
import { CouchstatsError } from '../errors';
import { isPlainObject } from './body';

/** A checkpoint id after `_local/`: PouchDB uses a URL-safe base64 MD5. */
export const CHECKPOINT_ID_PATTERN = /^[A-Za-z0-9._=+-]{1,128}$/;

/** Largest checkpoint accepted, in bytes of JSON. */
export const CHECKPOINT_MAX_BYTES = LIMITS.docBytes;

/** A checkpoint as stored in the checkpoints database. */
export interface StoredCheckpoint {
	_id: string;
	_rev?: string;
	type: 'checkpoint';
	/** Page origin that owns it, or `-` for clients that name none. */
	origin: string;
	/** The `N` of the `0-N` revision PouchDB sees. */
	rev: number;
	/** Last write, ms since the epoch, so old checkpoints can be cleaned up. */
	updatedAt: number;
	/** The checkpoint body as PouchDB wrote it, without `_id` and `_rev`. */
	body: Record<string, unknown>;
}

const bodySchema = v.pipe(
	v.looseObject({
		_id: v.optional(v.string()),
		_rev: v.optional(v.pipe(v.string(), v.regex(/^0-\d{1,12}$/, 'must be like 0-1')))
	}),
	v.check((doc) => Object.keys(doc).length <= 16, 'a checkpoint has at most 16 fields'),
	v.check(
		(doc) =>
			Object.keys(doc).every((key) => !key.startsWith('_') || key === '_id' || key === '_rev'),
		'a checkpoint has no special fields besides _id and _rev'
	)
);

/** Checkpoint reads and writes against the checkpoints database. */
export class Checkpoints {
	/**
	 * @param db The checkpoints database.
	 * @param now Clock in ms; default `Date.now`.
	 */
	constructor(
		private readonly db: () => DocumentScope<StoredCheckpoint>,
		private readonly now: () => number = Date.now
	) {}

	/**
	 * The checkpoint as PouchDB expects it back.
	 * @param origin The owning page origin, or `-`.
	 * @param id The id after `_local/`.
	 * @throws {CouchstatsError} 400 for a malformed id, 404 when there is none.
	 */
	async read(origin: string, id: string): Promise<Record<string, unknown>> {
		checkId(id);
		const stored = await this.#get(origin, id);
		if (!stored) throw new CouchstatsError(404, 'missing');
		return { ...stored.body, _id: `_local/${id}`, _rev: `0-${stored.rev}` };
	}

	/**
	 * Writes a checkpoint; answers like CouchDB's `PUT /db/_local/{id}`.
	 * @param origin The owning page origin, or `-`.
	 * @param id The id after `_local/`.
	 * @param body The parsed request body.
	 * @throws {CouchstatsError} 400 for a malformed id or body, 413 over 4 KB,
	 *   409 when `_rev` is not the current revision.
	 */
	async write(
		origin: string,
		id: string,
		body: unknown
	): Promise<{ ok: true; id: string; rev: string }> {
		checkId(id);
		if (!isPlainObject(body)) throw new CouchstatsError(400, 'a checkpoint must be a JSON object');
		const parsed = v.safeParse(bodySchema, body);
		if (!parsed.success) {
			const issue = parsed.issues[0];
			const path = v.getDotPath(issue);
			throw new CouchstatsError(400, path ? `${path}: ${issue.message}` : issue.message);
		}
		const { _id, _rev, ...rest } = parsed.output;
		if (_id !== undefined && _id !== `_local/${id}`) {
			throw new CouchstatsError(400, '_id does not match the URL');
		}
		if (Buffer.byteLength(JSON.stringify(rest)) > CHECKPOINT_MAX_BYTES) {
			throw new CouchstatsError(413, `a checkpoint is at most ${CHECKPOINT_MAX_BYTES} bytes`);
		}
		const stored = await this.#get(origin, id);
		if (stored && _rev !== `0-${stored.rev}`) {
			throw new CouchstatsError(409, 'Document update conflict.', 'conflict');
		}
		const rev = (stored?.rev ?? 0) + 1;
		const doc: StoredCheckpoint = {
			_id: storageId(origin, id),
			...(stored?._rev && { _rev: stored._rev }),
			type: 'checkpoint',
			origin,
			rev,
			updatedAt: this.now(),
			body: rest
		};
		try {
			await this.db().insert(doc);
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode === 409) {
				throw new CouchstatsError(409, 'Document update conflict.', 'conflict');
			}
			throw e;
		}
		return { ok: true, id: `_local/${id}`, rev: `0-${rev}` };
	}

	async #get(origin: string, id: string): Promise<StoredCheckpoint | undefined> {
		return ignoreStatus(this.db().get(storageId(origin, id)), 404);
	}
}

/** The checkpoints database id of a checkpoint: a hash of its owner and id. */
export function storageId(origin: string, id: string): string {
	return 'cp-' + createHash('sha256').update(`${origin}\n${id}`).digest('hex');
}

function checkId(id: string) {
	if (!CHECKPOINT_ID_PATTERN.test(id)) {
		throw new CouchstatsError(400, 'a checkpoint id is 1–128 letters, digits or ._=+-');
	}
}
