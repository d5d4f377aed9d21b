/**
 * `npm run bench:stats [-- --n 10000,100000] [--old 10000,50000] [--million] [--history] [--from DIR,…]`
 *
 * The embedded store on disk, run as its own process (embedded/store-process.ts), per N:
 * seeds N synthetic records through `_bulk_docs` (insert rate), indexes them (catch-up
 * time and records/s, records per CPU-second of the store, which the machine's load
 * does not change, and the store's peak RSS during the catch-up), then calls the
 * Stats API handler for 7 days, 30 days, 12 months and all time (warm median of 10
 * requests, view rows read per request), the Journeys API (the busiest page) and the
 * Paths API (the entry pages, and the pages after the busiest) for 30 days the same
 * way, the Sessions API's first list page for 30 days (unfiltered, by source, by event;
 * with its total's own read, the `metrics` buckets, beside the `_count` of
 * `session-starts` over the range that the total was before), and reads the whole owner dashboard (every widget's reads; warm median of 10),
 * then exports the top pages as CSV and the whole dashboard as a ZIP for 30 days (warm
 * median of 10, and the answer's size), and, with the view engine, reads a 3-step funnel for 7 and 30 days through the Funnels
 * API handler, every batch to the end (warm median of 3), against the step-1 rows and
 * sessions it read, and the newest session's timeline (warm median of 10). At the end,
 * each larger N's warm medians over the smallest N's (the latency ratio the view engine's
 * issue sets at ≤ 1.5). `--old` runs the same with PouchDB's own
 * map/reduce instead of the view engine, for comparison; `--million` adds N = 1M.
 * The synthetic traffic draws from fixed sets of paths, referrers, browsers and so on
 * over 30 days, so N grows as denser traffic and the rows a range reads grow only until
 * every combination of the sets occurs (the buckets' rows at once, journeys' page pairs
 * later). `--history` grows N as a site's history grows instead: the records span
 * N / 10,000 × 30 days ending on 2026-10-31, so the fixed ranges' last 30 days hold about
 * 10,000 records at every N. `--from DIR,…` benchmarks the view engine on a copy of each
 * store `bench:catchup seed` wrote, with this checkout's design documents, instead of
 * seeding one (no insert rate): seeding 1M records takes minutes (142 s with the speed
 * probe at 250 ms), and one seed serves many runs (`seed … --time-order --history` draws
 * the same records as `--history` here).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createCouch, type Couch } from '../src/lib/server/couch';
import { readDashboard } from '../src/lib/server/stats/dashboard';
import { ensureSetup } from '../src/lib/server/boot/setup';
import { GRANULARITIES } from '../src/lib/stats/buckets';
import { untilIndexed } from '../src/lib/server/stats/still-indexing';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import {
	handleExport,
	handleJourneys,
	handlePaths,
	handleStats
} from '../src/lib/server/stats/handler';
import type { StatsRequest } from '../src/lib/server/stats/authorize';
import { handleSessionList } from '../src/lib/server/sessions/handler';
import { readSections } from '../src/lib/server/stats/read-stats';
import type { SessionListResponse } from '../src/lib/stats/sessions';
import { createToken } from '../src/lib/server/accounts/tokens';
import { seedRecords, syntheticRecords } from '../tests/support/synthetic';
import { tempDir } from '../tests/support/app';
import {
	BENCH_PASSWORD,
	NOW,
	benchSite,
	copySeed,
	funnelCall,
	historyOf,
	sessionsCall
} from './bench-api';
import { cpuSeconds, resetPeakRss, rssMb, sampleRss } from './bench-store';
import { startStoreProcess } from '../src/lib/server/embedded/store-process';
import { machine } from './bench-machine';

const WARM_RUNS = 10;
const RANGES = [
	{ label: '7 days', query: 'from=2026-10-24&to=2026-10-30&tz=UTC' },
	{ label: '30 days', query: 'from=2026-10-01&to=2026-10-30&tz=UTC' },
	{ label: '12 months', query: 'from=2025-11-01&to=2026-10-31&tz=UTC' },
	{ label: 'all time', query: 'from=2016-11-01&to=2026-10-31&tz=UTC' },
	// Half- and quarter-hour zones: quarter hours at the ends of each cover.
	{ label: '30 days IST', query: 'from=2026-10-01&to=2026-10-30&tz=Asia/Kolkata' },
	{ label: '2 days IST h', query: 'from=2026-10-29&to=2026-10-30&tz=Asia/Kolkata' },
	{ label: '12 mon. NPT', query: 'from=2025-11-01&to=2026-10-31&tz=Asia/Kathmandu' }
];
const DASHBOARD = 'range=custom&from=2026-10-01&to=2026-10-30';
/** The journeys and paths read, over 30 days (the synthetic entries are / and /page-1…4). */
const JOURNEYS = [
	{ label: 'journeys', api: 'journeys', query: 'from=2026-10-01&to=2026-10-30&tz=UTC' },
	{ label: 'paths', api: 'paths', query: 'from=2026-10-01&to=2026-10-30&tz=UTC' },
	{ label: 'paths /', api: 'paths', query: 'from=2026-10-01&to=2026-10-30&tz=UTC&step=/' }
] as const;

