/**
 * The embedded store in a process of its own, for the benchmarks: its memory is then
 * its own (peak resident set read from /proc), as when the app runs it.
 *
 * Run directly (`tsx scripts/bench-store.ts DATA_DIR [--old-engine]`), it starts the store
 * on the data directory and prints `PORT <port>`, and closes it on SIGTERM; `--old-engine`
 * leaves views to PouchDB's own map/reduce, for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';

/** A running store process and its admin URL. */
export interface StoreProcess {
	child: ChildProcess;
	url: URL;
}

/** Starts the store on a data directory in a child process and connects as its admin. */
export async function startStoreProcess(
	dataDir: string,
	options: { viewEngine: boolean }
): Promise<StoreProcess> {
	const args = ['--import', 'tsx', fileURLToPath(import.meta.url), dataDir];
	if (!options.viewEngine) args.push('--old-engine');
	// As `npm start` runs the app (scripts/start.js): two malloc arenas.
	const child = spawn(process.execPath, args, {
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { MALLOC_ARENA_MAX: '2', ...process.env }
	});
	const port = await new Promise<string>((resolve, reject) => {
		let out = '';
		child.stdout!.on('data', (chunk) => {
			out += chunk;
			const match = /PORT (\d+)/.exec(out);
			if (match) resolve(match[1]);
		});
		child.once('exit', (code) => reject(new Error(`the store exited with ${code}`)));
	});
	const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'couchdb-admin.json'), 'utf8'));
	const url = new URL(`http://127.0.0.1:${port}/`);
	url.username = credentials.user;
	url.password = credentials.password;
	return { child, url };
}

/** Closes a store process started by {@link startStoreProcess} and waits until it has exited. */
export async function stopStoreProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	await exited;
}

/** Resets a process's peak resident set to its current size (Linux `clear_refs`). */
export function resetPeakRss(pid: number): void {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
	} catch {
		// Not Linux, or not allowed: the peak is then since the process started.
	}
}

/**
 * A process's resident set in MB: now (`VmRSS`), its peak (`VmHWM`), or now its
 * anonymous (`RssAnon`) or file-backed (`RssFile`) part.
 */
export function rssMb(
	pid: number,
	field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile' = 'VmRSS'
): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
	return Math.round(kb / 1024);
}

/** The peaks a {@link sampleRss} sampler saw, in MB. */
export interface RssPeaks {
	/** Anonymous memory: the JavaScript heap, malloc (leveldb's memtables and caches). */
	anon: number;
	/**
	 * File-backed pages: the stores' table files, which leveldb maps into memory (mmap)
	 * while it keeps them open (at most 64 tables per leveldb, src/lib/server/embedded/tables.ts),
	 * and the node binary and its libraries (about 53 MB). They count in the resident set
	 * but are the kernel's page cache, dropped under memory pressure.
	 */
	file: number;
}

/**
 * Samples a process's resident set (`RssAnon`, `RssFile`) every 200 ms until the
 * returned function is called, which gives the peak of each. `VmHWM` alone cannot tell
 * memory the process allocated from table files it has mapped.
 */
export function sampleRss(pid: number): () => RssPeaks {
	const peaks = { anon: 0, file: 0 };
	const sample = () => {
		peaks.anon = Math.max(peaks.anon, rssMb(pid, 'RssAnon'));
		peaks.file = Math.max(peaks.file, rssMb(pid, 'RssFile'));
	};
	sample();
	const timer = setInterval(sample, 200);
	timer.unref();
	return () => {
		clearInterval(timer);
		sample();
		return { ...peaks };
	};
}

/**
 * CPU time a process has used so far (user + system, Linux `/proc/<pid>/stat`), in
 * seconds: on a shared machine, work per CPU-second does not depend on the load.
 */
export function cpuSeconds(pid: number): number {
	// Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
	const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const store = await startEmbeddedCouch({
		dataDir: process.argv[2],
		viewEngine: !process.argv.includes('--old-engine')
	});
	console.log(`PORT ${store.url.port}`);
	process.once('SIGTERM', () => void store.close().then(() => process.exit(0)));
}
