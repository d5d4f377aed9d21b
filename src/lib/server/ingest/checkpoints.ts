/**
 * Replication checkpoints (`_local/{id}` on the ingest URL), kept in the
 * checkpoints database rather than the events database.
 *
 * The tracker no longer replicates; these serve PouchDB replicators pushing records
 * (scripts, other clients: ARCHITECTURE.md, "Ingest"). So a checkpoint is what PouchDB's
 * checkpointer writes and nothing else, and the store stays bounded:
 * - **Shape**: `session_id`, `last_seq` (a number, or a CouchDB source's sequence
 *   string), `history` (at most {@link CHECKPOINT_HISTORY} `{last_seq, session_id}`),
 *   `replicator` and `version`, all short tokens or numbers ({@link CHECKPOINT_MAX_BYTES}
 *   of JSON at most); any other field is refused.
 * - **Owner**: namespaced by the page origin the request claims (see `origin.ts`; the
 *   ingest refuses an origin no registered site allows before it gets here): a
 *   checkpoint written from one site's pages is invisible to another site's pages, even
 *   if they learned its id. Clients that name no origin share the namespace `-`.
 * - **Count**: at most {@link MAX_CHECKPOINTS} in the database. Writing a new one when
 *   it is full first deletes a random one: ids are hashes, so none can be aimed at. A
 *   replicator whose checkpoint went starts again from sequence 0, and `_revs_diff`
 *   tells it that the records it sends again are stored, so it sends none twice.
 * - **Age**: `npm run retention` deletes checkpoints not written for
 *   {@link CHECKPOINT_MAX_AGE_DAYS} days ({@link deleteStaleCheckpoints}).
 *
 * Stored under a hash of origin and id, so ids of any length or alphabet map to a
 * fixed-size key. CouchDB's `_local` revision semantics are kept (`0-N`, 409 on a stale
 * `_rev`), since PouchDB's checkpointer reads, updates and retries on conflict.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DocumentScope } from 'nano';
import * as v from 'valibot';
import { ignoreStatus } from '../couch';
import { CouchstatsError } from '../errors';
import { isPlainObject } from './body';

/** A checkpoint id after `_local/`: PouchDB uses a URL-safe base64 MD5. */
export const CHECKPOINT_ID_PATTERN = /^[A-Za-z0-9._=+-]{1,128}$/;

/** Entries of a checkpoint's `history`: PouchDB keeps 5 (`CHECKPOINT_HISTORY_SIZE`). */
export const CHECKPOINT_HISTORY = 5;

/**
 * Largest checkpoint accepted, in bytes of JSON (without `_id` and `_rev`). Every body
 * the shape admits fits (about 1,420 bytes at most); PouchDB's own, with numeric
 * sequences, is under 500.
 */
export const CHECKPOINT_MAX_BYTES = 1536;

/** Most checkpoints the database holds; writing one more deletes a random one first. */
export const MAX_CHECKPOINTS = 10_000;

/** Checkpoints not written for this many days are deleted by `npm run retention`. */
export const CHECKPOINT_MAX_AGE_DAYS = 30;

/** A checkpoint as stored in the checkpoints database. */
export interface StoredCheckpoint {
	_id: string;
	_rev?: string;
	type: 'checkpoint';
	/** Page origin that owns it, or `-` for clients that name none. */
	origin: string;
	/** The `N` of the `0-N` revision PouchDB sees. */
	rev: number;
	/** Last write, ms since the epoch: {@link deleteStaleCheckpoints} goes by it. */
	updatedAt: number;
	/** The checkpoint body as PouchDB wrote it, without `_id` and `_rev`. */
	body: CheckpointBody;
}

/** A short token: what PouchDB's session ids and CouchDB's sequence strings are made of. */
function token(max: number) {
	return v.pipe(
		v.string(),
		v.regex(new RegExp(`^[\\w.:+/=-]{1,${max}}$`), `must be 1–${max} letters, digits or _.:+/=-`)
	);
}

const SEQUENCE = 'must be a whole number from 0, or a sequence string of at most 128 characters';
const sequence = v.union(
	[v.pipe(v.number(), v.safeInteger(SEQUENCE), v.minValue(0, SEQUENCE)), token(128)],
	SEQUENCE
);
const sessionId = token(64);