/** The session list's first page over 30 days, unfiltered and under a filter. */
const SESSION_LISTS = [
	{ label: 'sessions', filter: '' },
	{ label: 'sess. source', filter: '&source=news.ycombinator.com' },
	{ label: 'sess. event', filter: '&event=signup' }
];
const SESSIONS_RANGE = { from: '2026-10-01', to: '2026-10-30', tz: 'UTC' };

async function main() {
	const { values } = parseArgs({
		options: {
			n: { type: 'string', default: '10000,100000' },
			old: { type: 'string', default: '10000,50000' },
			million: { type: 'boolean', default: false },
			history: { type: 'boolean', default: false },
			from: { type: 'string', default: '' }
		}
	});
	const sizes = (list: string) =>
		list
			.split(',')
			.filter(Boolean)
			.map((s) => Number(s.replace(/_/g, '')));
	const seeds = values.from.split(',').filter(Boolean);
	const runs = [
		...seeds.map((seed) => ({ n: 1, engine: true, seed })),
		...(seeds.length ? [] : sizes(values.old).map((n) => ({ n, engine: false }))),
		...(seeds.length ? [] : [...sizes(values.n), ...(values.million ? [1_000_000] : [])]).map(
			(n) => ({ n, engine: true, seed: '' })
		)
	];
	if (runs.some((run) => !Number.isInteger(run.n) || run.n < 1)) {
		console.error(
			'usage: npm run bench:stats -- [--n 10000,100000] [--old 10000,50000] [--million] [--history] [--from DIR,…]'
		);
		process.exit(2);
	}
	console.log(`machine: ${machine()}`);
	const blocks: Block[] = [];
	for (const run of runs) blocks.push(await benchOne(run.n, run.engine, values.history, run.seed));
	printRatios(blocks.filter((block) => block.engine));
	console.log(`machine at the end: ${machine()}`);
}

/**
 * One run: N records seeded and benchmarked, or, with `seed`, the records of a copy of
 * that seeded store (N is then its count).
 */
/** What one N's block measured that the closing ratios compare: each read's warm median. */
interface Block {
	n: number;
	engine: boolean;
	medians: Map<string, number>;
}

