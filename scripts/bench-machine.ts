/**
 * The machine a benchmark runs on, for its output: cores, load average, and how long a
 * fixed workload takes right now; and the CPU time of the benchmark's threads. On this shared virtual machine the same catch-up of
 * the same store took 22.5 CPU-s at one moment and 10.8 half an hour later, with the
 * load average alike (src/lib/server/embedded/views/MEASURED.md, "1M records again, and a
 * machine whose speed changes"): the load average does not show how fast a CPU-second
 * is, the workload's time does. Two runs' figures compare only when it was alike.
 */
import fs from 'node:fs';
import os from 'node:os';

/** The load average over 1, 5 and 15 minutes, one decimal each: `1.5 3.8 4.7`. */
export function loadAverage(): string {
	return os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ');
}

/**
 * How long a fixed workload takes, in ms: 200,000 `JSON.stringify`/`JSON.parse` round
 * trips of a record-sized object, the kind of work the store does most. Lower is
 * faster; about 280 ms on this machine at its fastest, 700 at its slowest seen, idle.
 */
export function speedProbe(): number {
	const start = performance.now();
	let total = 0;
	for (let i = 0; i < 200_000; i++) {
		const text = JSON.stringify({
			site: 'bench',
			ts: 1_796_313_233_228 + i,
			path: `/page-${i % 50}`,
			props: { plan: 'pro', n: i }
		});
		total += (JSON.parse(text) as { path: string }).path.length;
	}
	if (total < 0) throw new Error('unreachable: keeps the loop from being optimised away');
	return Math.round(performance.now() - start);
}

/** `2 cores, load average 1.5 3.8 4.7, speed probe 280 ms (lower is faster)`. */
export function machine(): string {
	return (
		`${os.cpus().length} cores, load average ${loadAverage()}, ` +
		`speed probe ${speedProbe()} ms (lower is faster)`
	);
}

/**
 * CPU-seconds of this process's threads so far (`/proc/self/task`): the main thread, and
 * the others (V8's collector and compiler threads, libuv's pool, leveldb's compaction)
 * together. Take two and subtract for a stretch of work.
 */
export function threadCpu(): { main: number; others: number } {
	let main = 0;
	let others = 0;
	for (const task of fs.readdirSync('/proc/self/task')) {
		let stat: string;
		try {
			stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
		} catch {
			continue; // a thread that ended meanwhile
		}
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
		if (task === String(process.pid)) main += seconds;
		else others += seconds;
	}
	return { main, others };
}