const checkpointSchema = v.strictObject({
	session_id: v.optional(sessionId),
	last_seq: v.optional(sequence),
	history: v.optional(
		v.pipe(
			v.array(v.strictObject({ last_seq: sequence, session_id: sessionId })),
			v.maxLength(CHECKPOINT_HISTORY, `holds at most ${CHECKPOINT_HISTORY} entries`)
		)
	),
	replicator: v.optional(token(32)),
	version: v.optional(
		v.pipe(
			v.number(),
			v.integer('must be a whole number from 0 to 99'),
			v.minValue(0, 'must be a whole number from 0 to 99'),
			v.maxValue(99, 'must be a whole number from 0 to 99')
		)
	)
});

/** What a replication checkpoint holds (PouchDB's checkpointer writes all of it). */
export type CheckpointBody = v.InferOutput<typeof checkpointSchema>;

const FIELDS = Object.keys(checkpointSchema.entries).join(', ');

/**
 * Checks a checkpoint's body as PUT on `_local/{id}`.
 * @param id The id after `_local/`.
 * @param body The parsed request body.
 * @returns the checkpoint without `_id`, and the `_rev` it names, if any.
 * @throws {CouchstatsError} 400 for a malformed id or body, or a field PouchDB does not
 *   write; 413 over {@link CHECKPOINT_MAX_BYTES}.
 */
export function parseCheckpoint(
	id: string,
	body: unknown
): { checkpoint: CheckpointBody; rev: string | undefined } {
	checkId(id);
	if (!isPlainObject(body)) throw new CouchstatsError(400, 'a checkpoint must be a JSON object');
	const { _id, _rev, ...rest } = body;
	if (_id !== undefined && _id !== `_local/${id}`) {
		throw new CouchstatsError(400, '_id does not match the URL');
	}
	if (_rev !== undefined && (typeof _rev !== 'string' || !/^0-\d{1,12}$/.test(_rev))) {
		throw new CouchstatsError(400, '_rev: must be like 0-1');
	}
	if (Buffer.byteLength(JSON.stringify(rest)) > CHECKPOINT_MAX_BYTES) {
		throw new CouchstatsError(413, `a checkpoint is at most ${CHECKPOINT_MAX_BYTES} bytes`);
	}
	const parsed = v.safeParse(checkpointSchema, rest);
	if (!parsed.success) {
		const issue = parsed.issues[0];
		const path = v.getDotPath(issue);
		if (issue.type === 'strict_object' && issue.expected === 'never' && path) {
			throw new CouchstatsError(
				400,
				path.includes('.')
					? `${path} is not a field of a history entry, which holds last_seq and session_id`
					: `${path} is not a field of a replication checkpoint, which holds ${FIELDS}`
			);
		}
		throw new CouchstatsError(400, path ? `${path}: ${issue.message}` : issue.message);
	}
	return { checkpoint: parsed.output, rev: _rev };
}

/** Options of {@link Checkpoints}. */
export interface CheckpointsOptions {
	/** Clock in ms; default `Date.now`. */
	now?: () => number;
	/** Most checkpoints kept; default {@link MAX_CHECKPOINTS}. */
	max?: number;
	/** Random bytes, for the checkpoint a full database gives up; default crypto's. */
	random?: (size: number) => Buffer;
}

/** Checkpoint reads and writes against the checkpoints database. */
export class Checkpoints {
	readonly #now: () => number;
	readonly #max: number;
	readonly #random: (size: number) => Buffer;

