/**
 * `npm run bench:bulk -- [--records 20000] [--batch 5000]`
 *
 * The embedded store's `_bulk_docs` with couchstats' `validate_doc_update`, alone: an
 * on-disk store in its own process (views left to PouchDB, so nothing indexes), its
 * databases set up as the app sets them up, then `--records` synthetic records written
 * with `new_edits: false` in `_bulk_docs` of `--batch`, one after another, as the
 * importer and `bench:catchup seed` write them. Meanwhile the store's welcome (`GET /`,
 * which reads nothing) is asked every 50 ms: its answer time is how long the store's
 * event loop keeps any request, a dashboard read's included, waiting. Prints records per second
 * and per CPU-second of the store process, the probe's median, 95th percentile and
 * maximum, and the machine's load.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createCouch } from '../src/lib/server/couch';
import { ensureSetup } from '../src/lib/server/boot/setup';
import { syntheticRecords } from '../tests/support/synthetic';
import { tempDir } from '../tests/support/app';
import { basicAuth } from '../tests/support/test-couch';
import { cpuSeconds } from './bench-store';
import { startStoreProcess } from '../src/lib/server/embedded/store-process';
import { loadAverage } from './bench-machine';
import { BENCH_PASSWORD } from './bench-api';

const { values } = parseArgs({
	options: {
		records: { type: 'string', default: '20000' },
		batch: { type: 'string', default: '5000' }
	}
});
const total = Number(values.records);
const batch = Number(values.batch);
if (!Number.isInteger(total) || !Number.isInteger(batch) || total < 1 || batch < 1) {
	console.error('usage: npm run bench:bulk -- [--records 20000] [--batch 5000]');
	process.exit(2);
}

const dataDir = tempDir('couchstats-bench-bulk-');
const { pid, url } = await startStoreProcess({ dataDir, viewEngine: false });
try {
	const couch = createCouch(url, 'bench');
	await ensureSetup(couch, { adminPassword: BENCH_PASSWORD });
	const records = syntheticRecords({ n: total });
	console.log(
		`${records.length} records in _bulk_docs of ${batch}, new_edits false; load average ${loadAverage()}`
	);

	const probe = `${url.origin}/`;
	const headers = { authorization: basicAuth(url) };
	const waits: number[] = [];
	let writing = true;
	const probing = (async () => {
		while (writing) {
			const started = performance.now();
			const res = await fetch(probe, { headers });
			await res.arrayBuffer();
			waits.push(performance.now() - started);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	})();

	const cpu = cpuSeconds(pid);
	const started = performance.now();
	for (let i = 0; i < records.length; i += batch) {
		const answers = (await couch.events.bulk({
			docs: records.slice(i, i + batch),
			new_edits: false
		})) as { error?: string; reason?: string }[];
		if (answers.length) throw new Error(`refused: ${answers[0].error} ${answers[0].reason}`);
	}
	const seconds = (performance.now() - started) / 1000;
	const used = cpuSeconds(pid) - cpu;
	writing = false;
	await probing;

	const info = await couch.events.info();
	const designs = await couch.events.list({ startkey: '_design/', endkey: '_design0' });
	const sorted = waits.sort((a, b) => a - b);
	const at = (q: number) =>
		Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
	console.log(
		`written ${info.doc_count - designs.rows.length} records in ${seconds.toFixed(1)} s = ${Math.round(records.length / seconds)} records/s; ` +
			`store ${used.toFixed(1)} CPU-s = ${Math.round(records.length / used)} records per CPU-second`
	);
	console.log(
		`GET / while writing: ${sorted.length} reads, median ${at(0.5)} ms, ` +
			`95th percentile ${at(0.95)} ms, max ${at(1)} ms; load average ${loadAverage()}`
	);
} finally {
	process.kill(pid, 'SIGKILL');
	fs.rmSync(dataDir, { recursive: true, force: true });
}
