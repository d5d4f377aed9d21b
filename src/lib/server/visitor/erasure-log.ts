/**
 * The record of visitors' erasures, so that a restored backup does not bring erased
 * records back: a file of JSON lines, one per chunk an erasure deleted,
 * `{"at": "<ISO time>", "site": "<site id>", "ids": ["<record id>", …]}`, appended as each
 * chunk is deleted. It holds record ids, not visitor ids nor any field of the records: a
 * record id is a UUIDv7 the tracker made from the time and random bits, which says when
 * the record was made and nothing of who made it, and it finds the record again in a
 * backup by `_all_docs` keys (a visitor id could only be found again through a view,
 * and hashing it would leave nothing to look it up by). At start-up the app deletes every
 * record listed there that the store holds again ({@link reapplyErasures}).
 *
 * Records deleted by retention are not listed: retention deletes them again on its next
 * run over a restored store, by their age.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ignoreStatus, type Couch } from '../couch';
import { deleteIds, RETENTION_CHUNK } from '../import/retention';

/** The file's name in the data directory. */
export const ERASURE_LOG = 'erased.jsonl';

/**
 * Appends the ids of records an erasure deleted on `site`.
 * @throws {Error} when the file cannot be written (the erasure has happened; the caller reports it).
 */
export async function logErased(
	file: string,
	site: string,
	ids: readonly string[],
	now: number
): Promise<void> {
	await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
	const line = JSON.stringify({ at: new Date(now).toISOString(), site, ids });
	await fs.appendFile(file, `${line}\n`, { mode: 0o600 });
}

/**
 * The record ids the log lists from byte `from` on; none when there is no log. A line
 * that is not one the log writes (a write cut short by a crash, the last line without its
 * newline among them) is skipped and counted.
 * @returns the ids, the lines skipped, and `end`: the byte after the last line read.
 */
export async function readErased(
	file: string,
	from = 0
): Promise<{ ids: string[]; skipped: number; end: number }> {
	let bytes: Uint8Array;
	try {
		bytes = await readFrom(file, from);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ids: [], skipped: 0, end: 0 };
		throw e;
	}
	const ids = new Set<string>();
	let skipped = 0;
	for (const line of new TextDecoder().decode(bytes).split('\n')) {
		if (!line) continue;
		const listed = idsOf(line);
		// A write cut short has no newline, so the next erasure's line follows it on the same
		// line: that one is read from where it starts, the cut one skipped.
		const next = listed ? -1 : line.lastIndexOf(LINE_START);
		const after = next > 0 ? idsOf(line.slice(next)) : undefined;
		if (!listed) skipped += 1;
		for (const id of listed ?? after ?? []) ids.add(id);
	}
	return { ids: [...ids], skipped, end: from + bytes.length };
}

/** How every line {@link logErased} writes begins. */
const LINE_START = '{"at":';

/** The record ids of one line the log writes; undefined for a line that is none. */
function idsOf(line: string): string[] | undefined {
	try {
		const entry = JSON.parse(line) as { ids?: unknown };
		if (!Array.isArray(entry.ids)) return undefined;
		return entry.ids.filter((id): id is string => typeof id === 'string');
	} catch {
		return undefined;
	}
}

/** The file's bytes from `from` to its end (none when it is shorter). */
async function readFrom(file: string, from: number): Promise<Uint8Array> {
	const handle = await fs.open(file, 'r');
	try {
		const { size } = await handle.stat();
		const buffer = new Uint8Array(Math.max(0, size - from));
		let read = 0;
		while (read < buffer.length) {
			const { bytesRead } = await handle.read(buffer, read, buffer.length - read, from + read);
			if (bytesRead === 0) break;
			read += bytesRead;
		}
		return buffer.subarray(0, read);
	} finally {
		await handle.close();
	}
}

/**
 * The sites database's document that says how far the log was applied to this store:
 * kept in the store, not beside the log, so that a store put back from a backup (Apache
 * CouchDB's own, apart from the data directory, included) holds the mark of its own time
 * and the erasures since then are applied to it again.
 */
export const APPLIED_ID = 'erasure-log-applied';

/** The document {@link APPLIED_ID}. */
interface AppliedMark {
	_id: string;
	_rev?: string;
	type: 'erasure-log-applied';
	/** The log's bytes before this were applied. */
	offset: number;
	/** SHA-256 of the log's last bytes before `offset` (at most {@link TAIL_BYTES}): the same log? */
	tail: string;
}

/** Bytes before the mark whose hash tells that the log is the one the mark was made on. */
const TAIL_BYTES = 256;

/** The hash of the log's {@link TAIL_BYTES} before `offset`. */
async function tailOf(file: string, offset: number): Promise<string> {
	const start = Math.max(0, offset - TAIL_BYTES);
	const bytes = (await readFrom(file, start)).subarray(0, offset - start);
	return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Deletes every record the log lists that the store holds, not deleted: after a backup
 * taken before an erasure was restored, the erasure applies again. Reads the log from
 * where the store's mark ({@link APPLIED_ID}) says the last start stopped: a start reads
 * only what is new. The mark moves only once those records are deleted, so a start cut
 * short reads them again. A log that is not the one the mark was made on (shorter, or
 * other bytes before the mark) is read whole.
 * @returns how many records were deleted again (0 on a store that never lost an erasure),
 *   and the lines skipped.
 * @throws {Error} when the log cannot be read or CouchDB refuses a deletion.
 */
export async function reapplyErasures(
	couch: Couch,
	file: string,
	chunk = RETENTION_CHUNK
): Promise<{ deleted: number; skipped: number }> {
	const db = couch.server.use<AppliedMark>(couch.names.sites);
	const mark = await ignoreStatus(db.get(APPLIED_ID), 404);
	const from = mark && (await sameLog(file, mark)) ? mark.offset : 0;
	const { ids, skipped, end } = await readErased(file, from);
	let deleted = 0;
	for (let i = 0; i < ids.length; i += chunk) {
		deleted += (await deleteIds(couch, ids.slice(i, i + chunk))).length;
	}
	const tail = await tailOf(file, end).catch(() => '');
	if (mark ? mark.offset !== end || mark.tail !== tail : end > 0) {
		const next = { ...(mark ?? { _id: APPLIED_ID, type: 'erasure-log-applied' as const }) };
		// Another process marking meanwhile read the same log: either mark will do.
		await ignoreStatus(db.insert({ ...next, offset: end, tail }), 409);
	}
	return { deleted, skipped };
}

/** Whether the log holds, before the mark's offset, the bytes the mark was made on. */
async function sameLog(file: string, mark: AppliedMark): Promise<boolean> {
	try {
		const { size } = await fs.stat(file);
		return size >= mark.offset && (await tailOf(file, mark.offset)) === mark.tail;
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
		throw e;
	}
}
