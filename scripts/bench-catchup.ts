/**
 * `npm run bench:catchup -- seed DIR N [--time-order] [--history]` then `npm run bench:catchup -- run DIR [--dashboard]`
 *
 * The view engine's catch-up alone, for profiling (`node --cpu-prof --import tsx …
 * run`): `seed` writes N synthetic records into an on-disk store with views left to
 * PouchDB (nothing is indexed), in the order the synthetic sessions are drawn (random instants)
 * or, with `--time-order`, sorted by time as real traffic and imports arrive (`--history`: over
 * N / 10,000 × 30 days, as `bench:stats --history`); `run` copies that store (with this checkout's design documents, bench-api.ts
 * `copySeed`), starts the view engine on the copy in this process, asks for `_design/stats`, waits until it has caught up and prints
 * records per CPU-second, peak RSS, the event loop's delays (how long a request would
 * wait for the catch-up's slices) and the view store's size on disk. `run DIR --dashboard` first reads the whole owner
 * dashboard once (answered from what is indexed so far), so the group levels the app's
 * reads need are kept during the catch-up, as in a store the app reads (views/levels.ts).
 * `--keys` then counts the view store's keys per record by space (map rows, exact
 * entries, group levels, fences, back-index) and lists the views that keep their rows;
 * `--first-read` times the first `reduce=false` reads of `session-records` after the
 * catch-up (views/rows.ts: answered from the back-index until its rows are built), then
 * three reads each of the newest and the oldest session's timeline (their offsets need
 * the view's fences, views/fences.ts); `--keys` also lists the views keeping fences.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createCouch } from '../src/lib/server/couch';
import { ensureSetup } from '../src/lib/server/boot/setup';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';
import { STORE_DIRS } from '../src/lib/server/embedded/owner-only';
import { readDashboard } from '../src/lib/server/stats/dashboard';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import { openViewStore } from '../src/lib/server/embedded/views/store';
import { seedRecords, syntheticRecords } from '../tests/support/synthetic';
import { BENCH_PASSWORD, NOW, historyOf, startOnCopy } from './bench-api';
import { sampleRss } from './bench-store';
import { machine, threadCpu } from './bench-machine';

const [mode, dir, count] = process.argv.slice(2);
if (mode === 'seed') {
	const store = await startEmbeddedCouch({ dataDir: dir, viewEngine: false });
	const couch = createCouch(store.url, 'bench');
	await ensureSetup(couch, { adminPassword: BENCH_PASSWORD });
	const n = Number(count);
	const records = syntheticRecords(process.argv.includes('--history') ? historyOf(n) : { n });
	// Sessions are drawn at random instants; real traffic and imports arrive in time order.
	if (process.argv.includes('--time-order')) records.sort((a, b) => a.ts - b.ts);
	await seedRecords(couch, records);
	await store.close();
	console.log(`seeded ${records.length} records in ${dir}`);
} else {
	const { copy, store } = await startOnCopy(dir);
	const couch = createCouch(store.url, 'bench');
	const info = await couch.events.info();
	const sampler = sampleRss(process.pid);
	// How long the catch-up keeps the event loop, so any request, from answering.
	const loop = monitorEventLoopDelay({ resolution: 10 });
	loop.enable();
	const cpu = process.cpuUsage();
	const threadsBefore = threadCpu();
	const started = performance.now();
	if (process.argv.includes('--dashboard')) {
		const site = { id: 'bench', name: 'bench', timeZone: 'UTC', goals: [] };
		const range = new URLSearchParams('range=custom&from=2026-10-01&to=2026-10-30');
		const data = await readDashboard(couch, site, range, { now: () => NOW });
		if (data.problem) throw new Error(data.problem);
	}
	// Waits for the index without reading a row (statsIndexed's `limit: 0`), which a view
	// keeping its rows on demand (views/rows.ts) would answer from the back-index and then build.
	await statsIndexed(couch);
	const used = process.cpuUsage(cpu);
	const seconds = (used.user + used.system) / 1e6;
	const wall = (performance.now() - started) / 1000;
	const docs = info.doc_count;
	const peak = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
	const peaks = sampler();
	console.log(
		`${docs} docs: catch-up ${wall.toFixed(1)} s wall, ${seconds.toFixed(1)} CPU-s = ` +
			`${Math.round(docs / seconds)} records per CPU-second; peak RSS ${Math.round(Number(peak) / 1024)} MB ` +
			`(anonymous at most ${peaks.anon} MB, mapped store files at most ${peaks.file} MB); ` +
			`machine: ${machine()}`
	);
	loop.disable();
	const ms = (ns: number) => Math.round(ns / 1e6);
	console.log(
		`event loop delay during it: median ${ms(loop.percentile(50))} ms, ` +
			`99th percentile ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`
	);
	const threads = threadCpu();
	const fmt = (t: { main: number; others: number }) =>
		`main ${t.main.toFixed(2)}, other threads ${t.others.toFixed(2)}`;
	console.log(
		`CPU-s by thread since start: ${fmt(threads)}; over the catch-up: ` +
			fmt({
				main: threads.main - threadsBefore.main,
				others: threads.others - threadsBefore.others
			})
	);
	if (process.argv.includes('--first-read')) await firstReads(couch);
	await store.close();
	console.log(
		`view store on disk: ${Math.round(dirBytes(path.join(copy, STORE_DIRS.views)) / 2 ** 20)} MB`
	);
	if (process.argv.includes('--keys')) await countKeys(path.join(copy, STORE_DIRS.views), docs);
	fs.rmSync(copy, { recursive: true, force: true });
}

/** Bytes of the files under a directory. */
function dirBytes(dir: string): number {
	let total = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const file = path.join(dir, entry.name);
		total += entry.isDirectory() ? dirBytes(file) : fs.statSync(file).size;
	}
	return total;
}

