/**
 * `npm run bench:ingest` — throughput and latency of `/api/ingest/_bulk_docs` in the
 * BUILT app (`npm run build` first), and, in the same run against the same
 * embedded store, the raw `_bulk_docs` rate the ingest is measured against.
 *
 * All phases push the same kind of records (all five types, one session per
 * batch) in batches with the same number of concurrent clients. The raw phase
 * writes into a fresh database of the same store carrying the same
 * `validate_doc_update`, so the ratio isolates what the ingest layer costs
 * (HTTP hop, parsing, validation, enrichment, rate limiting, site lookup); the
 * plain phase writes into one without it, so the next ratio is what
 * `validate_doc_update` costs; the empty phase into one whose `validate_doc_update`
 * does nothing, which tells the cost of calling one at all from that of its checks.
 *
 * With COUCHSTATS_TEST_COUCHDB_URL set the app runs on that server instead
 * (tests/support/test-couch.ts), so the same figures can be taken on Apache CouchDB.
 *
 * Usage: npm run bench:ingest -- [--docs 20000] [--batch 100] [--clients 4]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import nano from 'nano';
import { createCouch } from '../src/lib/server/couch';
import { describeAgent, enrich } from '../src/lib/server/ingest/enrich';
import { oneOfEach } from '../tests/support/ingest-records';
import { checkRecord } from '../src/lib/server/ingest/schema';
import { readDesignDocs } from '../src/lib/server/boot/design-docs';
import { toCouchDesign } from '../src/lib/server/boot/setup';
import { startApp } from '../tests/support/app';
import { externalCouchUrl, removeRunData } from '../tests/support/test-couch';

const CHROME =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

const { values } = parseArgs({
	options: {
		docs: { type: 'string', default: '20000' },
		batch: { type: 'string', default: '100' },
		clients: { type: 'string', default: '4' }
	}
});
const total = Number(values.docs);
const batchSize = Number(values.batch);
const clients = Number(values.clients);
if (![total, batchSize, clients].every((n) => Number.isInteger(n) && n > 0) || batchSize % 5) {
	console.error('--docs, --batch and --clients must be positive integers; --batch a multiple of 5');
	process.exit(2);
}

/** Batches of fresh records, one session per batch, all five record types. */
function makeBatches(count: number): Record<string, unknown>[][] {
	const batches: Record<string, unknown>[][] = [];
	for (let left = count; left > 0; left -= batchSize) {
		const size = Math.min(batchSize, left);
		const batch: Record<string, unknown>[] = [];
		while (batch.length < size) batch.push(...oneOfEach(Date.now()));
		batches.push(batch.slice(0, size));
	}
	return batches;
}

interface Run {
	docs: number;
	seconds: number;
	latenciesMs: number[];
}

