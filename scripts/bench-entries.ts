/**
 * `npm run bench:entries -- DIR [--batch 1000] [--order seq|time] [--levels all|none]`
 *
 * What a catch-up of a store seeded by `npm run bench:catchup -- seed DIR N` writes, per
 * record, without indexing anything: the documents are read in the changes feed's order
 * (`seq`, the order they arrived in) or sorted by their `ts` (`time`, as real traffic and
 * imports arrive), mapped by every served view of every design document, and cut into
 * batches as the indexer cuts them. Per design document, view and entry kind (`e`: one
 * entry per distinct key; `p<L>`: one per group_level=L group) it prints the rows and
 * the stored entries a batch reads and writes (distinct per batch), so the entry kinds
 * worth removing show in numbers. `--levels none` counts what an index keeping no group
 * level writes (views/levels.ts: the levels the app's reads need are few and small).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCouch } from '../src/lib/server/couch';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';
import { KeyEncoder, groupPrefixes } from '../src/lib/server/embedded/views/collation';
import { planDesign, type DesignDoc } from '../src/lib/server/embedded/views/design';
import { MapSandbox } from '../src/lib/server/embedded/views/sandbox';
import { benchOption } from './bench-api';

const args = process.argv.slice(2);
const dir = args[0];
const option = (name: string, fallback: string) => benchOption(args, name, fallback);
const batchSize = Number(option('batch', '1000'));
const order = option('order', 'seq');
const keepLevels = option('levels', 'all') === 'all';

const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-entries-'));
fs.cpSync(dir, copy, { recursive: true });
const store = await startEmbeddedCouch({ dataDir: copy, viewEngine: false });
const couch = createCouch(store.url, 'bench');
const docs: Record<string, unknown>[] = [];
let since: string | number = 0;
for (;;) {
	const page = await couch.events.changes({ since, limit: 5_000, include_docs: true });
	for (const change of page.results) {
		if (change.doc && !change.id.startsWith('_')) docs.push(change.doc as Record<string, unknown>);
	}
	since = page.last_seq;
	if (page.results.length === 0) break;
}
const designs = (
	await couch.events.list({ startkey: '_design/', endkey: '_design0', include_docs: true })
).rows.map((row) => row.doc as unknown as DesignDoc);
await store.close();
fs.rmSync(copy, { recursive: true, force: true });
if (order === 'time') docs.sort((a, b) => (a.ts as number) - (b.ts as number));

/** Totals of one design document's view over the whole run, per entry kind. */
interface Tally {
	rows: number;
	/** Entry kind → entries read-modify-written (distinct per batch). */
	entries: Map<string, number>;
	/** Entry kind → entries over the whole run (distinct overall). */
	distinct: Map<string, Set<string>>;
}
const lines: string[] = [];
let allRows = 0;
let allEntries = 0;
for (const ddoc of designs) {
	const plan = planDesign(ddoc);
	if (!plan.views.length) continue;
	const sandbox = new MapSandbox(plan.views);
	const tallies = plan.views.map((): Tally => ({
		rows: 0,
		entries: new Map(),
		distinct: new Map()
	}));
	for (let first = 0; first < docs.length; first += batchSize) {
		const encoder = new KeyEncoder();
		const perBatch = plan.views.map(() => new Map<string, Set<string>>());
		const chunk = docs.slice(first, first + batchSize);
		for (let c = 0; c < chunk.length; c += 100) {
			const mapped = sandbox.run(chunk.slice(c, c + 100).map((doc) => JSON.stringify(doc)));
			for (const perView of mapped.emits) {
				perView.forEach((flat, view) => {
					tallies[view].rows += flat.length / 2;
					for (let r = 0; r < flat.length; r += 2) {
						const key = encoder.encode(flat[r]);
						const kinds: [string, string][] = [['e', key.idx]];
						const prefixes = groupPrefixes(key);
						for (let level = 1; keepLevels && level < key.depth; level++) {
							kinds.push([`p${level}`, prefixes[level - 1]]);
						}
						for (const [kind, idx] of kinds) {
							let set = perBatch[view].get(kind);
							if (!set) perBatch[view].set(kind, (set = new Set()));
							set.add(idx);
						}
					}
				});
			}
		}
		perBatch.forEach((kinds, view) => {
			for (const [kind, set] of kinds) {
				const { entries, distinct } = tallies[view];
				entries.set(kind, (entries.get(kind) ?? 0) + set.size);
				let all = distinct.get(kind);
				if (!all) distinct.set(kind, (all = new Set()));
				for (const idx of set) all.add(idx);
			}
		});
	}
	let ddocRows = 0;
	let ddocEntries = 0;
	plan.views.forEach((view, i) => {
		const { rows, entries, distinct } = tallies[i];
		const written = [...entries.values()].reduce((a, b) => a + b, 0);
		ddocRows += rows;
		ddocEntries += written;
		const kinds = [...entries.keys()]
			.sort()
			.map(
				(kind) =>
					`${kind} ${(entries.get(kind)! / docs.length).toFixed(2)}` +
					` (${distinct.get(kind)!.size} distinct)`
			)
			.join(', ');
		lines.push(
			`  ${view.name.padEnd(16)} ${view.reducer ?? 'none'}: rows ${(rows / docs.length).toFixed(2)}, ` +
				`entries ${(written / docs.length).toFixed(2)} — ${kinds}`
		);
	});
	lines.splice(
		lines.length - plan.views.length,
		0,
		`${ddoc._id}: rows ${(ddocRows / docs.length).toFixed(2)}, entries ${(ddocEntries / docs.length).toFixed(2)} per record`
	);
	allRows += ddocRows;
	allEntries += ddocEntries;
}
console.log(
	`${docs.length} records in ${order} order, batches of ${batchSize}, ` +
		`${keepLevels ? 'every group level' : 'no group level'} kept: ` +
		`${(allRows / docs.length).toFixed(2)} rows and ${(allEntries / docs.length).toFixed(2)} ` +
		'entry read-modify-writes per record'
);
for (const line of lines) console.log(line);
