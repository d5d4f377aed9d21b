/**
 * What the benchmarks read of the embedded store's process, which they start as the app
 * does (src/lib/server/embedded/store-process.ts, `viewEngine: false` for PouchDB's own
 * map/reduce), so its memory and CPU time are its own: read from /proc.
 */
import fs from 'node:fs';

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