/** Sends every batch with `clients` concurrent senders; each batch must be fully accepted. */
async function run<T>(batches: T[][], send: (docs: T[]) => Promise<unknown[]>): Promise<Run> {
	const latenciesMs: number[] = [];
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: clients }, async () => {
			while (next < batches.length) {
				const batch = batches[next++];
				const t0 = performance.now();
				const errors = await send(batch);
				latenciesMs.push(performance.now() - t0);
				if (errors.length) throw new Error(`refused: ${JSON.stringify(errors[0])}`);
			}
		})
	);
	const seconds = (performance.now() - started) / 1000;
	return { docs: batches.reduce((n, b) => n + b.length, 0), seconds, latenciesMs };
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function describe(name: string, r: Run): string {
	const sorted = [...r.latenciesMs].sort((a, b) => a - b);
	const rate = r.docs / r.seconds;
	return (
		`${name.padEnd(30)} ${String(r.docs).padStart(6)} docs in ${r.seconds.toFixed(2).padStart(6)} s ` +
		`= ${rate.toFixed(0).padStart(6)} docs/s; per request p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
		`p99 ${percentile(sorted, 99).toFixed(1)} ms (${sorted.length} requests)`
	);
}

const app = await startApp({
	env: {
		// Limits out of the way: this measures throughput, not the limiter's refusals.
		COUCHSTATS_INGEST_IP_BURST: '1000000000',
		COUCHSTATS_INGEST_IP_PER_SECOND: '1000000000',
		COUCHSTATS_INGEST_IP_RECORDS_BURST: '1000000000',
		COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND: '1000000000',
		COUCHSTATS_INGEST_SESSION_BURST: '1000000000',
		COUCHSTATS_INGEST_SESSION_PER_SECOND: '1000000000'
	},
	timeoutMs: 60_000
});
try {
	if (!app.couchUrl) throw new Error('the app did not report its CouchDB server');
	const endpoint = `${app.url}/api/ingest/_bulk_docs`;
	const server = nano(app.couchUrl.toString());
	const rawName = `${app.prefix}-bench-raw`;
	const plainName = `${app.prefix}-bench-plain`;
	const emptyName = `${app.prefix}-bench-empty`;
	for (const name of [rawName, plainName, emptyName]) await server.db.create(name);
	const raw = server.use(rawName);
	const plain = server.use(plainName);
	const empty = server.use(emptyName);
	const validate = readDesignDocs().events.find((d) => d._id === '_design/validate');
	if (!validate) throw new Error('couchdb/events/validate.js is missing');
	const { couchstats_hash: _hash, ...design } = toCouchDesign(validate);
	void _hash;
	await raw.insert(design as never);
	await empty.insert({ ...design, validate_doc_update: 'function (newDoc) {}' } as never);

	const viaIngest = (docs: Record<string, unknown>[]) =>
		fetch(endpoint, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'user-agent': CHROME },
			body: JSON.stringify({ docs, new_edits: false })
		}).then(async (res) => {
			if (res.status !== 201) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
			return (await res.json()) as unknown[];
		});
	// The raw phase stores what the ingest would: validated, enriched records.
	const agent = describeAgent(CHROME);
	const enriched = (docs: Record<string, unknown>[]) =>
		docs.map((doc) => {
			const checked = checkRecord(doc, Date.now());
			if (!checked.ok) throw new Error(checked.reason);
			return enrich(checked.record, agent, Date.now());
		});
	const rawBatches = (count: number) => makeBatches(count).map(enriched);
	const bulkInto = (db: typeof raw) => (docs: unknown[]) =>
		db
			.bulk({ docs, new_edits: false } as never)
			.then((results) => (results as { error?: string }[]).filter((r) => r.error));
	const direct = bulkInto(raw);

	// Warm both paths (JIT, connections, leveldb files) before measuring.
	await run(makeBatches(10 * batchSize), viaIngest);
	await run(rawBatches(10 * batchSize), direct);
	await run(rawBatches(10 * batchSize), bulkInto(plain));
	await run(rawBatches(10 * batchSize), bulkInto(empty));

	console.log(
		`couchstats ingest benchmark: ${total} records, batches of ${batchSize}, ${clients} concurrent clients`
	);
	const welcome = (await server.request({ path: '' })) as { couchdb?: string; version?: string };
	console.log(
		welcome.couchdb
			? `store: Apache CouchDB ${welcome.version} at ${app.couchUrl.origin}`
			: `store: embedded (express-pouchdb + PouchDB leveldb) at ${app.couchUrl.origin}`
	);
	const ingest = await run(makeBatches(total), viaIngest);
	const direct1 = await run(rawBatches(total), direct);
	const plain1 = await run(rawBatches(total), bulkInto(plain));
	const empty1 = await run(rawBatches(total), bulkInto(empty));
	const rate = (r: Run) => r.docs / r.seconds;
	console.log(describe('POST /api/ingest/_bulk_docs', ingest));
	console.log(describe('raw _bulk_docs, same store', direct1));
	console.log(describe('raw, no validate_doc_update', plain1));
	console.log(describe('raw, empty validate_doc_update', empty1));
	console.log(`ingest / raw throughput: ${((rate(ingest) / rate(direct1)) * 100).toFixed(0)} %`);
	for (const [name, r] of [
		['with', direct1],
		['empty', empty1]
	] as const) {
		const ratio = ((rate(r) / rate(plain1)) * 100).toFixed(0);
		console.log(`raw ${name} / without validate_doc_update: ${ratio} %`);
	}

	const events = createCouch(app.couchUrl, app.prefix).events;
	const info = await events.info();
	console.log(
		`events stored through the ingest: ${info.doc_count - 2} (expected ${total + 10 * batchSize})`
	);
	for (const name of [rawName, plainName, emptyName]) await server.db.destroy(name);
} finally {
	await app.stop();
	fs.rmSync(app.dataDir, { recursive: true, force: true });
	if (externalCouchUrl) await removeRunData(externalCouchUrl);
}
