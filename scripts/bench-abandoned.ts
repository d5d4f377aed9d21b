/**
 * `npm run bench:abandoned -- DIR [--clients 4] [--after 300] [--reads 15]`
 *
 * What readers who give up cost an owner: on a copy of a store `npm run bench:catchup --
 * seed DIR N` wrote, the store in a process of its own (as the app runs it), indexed
 * and warmed, the whole owner dashboard over 30 days is read `--reads` times alone, then
 * as many times while `--clients` readers each send the store a heavy view read over and
 * over (every `session-records` row of the site, a few hundred ms alone) and leave each
 * after `--after` ms (abort it, as the app aborts its requests for a share page that was
 * closed). Prints the owner's median and slowest read, the readers' reads that ended and
 * that were given up, and the store process's CPU time per second of each phase.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createCouch } from '../src/lib/server/couch';
import { startStoreProcess } from '../src/lib/server/embedded/store-process';
import { readDashboard } from '../src/lib/server/stats/dashboard';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import { NOW, copySeed } from './bench-api';
import { machine } from './bench-machine';
import { cpuSeconds } from './bench-store';

const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: {
		clients: { type: 'string', default: '4' },
		after: { type: 'string', default: '300' },
		reads: { type: 'string', default: '15' }
	}
});
const [dir] = positionals;
if (!dir) throw new Error('usage: bench:abandoned -- DIR [--clients 4] [--after 300] [--reads 15]');
const CLIENTS = Number(values.clients);
const AFTER_MS = Number(values.after);
const READS = Number(values.reads);
/** Longest a phase of owner reads goes on (a read under way then still ends). */
const PHASE_MS = 120_000;

const site = { id: 'bench', name: 'bench', timeZone: 'UTC', goals: [] };
const DASHBOARD = new URLSearchParams('range=custom&from=2026-10-01&to=2026-10-30');

const copy = await copySeed(dir);
const store = await startStoreProcess({ dataDir: copy, viewEngine: true }, (line) =>
	console.log(line)
);
try {
	const couch = createCouch(store.url, 'bench');
	/** Dashboard reads that failed (a store that cannot keep up may drop connections). */
	let failed = 0;
	const read = async () => {
		const data = await readDashboard(couch, site, DASHBOARD, { now: () => NOW });
		if (data.problem) failed++;
	};
	// Waits for the index without reading a row (bench-catchup.ts).
	const indexed = () => statsIndexed(couch);
	await indexed();
	// The group levels and fences the first reads want are built between batches.
	for (let i = 0; i < 10; i++) await read();
	await indexed();

	/** The owner's reads, one after another; ms each, and the store's CPU-s per second. */
	const ownerReads = async () => {
		const [cpu, started] = [cpuSeconds(store.pid), performance.now()];
		const times: number[] = [];
		// A store that cannot keep up would take the phase for ever: at most PHASE_MS.
		for (let i = 0; i < READS && performance.now() - started < PHASE_MS; i++) {
			const at = performance.now();
			await read();
			times.push(performance.now() - at);
		}
		const load = (cpuSeconds(store.pid) - cpu) / ((performance.now() - started) / 1000);
		return { times: times.sort((a, b) => a - b), load };
	};
	const report = (label: string, run: { times: number[]; load: number }) => {
		if (!run.times.length) {
			console.log(`  ${label.padEnd(26)} no read ended in ${PHASE_MS / 1000} s`);
			return;
		}
		console.log(
			`  ${label.padEnd(26)} median ${median(run.times).toFixed(0).padStart(5)} ms, ` +
				`slowest ${run.times.at(-1)!.toFixed(0).padStart(5)} ms ` +
				`(${run.times.length} reads), ` +
				`store CPU ${run.load.toFixed(2)} s/s` +
				(failed ? `, ${failed} failed` : '')
		);
		failed = 0;
	};

	console.log(`bench:abandoned ${dir}: ${machine()}`);
	report('alone', await ownerReads());

	// A reader's heavy read: every timeline record of the site (about one per record), as
	// the store answers it; the reader leaves after AFTER_MS.
	const heavy = new URL(
		`/${couch.names.events}/_design/stats/_view/session-records?reduce=false&` +
			new URLSearchParams({ startkey: '["bench"]', endkey: '["bench",{}]' }),
		store.url.origin
	);
	const authorization = `Basic ${Buffer.from(
		`${decodeURIComponent(store.url.username)}:${decodeURIComponent(store.url.password)}`
	).toString('base64')}`;
	const heavyRead = async (signal?: AbortSignal) => {
		const res = await fetch(heavy, { headers: { authorization }, signal });
		if (!res.ok) throw new Error(`heavy read: ${res.status}`);
		return (await res.arrayBuffer()).byteLength;
	};
	const alone = [];
	for (let i = 0; i < 5; i++) {
		const at = performance.now();
		const bytes = await heavyRead();
		alone.push(performance.now() - at);
		if (i === 4) {
			console.log(
				`  a reader's read alone: median ${median(alone.sort((a, b) => a - b)).toFixed(0)} ms, ${bytes} bytes`
			);
		}
	}
	let stop = false;
	const readers = { ended: 0, left: 0, failed: 0 };
	const reader = async () => {
		while (!stop) {
			const leaves = new AbortController();
			const timer = setTimeout(() => leaves.abort(), AFTER_MS);
			try {
				await heavyRead(leaves.signal);
				readers.ended++;
			} catch (e) {
				if (!leaves.signal.aborted) {
					readers.failed++;
					console.log(`  a reader's read failed: ${e}`);
				} else readers.left++;
			} finally {
				clearTimeout(timer);
			}
		}
	};
	const running = Array.from({ length: CLIENTS }, reader);
	const loaded = await ownerReads();
	stop = true;
	await Promise.all(running);
	report(`${CLIENTS} readers leaving at ${AFTER_MS} ms`, loaded);
	console.log(
		`  readers' reads: ${readers.ended} ended, ${readers.left} given up, ${readers.failed} failed`
	);
	console.log(`  ${machine()}`);
} finally {
	await store.close();
	fs.rmSync(copy, { recursive: true, force: true });
}

function median(sorted: number[]): number {
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
