/**
 * `npx tsx scripts/bench-goal-filter.ts [DIR]`
 *
 * What the goal filters cost (docs/DESIGN.md, "Goals"). First, without any store: the rows
 * the views emit per record on the synthetic mix (10k records of
 * tests/support/synthetic.ts, each map run with `runMap`), and of those the rows under the
 * `prop:<name>|<key>=<value>` scopes (a prop goal's filter), per view.
 * Then, given a store seeded by `npm run bench:catchup -- seed DIR N`, on a copy indexed in
 * this process: a Stats API read (`readStats`) unfiltered, under a page filter, under
 * page patterns matching 11 and 20 of the synthetic paths, under an event filter and
 * under a prop filter (`signup` with `plan = pro`), over 7 and 30 days, with its
 * queries, view rows, engine entries read and warm median time (after a first read).
 */
import fs from 'node:fs';
import { createCouch } from '../src/lib/server/couch';
import { readCounts } from '../src/lib/server/embedded/views/reader';
import { readStats } from '../src/lib/server/stats/read-stats';
import { statsIndexed } from '../src/lib/server/stats/view-reader';
import { filterLabel, type Filter } from '../src/lib/stats/filters';
import { runMap } from '../couchdb/events/views/fake-emit';
import { syntheticRecords } from '../tests/support/synthetic';
import { NOW, startOnCopy } from './bench-api';
import { loadAverage } from './bench-machine';

const VIEWS = new URL('../couchdb/events/views/', import.meta.url).pathname;

async function rowsPerRecord() {
	const records = syntheticRecords({ n: 10_000 }) as unknown as Record<string, unknown>[];
	let rows = 0;
	let added = 0;
	const byView: string[] = [];
	const isProp = (key: unknown) => {
		const scope = (key as unknown[])[0];
		return Array.isArray(scope) && String(scope[1]).startsWith('prop:');
	};
	for (const file of fs.readdirSync(VIEWS).filter((f) => f.endsWith('.js'))) {
		const view = await import(`${VIEWS}${file}`);
		let prop = 0;
		for (const record of records) {
			const emitted = runMap(view.map, record);
			rows += emitted.length;
			prop += emitted.filter(([key]) => isProp(key)).length;
		}
		added += prop;
		if (prop) byView.push(`${file.replace('.js', '')} ${prop}`);
	}
	const events = records.filter((r) => r.type === 'event');
	const before = rows - added;
	console.log(
		`synthetic mix: ${records.length} records, ${events.length} events; ` +
			`${(rows / records.length).toFixed(2)} rows per record, of which the prop scopes ` +
			`${added} rows (${byView.join(', ')}), ${(added / records.length).toFixed(2)} per record ` +
			`(+${((100 * added) / before).toFixed(1)} % on ${(before / records.length).toFixed(2)} without them)`
	);
}

async function reads(dir: string) {
	const { copy, store } = await startOnCopy(dir);
	try {
		const couch = createCouch(store.url, 'bench');
		await statsIndexed(couch);
		console.log(`${dir} indexed; load ${loadAverage()}`);
		const filters: (Filter | null)[] = [
			null,
			{ kind: 'page', value: '/page-1' },
			{ kind: 'page', value: '/page-1*' },
			{ kind: 'page', value: '/*' },
			{ kind: 'event', value: 'signup' },
			{ kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } }
		];
		for (const from of ['2026-10-24', '2026-10-01']) {
			const range = { from, to: '2026-10-30', tz: 'UTC' };
			for (const filter of filters) {
				const read = () =>
					readStats(couch, { site: 'bench', range, limit: 10, filter }, { now: () => NOW });
				await read();
				const times: number[] = [];
				let last;
				let entries = 0;
				for (let i = 0; i < 5; i++) {
					const at = readCounts.entries;
					const started = performance.now();
					last = await read();
					times.push(performance.now() - started);
					entries = readCounts.entries - at;
				}
				times.sort((a, b) => a - b);
				const { meta, totals } = last!;
				console.log(
					`  ${from}…${range.to} ${filter ? filterLabel(filter) : '(none)'}: ${meta.queries} queries, ` +
						`${meta.rowsRead} rows, ${entries} entries, warm median ${times[2].toFixed(0)} ms; ` +
						`pageviews ${totals.pageviews}, events ${totals.events}, visitors ${totals.visitors}, ` +
						`sessions ${totals.sessions}`
				);
			}
		}
		console.log(`load ${loadAverage()}`);
	} finally {
		await store.close();
		fs.rmSync(copy, { recursive: true, force: true });
	}
}

async function main() {
	await rowsPerRecord();
	const dir = process.argv[2];
	if (dir) await reads(dir);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