/** Keys per record of each space of the view store, and which views keep their map rows. */
async function countKeys(dir: string, docs: number): Promise<void> {
	const db = await openViewStore(dir);
	const counts: Record<string, number> = {};
	for await (const key of db.keys()) {
		const space = /^i\d+\/(?:b|\d+\/([a-z])\d*)\|/.exec(key);
		const name = space ? (space[1] ?? 'b') : 'other';
		counts[name] = (counts[name] ?? 0) + 1;
	}
	const names: Record<string, string> = { r: 'rows', e: 'exact entries', p: 'group entries' };
	Object.assign(names, { f: 'fences', b: 'back-index', d: 'dirty', other: 'other' });
	const perRecord = Object.entries(counts)
		.map(([name, n]) => `${names[name] ?? name} ${(n / docs).toFixed(2)}`)
		.join(', ');
	console.log(`view store keys per record: ${perRecord}`);
	for await (const text of db.values({ gte: 'M|index|', lt: 'M|index}' })) {
		const meta = JSON.parse(text) as {
			ddoc: string;
			views: { name: string; rowsKept?: unknown; fences?: unknown }[];
		};
		const kept = meta.views
			.filter((view) => view.rowsKept !== false)
			.map((view) =>
				typeof view.rowsKept === 'string' ? `${view.name} (being built)` : view.name
			);
		console.log(`${meta.ddoc}: rows kept for ${kept.join(', ') || 'no view'}`);
		const fenced = meta.views.filter((view) => view.fences !== undefined).map((v) => v.name);
		console.log(`${meta.ddoc}: fences kept for ${fenced.join(', ') || 'no view'}`);
	}
	await db.close();
}

/** Times ten reads of the newest session-records rows, one after the other. */
async function firstReads(couch: ReturnType<typeof createCouch>): Promise<void> {
	const times: string[] = [];
	for (let i = 0; i < 10; i++) {
		const started = performance.now();
		await couch.events.view('stats', 'session-records', {
			reduce: false,
			limit: 50,
			descending: true
		});
		times.push(`${Math.round(performance.now() - started)} ms`);
	}
	console.log(`session-records reduce=false reads after the catch-up: ${times.join(', ')}`);
	// A session's timeline, as readSessionTimeline reads it: its offset needs the view's
	// fences, or a walk of the sessions before it (views/fences.ts).
	const newest = await couch.events.view('stats', 'session-records', {
		reduce: false,
		limit: 1,
		descending: true
	});
	const oldest = await couch.events.view('stats', 'session-records', { reduce: false, limit: 1 });
	for (const [label, row] of [
		['newest', newest.rows[0]],
		['oldest', oldest.rows[0]]
	] as const) {
		const [site, sid] = row.key as [string, string];
		const timeline: string[] = [];
		for (let i = 0; i < 3; i++) {
			const started = performance.now();
			await couch.events.view('stats', 'session-records', {
				startkey: [site, sid],
				endkey: [site, sid, {}],
				reduce: false,
				limit: 101
			});
			timeline.push(`${Math.round(performance.now() - started)} ms`);
		}
		console.log(`${label} session's timeline, three reads: ${timeline.join(', ')}`);
	}
}
