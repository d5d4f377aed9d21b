/**
 * `npm run bench:import [-- --lines 1000000] [--seed 10000]`
 *
 * A large history import into the on-disk embedded store (its own process, view
 * engine on), as a new user would run it: first `--seed` synthetic records are indexed;
 * then `npm run import` sends an NDJSON file of `--lines` lines while the owner
 * dashboard is read once a second, until the import has ended and everything is
 * indexed. Prints the import's duration, how long indexing went on after it, the
 * dashboard's server time during it all (median, 95th percentile, maximum), whether
 * it ever showed fewer pageviews than were indexed before the import began, and the
 * final totals against the file's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCouch, type Couch } from '../src/lib/server/couch';
import { readDashboard } from '../src/lib/server/stats/dashboard';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import { ensureSetup } from '../src/lib/server/boot/setup';
import { siteDocId } from '../src/lib/server/accounts/sites';
import { importLines } from '../tests/support/import-lines';
import { seedRecords, syntheticRecords } from '../tests/support/synthetic';
import { tempDir } from '../tests/support/app';
import { resetPeakRss, rssMb, sampleRss } from './bench-store';
import { startStoreProcess } from '../src/lib/server/embedded/store-process';
import { machine } from './bench-machine';
import { BENCH_PASSWORD } from './bench-api';

const NOW = Date.UTC(2027, 5, 1);
/** Every record of the run: the synthetic ones (October 2026) and the file's (7 s apart). */
const RANGE = new URLSearchParams({
	range: 'custom',
	from: '2026-09-01',
	to: '2027-05-31',
	tz: 'UTC'
});

async function main() {
	const { values } = parseArgs({
		options: {
			lines: { type: 'string', default: '1000000' },
			seed: { type: 'string', default: '10000' }
		}
	});
	const lines = Number(values.lines.replace(/_/g, ''));
	const seeded = Number(values.seed.replace(/_/g, ''));
	if (!Number.isInteger(lines) || lines < 5 || lines % 5 || !Number.isInteger(seeded)) {
		console.error(
			'usage: npm run bench:import -- [--lines 1000000 (a multiple of 5)] [--seed 10000]'
		);
		process.exit(2);
	}
	console.log(`machine: ${machine()}`);

	const dataDir = tempDir('couchstats-bench-import-');
	const { pid, url } = await startStoreProcess({ dataDir, viewEngine: true });
	try {
		const couch = createCouch(url, 'bench');
		await ensureSetup(couch, { adminPassword: BENCH_PASSWORD });
		const site = { id: 'bench', name: 'bench', timeZone: 'UTC' };
		await couch.sites.insert({
			_id: siteDocId('bench'),
			type: 'site',
			...site,
			hostnames: ['bench.example'],
			owners: [],
			tokens: [],
			createdAt: 0
		});
		const records = syntheticRecords({ n: seeded });
		await seedRecords(couch, records);
		await statsIndexed(couch);
		const before = await dashboard(couch, site);
		console.log(`before the import: ${before.pageviews} pageviews indexed (${seeded} records)`);

		const file = path.join(dataDir, 'history.ndjson');
		fs.writeFileSync(file, importLines(lines).join('\n') + '\n');
		resetPeakRss(pid);
		const sampler = sampleRss(pid);
		const started = performance.now();
		const importer = spawn(
			process.execPath,
			['--import', 'tsx', 'scripts/import.ts', file, '--site', 'bench'],
			{
				cwd: path.resolve(import.meta.dirname, '..'),
				env: {
					...process.env,
					COUCHDB_URL: url.toString(),
					COUCHSTATS_DB_PREFIX: 'bench',
					COUCHSTATS_DATA_DIR: dataDir
				},
				stdio: ['ignore', 'ignore', 'inherit']
			}
		);
		let importSeconds: number | undefined;
		const exited = new Promise<number | null>((resolve) =>
			importer.once('exit', (code) => {
				importSeconds = (performance.now() - started) / 1000;
				resolve(code);
			})
		);

		const times: number[] = [];
		let fewest = Infinity;
		let failures = 0;
		for (;;) {
			const tick = performance.now();
			try {
				const read = await dashboard(couch, site);
				times.push(performance.now() - tick);
				fewest = Math.min(fewest, read.pageviews);
				if (importSeconds !== undefined && !read.indexing) break;
			} catch (e) {
				failures++;
				console.error(`dashboard read failed: ${(e as Error).message}`);
			}
			await new Promise((resolve) =>
				setTimeout(resolve, Math.max(0, 1_000 - (performance.now() - tick)))
			);
		}
		const code = await exited;
		if (code !== 0) throw new Error(`the import exited with ${code}`);
		const indexedAfter = (performance.now() - started) / 1000 - importSeconds!;
		await statsIndexed(couch);
		const after = await dashboard(couch, site);
		const sorted = times.sort((a, b) => a - b);
		const at = (q: number) =>
			Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
		console.log(
			`import of ${lines} lines: ${importSeconds!.toFixed(0)} s (${Math.round(lines / importSeconds!)} lines/s); ` +
				`indexed ${indexedAfter.toFixed(0)} s after it ended`
		);
		console.log(
			`dashboard during import and indexing: ${times.length} reads, median ${at(0.5)} ms, ` +
				`95th percentile ${at(0.95)} ms, max ${at(1)} ms, ${failures} failed; ` +
				`fewest pageviews shown ${fewest} (${fewest >= before.pageviews ? 'never fewer than' : 'FEWER than'} the ${before.pageviews} indexed before)`
		);
		const expected = {
			pageviews: before.pageviews + (lines * 4) / 5,
			events: before.events + lines / 5
		};
		console.log(
			`after: ${after.pageviews} pageviews and ${after.events} events; expected ${expected.pageviews} and ${expected.events}: ` +
				(after.pageviews === expected.pageviews && after.events === expected.events
					? 'exact'
					: 'WRONG')
		);
		const peaks = sampler();
		console.log(
			`store peak RSS during import and indexing ${rssMb(pid, 'VmHWM')} MB ` +
				`(anonymous memory at most ${peaks.anon} MB, mapped store files at most ${peaks.file} MB); ` +
				`machine: ${machine()}`
		);
	} finally {
		process.kill(pid, 'SIGKILL');
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

/** The owner dashboard over every record: its totals and whether it was still indexing. */
async function dashboard(couch: Couch, site: { id: string; name: string; timeZone: string }) {
	const data = await readDashboard(couch, site, RANGE, { now: () => NOW });
	if (data.problem) throw new Error(data.problem);
	if (!data.totals?.ok) throw new Error('the dashboard could not read its totals');
	return {
		pageviews: data.totals.value.pageviews,
		events: data.totals.value.events,
		indexing: data.indexing
	};
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
