/**
 * A consistency check of one index, for tests and for debugging a store: every view's
 * stored rows must be exactly the rows its documents' back-index holds (all of them when
 * the view keeps its rows, those of the documents built so far while they are built, none
 * before: rows.ts), its row count their number, every exact entry the aggregate of its
 * key's rows in the back-index, every group entry the aggregate recomputed from its
 * members' entries, and every group of a kept group level must have its entry. Costs a
 * full read of the index.
 */
import { KeyEncoder } from './collation';
import { exactValue, type ExactSum } from './exact-sum';
import { ViewReader } from './reader';
import { addValue, settled, type Aggregate, type Delta } from './reducers';
import { backIndexTexts, documentRows, rowsMaintained } from './rows';
import type { MapSandbox } from './sandbox';
import {
	ROWS,
	exactSub,
	keyText,
	metaKey,
	prefixSub,
	spaceRange,
	viewPrefix,
	type IndexMeta,
	type Level
} from './store';

/**
 * Lists what is inconsistent in an index (empty when it is consistent).
 * @param store Read from one snapshot, with the metadata stored in it (`given` when none
 *   is stored yet), so a build chunk or batch written meanwhile is seen whole or not at all.
 */
export async function checkIndex(
	store: Level,
	given: IndexMeta,
	sandbox: MapSandbox
): Promise<string[]> {
	const snapshot = store.snapshot();
	try {
		const text = await store.get(metaKey(given.id), { snapshot });
		const meta: IndexMeta = text ? JSON.parse(text) : given;
		const problems: string[] = [];
		for (let view = 0; view < meta.views.length; view++) {
			problems.push(...(await checkView(store, snapshot, meta, sandbox, view)));
		}
		return problems;
	} finally {
		await snapshot.close();
	}
}

async function checkView(
	store: Level,
	snapshot: unknown,
	meta: IndexMeta,
	sandbox: MapSandbox,
	view: number
): Promise<string[]> {
	const problems: string[] = [];
	const viewMeta = meta.views[view];
	const { name, reducer } = viewMeta;
	const prefix = viewPrefix(meta.id, view);
	const reader = new ViewReader(store, snapshot as never, meta, view);
	const iterate = (sub: string) =>
		store.iterator({ ...spaceRange(prefix + sub), snapshot } as never);

	// What the back-index says: the rows a view keeps now, and every exact key's aggregate.
	const rows = new Map<string, string>();
	const exact = new Map<string, Delta>();
	let total = 0;
	for await (const texts of backIndexTexts(store, meta.id, { snapshot })) {
		const encoder = new KeyEncoder();
		const rowsOf = documentRows(sandbox, encoder, texts, view);
		for (let i = 0; i < texts.length; i++) {
			const maintained = rowsMaintained(viewMeta, texts[i][0]);
			for (const row of rowsOf[i]) {
				total++;
				if (maintained) rows.set(row.idx, row.text);
				const sub = exactSub(row.key.depth) + row.key.idx;
				let delta = exact.get(sub);
				if (!delta) exact.set(sub, (delta = { c: 0 }));
				const valued = reducer === '_sum' || reducer === '_stats';
				addValue(delta, reducer, valued ? JSON.parse(row.value) : null, 1);
			}
		}
	}
	if (total !== viewMeta.rows) {
		problems.push(`${name}: ${total} rows in the back-index, metadata says ${viewMeta.rows}`);
	}
	for await (const [key, text] of iterate(ROWS) as AsyncIterable<[Buffer, string]>) {
		const idx = keyText(key).slice(prefix.length + ROWS.length);
		const expected = rows.get(idx);
		if (expected !== text) {
			problems.push(`${name} row ${idx}: stored ${text}, back-index ${expected ?? 'none'}`);
		}
		rows.delete(idx);
	}
	for (const idx of rows.keys()) problems.push(`${name} row ${idx}: not stored`);

	problems.push(...(await missingGroups(store, snapshot, meta, view, reader)));
	const subs = [
		...viewMeta.depths.map((depth) => exactSub(depth)),
		...Array.from({ length: Math.max(0, viewMeta.maxDepth - 1) }, (_, i) => prefixSub(i + 1))
	];
	for (const sub of subs) {
		for await (const [key, text] of iterate(sub) as AsyncIterable<[Buffer, string]>) {
			const entrySub = keyText(key).slice(prefix.length);
			const { k: _k, d: dirty, ...read } = JSON.parse(text) as Aggregate & { k: unknown };
			const stored = settled(read);
			let recomputed: Aggregate;
			if (entrySub.startsWith('e')) {
				recomputed = exact.get(entrySub) ?? { c: 0 };
				exact.delete(entrySub);
			} else {
				recomputed = await reader.recompute(entrySub);
			}
			const { d: _d, ...fresh } = settled(recomputed);
			if (!sameAggregate(stored, fresh, Boolean(dirty))) {
				problems.push(`${name} ${entrySub}: stored ${text}, recomputed ${JSON.stringify(fresh)}`);
			}
		}
	}
	for (const sub of exact.keys()) problems.push(`${name} ${sub}: no entry`);
	return problems;
}

/**
 * The groups of each group level the view keeps (all of them, or up to where a level is
 * being built: levels.ts) that have members but no stored entry.
 */
async function missingGroups(
	store: Level,
	snapshot: unknown,
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
		for await (const key of store.keys({ ...spaceRange(space), snapshot } as never)) {
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
