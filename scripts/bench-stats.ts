/**
 * `npm run bench:stats [-- --n 10000,50000] [--n 1000000]`
 *
 * For each N: starts a fresh embedded store (memory adapter), seeds N synthetic records
 * through `_bulk_docs`, then calls the Stats API handler in process for a fixed 7-day
 * range — once to build the indexes, then warm — and prints the latency and the view
 * rows read per request. The synthetic traffic draws from fixed sets of paths,
 * referrers, browsers and so on, so for the fixed range the rows read must not grow
 * with N; latency on the embedded store does (PouchDB reduces at query time), while
 * Apache CouchDB reads stored reductions.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createCouch } from '../src/lib/server/couch';
import { readDesignDocs } from '../src/lib/server/design-docs';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';
import { ensureSetup } from '../src/lib/server/setup';
import { siteDocId } from '../src/lib/server/sites';
import { handleStats } from '../src/lib/server/stats/handler';
import { untilIndexed } from '../src/lib/server/stats/still-indexing';
import { createToken } from '../src/lib/server/tokens';
import { syntheticRecords } from '../tests/fixtures/synthetic';
import { tempDir } from '../tests/helpers/app';

const WARM_RUNS = 5;
const RANGES = [
	{ label: '7 days UTC', query: 'from=2026-10-10&to=2026-10-16&tz=UTC' },
	{ label: '7 days Paris', query: 'from=2026-10-10&to=2026-10-16&tz=Europe/Paris' },
	{ label: '30 days UTC', query: 'from=2026-10-01&to=2026-10-30&tz=UTC' },
	{ label: '7 days, source', query: 'from=2026-10-10&to=2026-10-16&tz=UTC&source=google.com' },
	{ label: '7 days, page', query: 'from=2026-10-10&to=2026-10-16&tz=UTC&page=/' },
	{ label: '7 days, event', query: 'from=2026-10-10&to=2026-10-16&tz=UTC&event=signup' }
];

async function main() {
	const { values } = parseArgs({ options: { n: { type: 'string', default: '10000,50000' } } });
	const sizes = values.n.split(',').map((s) => Number(s.replace(/_/g, '')));
	if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
		console.error('usage: npm run bench:stats -- --n 10000,50000');
		process.exit(2);
	}
	console.log(
		'N        range          seed docs/s  index build  first call  warm median  warm min  rows read  queries'
	);
	for (const n of sizes) await benchOne(n);
}

async function benchOne(n: number) {
	const dataDir = tempDir('couchstats-bench-stats-');
	const embedded = await startEmbeddedCouch({ dataDir, memory: true });
	try {
		// A prefix per N: the memory adapter keeps databases for the whole process.
		const couch = createCouch(embedded.url, `bench${n}`);
		await ensureSetup(couch, { adminPassword: 'bench-password-123' });
		const { secret, token } = createToken('bench');
		await couch.sites.insert({
			_id: siteDocId('bench'),
			type: 'site',
			id: 'bench',
			name: 'bench',
			hostnames: ['bench.example'],
			timeZone: 'UTC',
			owners: [],
			tokens: [token],
			createdAt: 0
		});

		const records = syntheticRecords({ n });
		const seedStart = performance.now();
		for (let i = 0; i < records.length; i += 5_000) {
			const res = (await couch.events.bulk({
				docs: records.slice(i, i + 5_000),
				new_edits: false
			})) as { error?: string; reason?: string }[];
			const failed = res.find((r) => r.error);
			if (failed) throw new Error(`seeding failed: ${failed.error} ${failed.reason}`);
		}
		const seedRate = n / ((performance.now() - seedStart) / 1000);

		const call = async (query: string) => {
			const url = new URL(`http://bench/api/v1/stats?site=bench&${query}`);
			const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
			const started = performance.now();
			const res = await handleStats(
				{ url, request, locals: { user: null } },
				{ couch, timeoutMs: 3_600_000, now: () => Date.UTC(2026, 9, 16, 12) }
			);
			const ms = performance.now() - started;
			if (res.status !== 200) throw new Error(`stats answered ${res.status}: ${await res.text()}`);
			const body = (await res.json()) as {
				meta: { rowsRead: number; queries: number };
				indexing: boolean;
			};
			return { ms, ...body.meta, indexing: body.indexing };
		};

		// Build every index first, one view at a time. A build can outlast CouchDB's 60 s
		// view timeout or undici's 300 s headers timeout; the server keeps building, so
		// asking again just waits on.
		const buildStart = performance.now();
		for (const view of Object.keys(
			readDesignDocs().events.find((d) => d._id === '_design/stats')?.views ?? {}
		)) {
			await untilIndexed(() => couch.events.view('stats', view, { limit: 1, reduce: false }));
		}
		const build = performance.now() - buildStart;

		let first: number | undefined;
		for (const range of RANGES) {
			const cold = await call(range.query);
			first ??= cold.ms;
			const warm = [];
			for (let i = 0; i < WARM_RUNS; i++) warm.push(await call(range.query));
			const times = warm.map((w) => w.ms).sort((a, b) => a - b);
			const rows = new Set(warm.map((w) => w.rowsRead));
			console.log(
				[
					String(n).padEnd(8),
					range.label.padEnd(14),
					String(Math.round(seedRate)).padStart(11),
					(first === cold.ms ? `${(build / 1000).toFixed(1)} s` : '-').padStart(12),
					`${Math.round(cold.ms)} ms`.padStart(10),
					`${Math.round(times[Math.floor(times.length / 2)])} ms`.padStart(12),
					`${Math.round(times[0])} ms`.padStart(9),
					[...rows].join('/').padStart(10),
					String(warm[0].queries).padStart(8)
				].join(' ')
			);
		}
		for (const name of Object.values(couch.names)) await couch.server.db.destroy(name);
	} finally {
		await embedded.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
