/**
 * Recomputes the `_stats` minimum and maximum of entries that deletions marked dirty
 * (see reducers.ts): exact keys from their rows first, then group_level groups from
 * the deepest level up, each from the level below it, so every recomputation reads
 * clean entries. Runs when the indexer has caught up (the index is not being written),
 * and writes each level in one batch. Until then, reads recompute a dirty entry they
 * need on the fly, so answers are right either way; healing only makes them cheap again.
 */
import { entryText } from './batch';
import { keyBytes } from './collation';
import { ViewReader } from './reader';
import { settled } from './reducers';
import { DIRTY, keyText, spaceRange, viewPrefix, type IndexMeta, type Level } from './store';

/** Heals every dirty entry of an index. */
export async function healDirty(store: Level, meta: IndexMeta): Promise<void> {
	for (let view = 0; view < meta.views.length; view++) {
		if (meta.views[view].reducer !== '_stats') continue;
		const prefix = viewPrefix(meta.id, view);
		const markers: string[] = [];
		for await (const key of store.keys(spaceRange(prefix + DIRTY))) {
			markers.push(keyText(key as unknown as Buffer).slice(prefix.length + DIRTY.length));
		}
		if (!markers.length) continue;
		// Exact keys ('e…') first, then groups from the deepest level up.
		const rank = (sub: string) =>
			sub.startsWith('e') ? Infinity : Number(sub.slice(1, sub.indexOf('|')));
		const levels = [...new Set(markers.map(rank))].sort((a, b) => b - a);
		const reader = new ViewReader(store, undefined, meta, view);
		for (const level of levels) {
			const batch = store.batch();
			for (const sub of markers.filter((m) => rank(m) === level)) {
				const storeKey = prefix + sub;
				const bytes = { keyEncoding: 'buffer' } as const;
				const text = await store.get(keyBytes(storeKey), bytes);
				batch.del(keyBytes(prefix + DIRTY + sub), bytes);
				if (text === undefined) continue;
				const fresh = settled(await reader.recompute(sub));
				// Only a key that does not read back keeps its `k` (batch.ts entryText).
				const stored = JSON.parse(text) as { k?: unknown };
				const keyJson = 'k' in stored ? JSON.stringify(stored.k) : undefined;
				batch.put(keyBytes(storeKey), entryText(keyJson, fresh), bytes);
			}
			await batch.write();
		}
	}
}
