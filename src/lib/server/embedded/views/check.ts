/**
 * A consistency check of one index, for tests and for debugging a store: every stored
 * entry must equal the aggregate recomputed from the level below it (an exact key's
 * from its rows, a group's from its members' entries), every group of a kept group level
 * must have its entry, and every view's row count must equal its rows. Costs a full read of the index.
 */
import { exactValue, type ExactSum } from './exact-sum';
import { ViewReader } from './reader';
import { settled, type Aggregate } from './reducers';
import { keyText, prefixSub, spaceRange, viewPrefix, type IndexMeta, type Level } from './store';

/**
 * Lists what is inconsistent in an index (empty when it is consistent).
 * @param store Read as it stands: call it while nothing writes the index.
 */
export async function checkIndex(store: Level, meta: IndexMeta): Promise<string[]> {
	const problems: string[] = [];
	for (let view = 0; view < meta.views.length; view++) {
		const name = meta.views[view].name;
		const prefix = viewPrefix(meta.id, view);
		const reader = new ViewReader(store, undefined, meta, view);
		let rows = 0;
		for await (const _ of store.keys(spaceRange(prefix + 'r|'))) rows++;
		if (rows !== meta.views[view].rows) {
			problems.push(`${name}: ${rows} rows stored, metadata says ${meta.views[view].rows}`);
		}
		const subs = [
			...meta.views[view].depths.map((depth) => `e${depth}|`),
			...Array.from({ length: Math.max(0, meta.views[view].maxDepth - 1) }, (_, i) => `p${i + 1}|`)
		];
		problems.push(...(await missingGroups(store, meta, view, reader)));
		for (const sub of subs) {
			for await (const [key, text] of store.iterator(spaceRange(prefix + sub))) {
				const entrySub = keyText(key as unknown as Buffer).slice(prefix.length);
				const { k: _k, d: dirty, ...read } = JSON.parse(text) as Aggregate & { k: unknown };
				const stored = settled(read);
				const { d: _d, ...fresh } = settled(await reader.recompute(entrySub));
				if (!sameAggregate(stored, fresh, Boolean(dirty))) {
					problems.push(`${name} ${entrySub}: stored ${text}, recomputed ${JSON.stringify(fresh)}`);
				}
			}
		}
	}
	return problems;
}

/**
 * The groups of each group level the view keeps (all of them, or up to where a level is
 * being built: levels.ts) that have members but no stored entry.
 */
async function missingGroups(
	store: Level,
	meta: IndexMeta,
	view: number,
	reader: ViewReader
): Promise<string[]> {
	const missing: string[] = [];
	const { name, maxDepth, levels } = meta.views[view];
	for (let level = 1; level < maxDepth; level++) {
		const state = levels ? levels[level] : true;
		if (state === undefined) continue;
		const stored = new Set<string>();
		const space = viewPrefix(meta.id, view) + prefixSub(level);
		for await (const key of store.keys(spaceRange(space))) {
			stored.add(keyText(key as unknown as Buffer).slice(space.length));
		}
		for await (const group of reader.foldedGroups({}, level, false)) {
			if (state !== true && group.idx > state) break;
			if (!stored.has(group.idx)) missing.push(`${name} p${level}|${group.idx}: no entry`);
		}
	}
	return missing;
}

function sameAggregate(a: Aggregate, b: Aggregate, dirty: boolean): boolean {
	const close = (x: unknown, y: unknown, sum = false): boolean => {
		if (sum) return close(exactValue(x as ExactSum), exactValue(y as ExactSum));
		if (typeof x === 'number' && typeof y === 'number') {
			return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
		}
		if (Array.isArray(x) && Array.isArray(y)) {
			const length = Math.max(x.length, y.length);
			return Array.from({ length }, (_, i) => close(x[i] ?? 0, y[i] ?? 0, true)).every(Boolean);
		}
		if (x && y && typeof x === 'object' && typeof y === 'object') {
			const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
			return [...keys].every((key) =>
				close(
					(x as Record<string, unknown>)[key],
					(y as Record<string, unknown>)[key],
					key === 't' || key === 'q'
				)
			);
		}
		return x === y;
	};
	// The extremes of a dirty entry are stale by definition (reads recompute them).
	if (dirty) return close({ ...a, lo: 0, hi: 0 }, { ...b, lo: 0, hi: 0 });
	return close(a, b);
}