async function benchOne(
	n: number,
	engine: boolean,
	history: boolean,
	seed: string
): Promise<Block> {
	const medians = new Map<string, number>();
	const name = engine ? 'view engine' : 'PouchDB';
	// Drawn before the store starts: drawing 1M records blocks this process for a minute,
	// longer than the store keeps an idle connection open, and the next request would
	// be written into a socket the store has closed (EPIPE).
	const records = seed ? [] : syntheticRecords(history ? historyOf(n) : { n });
	const dataDir = seed ? await copySeed(seed) : tempDir('couchstats-bench-stats-');
	const { pid, url } = await startStoreProcess({ dataDir, viewEngine: engine });
	try {
		const couch = createCouch(url, 'bench');
		await ensureSetup(couch, { adminPassword: BENCH_PASSWORD });
		const { secret, token } = createToken('bench');
		const site = benchSite(token);
		await couch.sites.insert(site);

		let insert = 'seeded store ' + seed;
		if (seed) {
			const designs = await couch.events.list({ startkey: '_design/', endkey: '_design0' });
			n = (await couch.events.info()).doc_count - designs.rows.length;
		} else {
			const seedStart = performance.now();
			await seedRecords(couch, records);
			insert = `insert ${Math.round(n / ((performance.now() - seedStart) / 1000))} records/s`;
			records.length = 0;
		}
		const rssBefore = rssMb(pid);

		resetPeakRss(pid);
		const sampler = sampleRss(pid);
		const indexStart = performance.now();
		const cpuStart = cpuSeconds(pid);
		await catchUp(couch, engine);
		const indexSeconds = (performance.now() - indexStart) / 1000;
		const indexCpu = cpuSeconds(pid) - cpuStart;
		const peakRss = rssMb(pid, 'VmHWM');
		const peaks = sampler();

		console.log(
			`\n${name}, N = ${n}${history && !seed ? ` over ${historyOf(n).days} days` : ''}: ${insert}; ` +
				`index catch-up ${indexSeconds.toFixed(1)} s = ${Math.round(n / indexSeconds)} records/s ` +
				`(store CPU ${indexCpu.toFixed(1)} s = ${Math.round(n / indexCpu)} records per CPU-second); ` +
				`store RSS before catch-up ${rssBefore} MB, peak during catch-up ${peakRss} MB ` +
				`(anonymous memory at most ${peaks.anon} MB, mapped store files at most ${peaks.file} MB)`
		);
		console.log('  range        warm median   warm min   first call   rows read   queries');
		const reads = [...RANGES.map((range) => ({ ...range, api: 'stats' as const })), ...JOURNEYS];
		for (const range of reads) {
			const call = () => apiCall(couch, secret, range.api, range.query);
			const first = await call();
			const warm = [];
			for (let i = 0; i < WARM_RUNS; i++) warm.push(await call());
			const times = warm.map((w) => w.ms).sort((a, b) => a - b);
			medians.set(range.label, median(times));
			console.log(
				[
					`  ${range.label.padEnd(12)}`,
					`${fmt(median(times))}`.padStart(11),
					`${fmt(times[0])}`.padStart(10),
					`${fmt(first.ms)}`.padStart(12),
					[...new Set(warm.map((w) => w.rowsRead))].join('/').padStart(11),
					String(first.queries).padStart(9),
					warm.some((w) => w.indexing) ? '  (indexing)' : ''
				].join('')
			);
		}
		await benchSessionLists(couch, secret);
		const newest = (
			(await sessionsCall(couch, secret, `sessions?${RANGES[1].query}&limit=1`))
				.body as SessionListResponse
		).sessions[0]?.sid;
		if (newest) {
			const timeline = await warmMedian(() => sessionsCall(couch, secret, `sessions/${newest}?`));
			const records = (timeline.first.body as { records: unknown[] }).records.length;
			console.log(
				`  newest session's timeline: warm median ${fmt(timeline.ms)}, first call ${fmt(timeline.first.ms)}, ${records} records`
			);
		}
		const dashboard = [];
		for (let i = 0; i <= WARM_RUNS; i++) {
			const started = performance.now();
			const data = await readDashboard(couch, site, new URLSearchParams(DASHBOARD), {
				now: () => NOW
			});
			if (data.problem) throw new Error(data.problem);
			if (i > 0) dashboard.push(performance.now() - started);
		}
		const keys = [];
		for (const g of GRANULARITIES) {
			const { rows } = await couch.events.view('stats', 'metrics', {
				startkey: [site.id, g],
				endkey: [site.id, g, {}],
				group_level: 3
			});
			keys.push(`${g} ${rows.length}`);
		}
		console.log(`  distinct metrics keys of the site scope: ${keys.join(', ')}`);
		console.log(
			`  whole owner dashboard (30 days): warm median ${fmt(median(dashboard.sort((a, b) => a - b)))}`
		);
		for (const what of ['breakdown=pages&format=csv', 'format=zip']) {
			const exported = await warmMedian(() =>
				exportCall(couch, secret, `${RANGES[1].query}&${what}`)
			);
			console.log(
				`  export ${what} (30 days): warm median ${fmt(exported.ms)}, first call ${fmt(exported.first.ms)}, ${(exported.first.bytes / 1024).toFixed(1)} KB`
			);
		}
		if (engine) {
			console.log(
				'  funnel       warm median   first call   batches   step-1 rows   sessions read   per session   steps'
			);
			for (const range of RANGES.slice(0, 2)) {
				const first = await funnelCall(couch, secret, range.query);
				const warm = [];
				for (let i = 0; i < 3; i++) warm.push((await funnelCall(couch, secret, range.query)).ms);
				const ms = median(warm.sort((a, b) => a - b));
				const { progress, steps } = first.last;
				console.log(
					[
						`  ${range.label.padEnd(12)}`,
						fmt(ms).padStart(11),
						fmt(first.ms).padStart(13),
						String(first.batches).padStart(10),
						String(progress.read).padStart(14),
						String(progress.sessionsRead).padStart(16),
						`${(ms / Math.max(1, progress.sessionsRead)).toFixed(2)} ms`.padStart(14),
						`   ${steps.map((s) => s.sessions).join(' → ')}`
					].join('')
				);
			}
		}
		console.log(`  store peak RSS over the whole run ${rssMb(pid, 'VmHWM')} MB`);
		return { n, engine, medians };
	} finally {
		process.kill(pid, 'SIGKILL');
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

/** Indexes every view of `_design/stats` and resolves once they are up to date. */
async function catchUp(couch: Couch, engine: boolean) {
	// The view engine builds every view of the design document at once.
	if (engine) return statsIndexed(couch);
	for (const view of [
		...['active', 'dimensions', 'dropped', 'event-props', 'events', 'metrics', 'not-found'],
		...['pages', 'scroll', 'since', 'visitors']
	]) {
		await untilIndexed(() => couch.events.view('stats', view, { limit: 1, reduce: false }));
	}
}

const HANDLERS = { stats: handleStats, journeys: handleJourneys, paths: handlePaths };

/** Calls the Stats, Journeys or Paths API handler and times it. */
async function apiCall(couch: Couch, secret: string, api: keyof typeof HANDLERS, query: string) {
	const url = new URL(`http://bench/api/v1/${api}?site=bench&${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
	const event: StatsRequest = { url, request, locals: { user: null } };
	const started = performance.now();
	const res = await HANDLERS[api](event, { couch, timeoutMs: 3_600_000, now: () => NOW });
	const ms = performance.now() - started;
	if (res.status !== 200) throw new Error(`${api} answered ${res.status}: ${await res.text()}`);
	const body = (await res.json()) as {
		meta: { rowsRead: number; queries: number };
		indexing: boolean;
	};
	return { ms, ...body.meta, indexing: body.indexing };
}

/** Calls the export's handler (a CSV, or the dashboard's ZIP), times it and weighs its answer. */
async function exportCall(couch: Couch, secret: string, query: string) {
	const url = new URL(`http://bench/api/v1/stats/export?site=bench&${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
	const started = performance.now();
	const res = await handleExport(
		{ url, request, locals: { user: null } },
		{ couch, timeoutMs: 3_600_000, now: () => NOW }
	);
	const bytes = (await res.arrayBuffer()).byteLength;
	const ms = performance.now() - started;
	if (res.status !== 200) throw new Error(`the export answered ${res.status}`);
	return { ms, bytes };
}

/** Warm median of {@link WARM_RUNS} calls of `f` after a first one, and that first result. */
async function warmMedian<T>(f: () => Promise<T>): Promise<{ ms: number; first: T }> {
	const first = await f();
	const times = [];
	for (let i = 0; i < WARM_RUNS; i++) {
		const started = performance.now();
		await f();
		times.push(performance.now() - started);
	}
	return { ms: median(times.sort((a, b) => a - b)), first };
}

/**
 * The Sessions API's first page (50 sessions) over 30 days under each of
 * {@link SESSION_LISTS}; beside it, the total's own read (the read model's totals: the
 * `metrics` buckets) and the `_count` of `session-starts` over the range it replaced,
 * which walks one entry per session on the view engine.
 */
async function benchSessionLists(couch: Couch, secret: string) {
	console.log('  session list  warm median   total   total read (rows)   former _count total');
	const range = SESSIONS_RANGE;
	// The range's bounds in UTC, for the `_count`.
	const [start, end] = [Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 31)];
	for (const list of SESSION_LISTS) {
		const url = new URL(
			`http://bench/api/v1/sessions?site=bench&from=${range.from}&to=${range.to}&tz=UTC${list.filter}`
		);
		const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
		const page = await warmMedian(async () => {
			const res = await handleSessionList(
				{ url, request, locals: { user: null } },
				{ couch, timeoutMs: 3_600_000, now: () => NOW }
			);
			if (res.status !== 200) throw new Error(`sessions answered ${res.status}`);
			return (await res.json()) as { total: number };
		});
		const params = new URLSearchParams(list.filter.slice(1));
		const [kind, value] = [...params][0] ?? [];
		const filter = kind ? { kind: kind as 'source' | 'event', value } : null;
		const total = await warmMedian(() =>
			readSections(
				couch,
				{ site: 'bench', range, limit: 0, filter },
				{ sections: ['totals'], timeoutMs: 3_600_000 }
			)
		);
		const scope = filter ? ['bench', `${filter.kind}:${filter.value}`] : 'bench';
		const counted = await warmMedian(() =>
			couch.events.view('stats', 'session-starts', {
				startkey: [scope, start],
				endkey: [scope, end]
			})
		);
		console.log(
			[
				`  ${list.label.padEnd(12)}`,
				fmt(page.ms).padStart(12),
				String(page.first.total).padStart(8),
				`${fmt(total.ms)} (${total.first.meta.rowsRead})`.padStart(20),
				`${fmt(counted.ms)} = ${counted.first.rows[0]?.value ?? 0}`.padStart(22)
			].join('')
		);
	}
}

/**
 * The issue's latency target, latency(N) / latency(smallest N) ≤ 1.5 for every range: each
 * larger block's warm medians against each block of the smallest N in the run (with
 * several, as `--from t10k,h1m,t10k` gives, the lowest and highest ratio).
 */
function printRatios(blocks: Block[]) {
	const smallest = Math.min(...blocks.map((block) => block.n));
	const small = blocks.filter((block) => block.n === smallest);
	const large = blocks.filter((block) => block.n > smallest);
	if (!small.length || !large.length) return;
	for (const block of large) {
		const ratios = [...block.medians].map(([label, ms]) => {
			const each = small.map((s) => ms / s.medians.get(label)!).sort((a, b) => a - b);
			const [low, high] = [each[0].toFixed(2), each.at(-1)!.toFixed(2)];
			return `${label} ${low === high ? low : `${low}–${high}`}`;
		});
		console.log(`\nwarm medians, N = ${block.n} / N = ${smallest}: ${ratios.join(', ')}`);
	}
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
