/**
 * Group levels kept on demand. A `p<L>` entry per group_level=L group makes a read at
 * that level cost one entry per group, but every row then read-modify-writes one entry
 * per level of its key, and the app reads most views only at their full key depth
 * (exact entries). So a new index keeps no group level: a read that needs one is
 * answered from the level below it (exact entries folded into groups: the same answer,
 * one entry per member key read), the reader tells the indexer, and the indexer builds
 * the level from the exact entries in bounded chunks between its batches. Each chunk
 * writes its groups and the level's progress (the last group built) with the index's
 * metadata in one atomic write, and from then on batches keep the groups built so far up
 * to date; reads use the level once it is built whole. A crash resumes the build from the
 * last chunk written.
 */
import { entryText } from './batch';
import { groupMembers } from './collation';
import { ViewReader } from './reader';
import { settled } from './reducers';
import { metaKey, prefixSub, RawBatch, viewPrefix, type IndexMeta, type Level } from './store';

/** Groups built per chunk: one chunk's write stays small, and batches go on between chunks. */
export const BUILD_CHUNK = 2_000;

/** A level a read wanted, not kept yet. */
export interface WantedLevel {
	view: number;
	level: number;
}

/**
 * Starts building the wanted levels the index does not keep yet and builds one chunk of
 * each level under way; `meta` is updated once a write succeeded. Call only between
 * batches (it reads entries that batches write).
 * @returns Whether levels are left to build.
 */
export async function buildLevels(
	store: Level,
	meta: IndexMeta,
	wanted: WantedLevel[],
	chunk = BUILD_CHUNK
): Promise<boolean> {
	// Wanted levels join the metadata with their first chunk.
	let views = meta.views;
	for (const { view, level } of wanted) {
		const levels = views[view].levels;
		if (!levels || levels[level] !== undefined) continue;
		views = views.map((v, i) => (i === view ? { ...v, levels: { ...levels, [level]: '' } } : v));
	}
	let left = false;
	for (let view = 0; view < views.length; view++) {
		for (const [name, state] of Object.entries(views[view].levels ?? {})) {
			if (state === true) continue;
			const level = Number(name);
			const done = await buildChunk(store, { ...meta, views }, view, level, state, chunk);
			views = views.map((v, i) =>
				i === view ? { ...v, levels: { ...v.levels, [level]: done.state } } : v
			);
			await done.write({ ...meta, views });
			// Only once written: a batch keeps up to date exactly the groups the store has.
			meta.views = views;
			if (done.state !== true) left = true;
		}
	}
	return left;
}

/**
 * Builds the next groups of a level after `after` (the last group built; '' for none)
 * from the exact entries of their members.
 */
async function buildChunk(
	store: Level,
	meta: IndexMeta,
	view: number,
	level: number,
	after: string,
	limit: number
): Promise<{ state: true | string; write: (next: IndexMeta) => Promise<void> }> {
	const reader = new ViewReader(store, undefined, meta, view);
	const space = viewPrefix(meta.id, view) + prefixSub(level);
	const end = after === '' ? undefined : groupMembers(after).end;
	const range = end === undefined ? {} : { lo: { row: '5' + end, key: end } };
	const batch = new RawBatch(store);
	let state: true | string = true;
	let built = 0;
	for await (const group of reader.foldedGroups(range, level, false)) {
		const key = reader.encoder.encode(JSON.stringify(group.key));
		batch.put(
			space + group.idx,
			entryText(key.readsBack ? undefined : key.json, settled(group.aggregate))
		);
		if (++built === limit) {
			state = group.idx;
			break;
		}
	}
	return {
		state,
		write: (next) => batch.write(metaKey(meta.id), JSON.stringify(next))
	};
}