	/** @param db The checkpoints database. */
	constructor(
		private readonly db: () => DocumentScope<StoredCheckpoint>,
		{ now = Date.now, max = MAX_CHECKPOINTS, random = randomBytes }: CheckpointsOptions = {}
	) {
		this.#now = now;
		this.#max = max;
		this.#random = random;
	}

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
	 * Writes a checkpoint; answers like CouchDB's `PUT /db/_local/{id}`. A new one in a
	 * full database first takes the place of a random one.
	 * @param origin The owning page origin, or `-`.
	 * @param id The id after `_local/`.
	 * @param body The parsed request body.
	 * @throws {CouchstatsError} as {@link parseCheckpoint}; 409 when `_rev` is not the
	 *   current revision.
	 */
	async write(
		origin: string,
		id: string,
		body: unknown
	): Promise<{ ok: true; id: string; rev: string }> {
		const { checkpoint, rev: given } = parseCheckpoint(id, body);
		const stored = await this.#get(origin, id);
		if (stored && given !== `0-${stored.rev}`) {
			throw new CouchstatsError(409, 'Document update conflict.', 'conflict');
		}
		if (!stored) await this.#makeRoom();
		const rev = (stored?.rev ?? 0) + 1;
		const doc: StoredCheckpoint = {
			_id: storageId(origin, id),
			...(stored?._rev && { _rev: stored._rev }),
			type: 'checkpoint',
			origin,
			rev,
			updatedAt: this.#now(),
			body: checkpoint
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

	/** Deletes a random checkpoint when the database holds {@link CheckpointsOptions.max}. */
	async #makeRoom(): Promise<void> {
		const db = this.db();
		if ((await db.info()).doc_count < this.#max) return;
		// Ids are SHA-256 hashes, spread evenly: the first at or after a random point is
		// a random checkpoint (past the last one, the first of all).
		const point = STORAGE_PREFIX + this.#random(32).toString('hex');
		const after = await db.list({ startkey: point, endkey: STORAGE_END, limit: 1 });
		const rows = after.rows.length
			? after.rows
			: (await db.list({ startkey: STORAGE_PREFIX, endkey: STORAGE_END, limit: 1 })).rows;
		const victim = rows[0];
		// Deleted or rewritten meanwhile: room was made, or is no longer needed.
		if (victim) await ignoreStatus(db.destroy(victim.id, victim.value.rev), 404, 409);
	}
}

const STORAGE_PREFIX = 'cp-';
const STORAGE_END = `${STORAGE_PREFIX}\ufff0`;

/** The checkpoints database id of a checkpoint: a hash of its owner and id. */
export function storageId(origin: string, id: string): string {
	return STORAGE_PREFIX + createHash('sha256').update(`${origin}\n${id}`).digest('hex');
}

/** Checkpoints read per request by {@link deleteStaleCheckpoints}. */
const SWEEP_CHUNK = 500;

/** What {@link deleteStaleCheckpoints} found. */
export interface CheckpointSweep {
	/** Checkpoints in the database when it was read. */
	total: number;
	/** Checkpoints deleted (a dry run: that would be). */
	deleted: number;
}

/**
 * Deletes the checkpoints not written since `cutoff`, `chunk` at a time: a replicator
 * whose checkpoint went starts again from sequence 0, and `_revs_diff` keeps it from
 * sending a stored record twice.
 * @param db The checkpoints database.
 * @param cutoff Ms since the epoch: checkpoints last written before it go.
 * @param options `dryRun` counts without deleting; `chunk` checkpoints read per request.
 * @throws {Error} when CouchDB refuses a deletion.
 */
export async function deleteStaleCheckpoints(
	db: DocumentScope<StoredCheckpoint>,
	cutoff: number,
	{ dryRun = false, chunk = SWEEP_CHUNK } = {}
): Promise<CheckpointSweep> {
	let total = 0;
	let deleted = 0;
	let startkey = STORAGE_PREFIX;
	for (;;) {
		const { rows } = await db.list({
			startkey,
			endkey: STORAGE_END,
			include_docs: true,
			limit: chunk + 1
		});
		const page = rows.slice(0, chunk);
		total += page.length;
		const old = page.filter((row) => row.doc && !(row.doc.updatedAt >= cutoff));
		if (dryRun) deleted += old.length;
		else if (old.length) {
			const docs = old.map((row) => ({ _id: row.id, _rev: row.value.rev, _deleted: true }));
			const results = await db.bulk({ docs: docs as never });
			// One written meanwhile (a conflict) is in use again, and stays.
			const failed = results.find((r) => r.error && r.error !== 'conflict');
			if (failed) throw new Error(`CouchDB refused to delete ${failed.id}: ${failed.error}`);
			deleted += results.filter((r) => !r.error).length;
		}
		if (rows.length <= chunk) return { total, deleted };
		startkey = rows[chunk].id;
	}
}

function checkId(id: string) {
	if (!CHECKPOINT_ID_PATTERN.test(id)) {
		throw new CouchstatsError(400, 'a checkpoint id is 1–128 letters, digits or ._=+-');
	}
}
