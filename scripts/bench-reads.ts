/**
 * `npm run bench:reads -- DIR [DIR…]`
 *
 * The reads whose `offset` (and range reduces) walked the data on the view engine
 * (views/README.md, "Offsets and range reduces at scale"), on a copy of a store seeded
 * by `npm run bench:catchup -- seed DIR N`: the engine indexes the copy in this process,
 * then the newest session's timeline, the session list's first page over 30 days, the
 * `_count` of `session-starts` over those 30 days and the bench funnel over 7 and 30 days
 * (every batch) are timed (first call, then the warm median), with the view entries and
 * rows the engine read per request (`readCounts`; warm reads start once the group levels
 * and fences a first read wanted are built, so their reads are not counted).
 */
import fs from 'node:fs';
import { createCouch } from '../src/lib/server/couch';
import { readCounts } from '../src/lib/server/embedded/views/reader';
import { siteDocId } from '../src/lib/server/accounts/sites';
import { createToken } from '../src/lib/server/accounts/tokens';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import type { SessionListResponse } from '../src/lib/stats/sessions';
import { benchSite, funnelCall, sessionsCall, startOnCopy } from './bench-api';
import { loadAverage } from './bench-machine';

const RANGE_7 = 'from=2026-10-24&to=2026-10-30&tz=UTC';
const RANGE_30 = 'from=2026-10-01&to=2026-10-30&tz=UTC';
const WARM = Number(process.env.BENCH_WARM ?? 5);

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** Times `f` once cold and WARM times warm; entries read per call from readCounts. */
async function timed<T>(f: () => Promise<T>) {
	const before = readCounts.entries;
	let started = performance.now();
	const first = await f();
	const firstMs = performance.now() - started;
	const entries = readCounts.entries - before;
	await quiet();
	const times: number[] = [];
	let warmEntries = 0;
	let byView: Record<string, number> = {};
	for (let i = 0; i < WARM; i++) {
		const at = readCounts.entries;
		const views = { ...readCounts.byView };
		started = performance.now();
		await f();
		times.push(performance.now() - started);
		warmEntries = readCounts.entries - at;
		byView = Object.fromEntries(
			Object.entries(readCounts.byView)
				.map(([name, n]) => [name, n - (views[name] ?? 0)])
				.filter(([, n]) => n)
		);
	}
	times.sort((a, b) => a - b);
	return {
		first,
		firstMs,
		entries,
		warmEntries,
		byView,
		median: times[Math.floor(times.length / 2)]
	};
}

/**
 * Resolves once no reader has read an entry for 300 ms: the group levels and fences a
 * first read wanted are built in the background (views/levels.ts, fences.ts), and their
 * reads would otherwise count towards the warm reads'.
 */
async function quiet() {
	for (;;) {
		const at = readCounts.entries;
		await new Promise((resolve) => setTimeout(resolve, 300));
		if (readCounts.entries === at) return;
	}
}

async function main() {
	for (const dir of process.argv.slice(2)) await benchOne(dir);
}

async function benchOne(dir: string) {
	const { copy, store } = await startOnCopy(dir);
	try {
		const couch = createCouch(store.url, 'bench');
		const { secret, token } = createToken('bench');
		const existing = await couch.sites.get(siteDocId('bench')).catch(() => undefined);
		await couch.sites.insert({ ...existing, ...benchSite(token) } as never);
		const docs = (await couch.events.info()).doc_count;
		const cpu = process.cpuUsage();
		const started = performance.now();
		await statsIndexed(couch);
		const used = process.cpuUsage(cpu);
		const cpuS = (used.user + used.system) / 1e6;
		console.log(
			`\n${dir}: ${docs} docs, catch-up ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
				`${Math.round(docs / cpuS)} records per CPU-second; load ${loadAverage()}`
		);
		const list = await timed(
			async () => (await sessionsCall(couch, secret, `sessions?${RANGE_30}&limit=50`)).body
		);
		const newest = (list.first as SessionListResponse).sessions[0].sid;
		const line = (label: string, t: Awaited<ReturnType<typeof timed>>, extra = '') =>
			console.log(
				`  ${label.padEnd(26)} first ${fmt(t.firstMs).padStart(9)} (${t.entries} read)` +
					`  warm median ${fmt(t.median).padStart(9)} (${t.warmEntries} read: ${JSON.stringify(t.byView)})${extra}`
			);
		line('session list 30 d', list);
		const timeline = await timed(() => sessionsCall(couch, secret, `sessions/${newest}?`));
		line('newest timeline', timeline);
		const [start, end] = [Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 31)];
		const count = await timed(() =>
			couch.events.view('stats', 'session-starts', {
				startkey: ['bench', start],
				endkey: ['bench', end]
			})
		);
		line('session-starts _count 30 d', count, ` = ${count.first.rows[0]?.value}`);
		for (const [label, query] of [
			['funnel 7 d', RANGE_7],
			['funnel 30 d', RANGE_30]
		]) {
			const before = readCounts.entries;
			const first = await funnelCall(couch, secret, query);
			const entries = readCounts.entries - before;
			await quiet();
			const at = readCounts.entries;
			const views = { ...readCounts.byView };
			const warm = await funnelCall(couch, secret, query);
			const warmEntries = readCounts.entries - at;
			const byView = Object.entries(readCounts.byView)
				.map(([name, n]) => [name, n - (views[name] ?? 0)])
				.filter(([, n]) => n);
			const [firstMs, warmMs] = [first.ms, warm.ms];
			const read = first.last.progress.sessionsRead;
			console.log(
				`  ${label.padEnd(26)} first ${fmt(firstMs).padStart(9)} (${entries} read)  warm ${fmt(warmMs).padStart(9)} ` +
					`(${warmEntries} read); ${read} sessions read: ${fmt(warmMs / read)} and ` +
					`${Math.round(warmEntries / read)} entries per session; steps ${first.last.steps.map((s) => s.sessions).join(' → ')}; ${JSON.stringify(Object.fromEntries(byView))}`
			);
		}
		const peak = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
		console.log(`  peak RSS ${Math.round(Number(peak) / 1024)} MB; load ${loadAverage()}`);
	} finally {
		await store.close();
		fs.rmSync(copy, { recursive: true, force: true });
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
