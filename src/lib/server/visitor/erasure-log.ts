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
import type { Couch } from '../couch';
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
 * Every record id the log lists; none when there is no log. A line that is not one the
 * log writes (a write cut short by a crash) is skipped and counted.
 */
export async function readErased(file: string): Promise<{ ids: string[]; skipped: number }> {
	let text: string;
	try {
		text = await fs.readFile(file, 'utf8');
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ids: [], skipped: 0 };
		throw e;
	}
	const ids = new Set<string>();
	let skipped = 0;
	for (const line of text.split('\n')) {
		if (!line) continue;
		try {
			const entry = JSON.parse(line) as { ids?: unknown };
			if (!Array.isArray(entry.ids)) throw new Error('no ids');
			for (const id of entry.ids) if (typeof id === 'string') ids.add(id);
		} catch {
			skipped += 1;
		}
	}
	return { ids: [...ids], skipped };
}

/**
 * Deletes every record the log lists that the store holds, not deleted: after a backup
 * taken before an erasure was restored, the erasure applies again.
 * @returns how many records were deleted again (0 on a store that never lost an erasure).
 * @throws {Error} when the log cannot be read or CouchDB refuses a deletion.
 */
export async function reapplyErasures(
	couch: Couch,
	file: string,
	chunk = RETENTION_CHUNK
): Promise<{ deleted: number; skipped: number }> {
	const { ids, skipped } = await readErased(file);
	let deleted = 0;
	for (let i = 0; i < ids.length; i += chunk) {
		deleted += (await deleteIds(couch, ids.slice(i, i + chunk))).length;
	}
	return { deleted, skipped };
}
