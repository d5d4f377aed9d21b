/**
 * `npm run bench:batch -- DIR [--rounds 3] [--levels] [--dump FILE]`
 *
 * The view engine's batches alone (views/batch.ts `writeBatch`), for profiling and for
 * checking that a change to them stores the same bytes: the documents of a store seeded
 * by `npm run bench:catchup -- seed DIR N` are read once (with this checkout's design
 * documents, bench-api.ts `copySeed`), then written into a new view store as a new index
 * of `_design/stats`, in batches of 1,000 changes as the indexer cuts them, `rounds`
 * times, each into a store of its own. No PouchDB changes feed, no group level or fence
 * builds between batches (`--levels` keeps every group level from the start, as an index
 * read at every level would), no HTTP: what is left is mapping, keys, rows, entries and
 * their leveldb reads and writes. Prints CPU µs per record of all threads and of the
 * main thread (from `/proc/self/task`), and a hash of everything the first round's index
 * stores (`--dump FILE`: the dump itself, `<key hex> <value>` lines), which a change that
 * keeps the stored format must leave equal.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { createCouch } from '../src/lib/server/couch';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';
import { writeBatch, type Change } from '../src/lib/server/embedded/views/batch';
import { planDesign, type DesignDoc } from '../src/lib/server/embedded/views/design';
import { rowsFromStart } from '../src/lib/server/embedded/views/rows';
import { MapSandbox } from '../src/lib/server/embedded/views/sandbox';
import { indexRange, openViewStore, type IndexMeta } from '../src/lib/server/embedded/views/store';
import { benchOption, copySeed } from './bench-api';
import { machine, threadCpu } from './bench-machine';

const args = process.argv.slice(2);
const dir = args[0];
const rounds = Number(benchOption(args, 'rounds', '3'));
const dumpFile = benchOption(args, 'dump', '');
const everyLevel = args.includes('--levels');
// As the engine sets it when it runs on disk (engine.ts limitHeapGrowth).
v8.setFlagsFromString('--heap-growing-percent=25');

const copy = await copySeed(dir);
const store = await startEmbeddedCouch({ dataDir: copy, viewEngine: false });
const couch = createCouch(store.url, 'bench');
const changes: Change[] = [];
let since: string | number = 0;
for (;;) {
	const page = await couch.events.changes({
		since,
		limit: 5_000,
		include_docs: true,
		style: 'all_docs'
	});
	for (const change of page.results) changes.push(change as unknown as Change);
	since = page.last_seq;
	if (page.results.length === 0) break;
}
const ddoc = (await couch.events.get('_design/stats')) as unknown as DesignDoc;
await store.close();
fs.rmSync(copy, { recursive: true, force: true });
const plan = planDesign(ddoc);
const records = changes.filter((change) => !change.id.startsWith('_')).length;

console.log(`${records} records, ${plan.views.length} views; machine: ${machine()}`);
for (let round = 0; round < rounds; round++) {
	const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-batch-'));
	const views = await openViewStore(storeDir);
	const meta: IndexMeta = {
		id: 1,
		db: 'events',
		ddoc: '_design/stats',
		signature: 'bench',
		views: plan.views.map((view) => ({
			...view,
			rows: 0,
			depths: [],
			maxDepth: 0,
			...(everyLevel ? {} : { levels: {} }),
			rowsKept: rowsFromStart(view.reducer)
		})),
		includeDesign: false,
		seq: 0,
		state: 'building'
	};
	const sandbox = new MapSandbox(plan.views);
	const before = threadCpu();
	const started = performance.now();
	for (let first = 0; first < changes.length; first += 1_000) {
		const batch = changes.slice(first, first + 1_000);
		await writeBatch(views, meta, sandbox, batch, batch.at(-1)!.seq, () => {});
	}
	const wall = performance.now() - started;
	const after = threadCpu();
	const perRecord = (seconds: number) => Math.round((seconds * 1e6) / records);
	let hash = '';
	if (round === 0) {
		const digest = crypto.createHash('sha256');
		const lines: string[] = [];
		for await (const [key, value] of views.iterator({ ...indexRange(1), keyEncoding: 'buffer' })) {
			const line = `${(key as unknown as Buffer).toString('hex')} ${value}\n`;
			digest.update(line);
			if (dumpFile) lines.push(line);
		}
		if (dumpFile) fs.writeFileSync(dumpFile, lines.join(''));
		hash = `, index hash ${digest.digest('hex').slice(0, 16)}`;
	}
	await views.close();
	fs.rmSync(storeDir, { recursive: true, force: true });
	console.log(
		`round ${round + 1}: ${Math.round(wall)} ms wall, CPU µs per record: all threads ` +
			`${perRecord(after.main + after.others - before.main - before.others)}, ` +
			`main thread ${perRecord(after.main - before.main)}` +
			`${hash}; load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`
	);
}
