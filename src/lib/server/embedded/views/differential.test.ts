/**
 * Differential test: the engine against PouchDB's own map/reduce, on the same
 * PouchDB database, for seeded random documents and seeded random queries.
 *
 * Documents: the app's record shapes (synthetic traffic, read by the real `stats`
 * views and retention's `site-time`) plus edge documents whose keys and values mix unicode (astral characters,
 * U+0000, U+FFFF), nested arrays, objects, integers, fractions, negative and large
 * numbers, booleans and null, with duplicate keys, documents emitting one key twice and
 * a map that throws. Between rounds, documents are updated and deleted, so removal is
 * compared too. Every query is answered by both and the answers must be equal (numbers
 * within 1e-9 relative: sums of fractions depend on the order of addition).
 *
 * Where PouchDB is not the reference (README.md): `startkey_docid`/`endkey_docid`
 * (PouchDB ignores them) are compared with a brute-force model over PouchDB's own rows;
 * `offset` (PouchDB answers `skip`) is compared with the number of PouchDB's rows before
 * the range's start in the query's direction, plus `skip`; queries CouchDB refuses but PouchDB answers, `keys` with
 * `descending` and repeated `keys` in a grouped query are not generated.
 *
 * `VIEWS_SEED=n` repeats a run; a failure message starts with the seed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collate } from 'pouchdb-collate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readDesignDocs } from '../../boot/design-docs';
import { toCouchDesign } from '../../boot/setup';
import { referenceReduce } from '../../../../../tests/support/reduce-model';
import { seededRandom, syntheticRecords } from '../../../../../tests/support/synthetic';
import { startViewEngine, type PouchConstructor, type ViewEngine } from './engine';
import { ViewError } from './errors';
import { parseViewQuery } from './params';
import { memoryPouch } from './test-index';

/** The app's design documents whose views the queries read, besides `_design/edge`. */
const APP_DESIGNS = ['_design/stats', '_design/retention'];

const SEED = Number(process.env.VIEWS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ROUNDS = 4;
const QUERIES_PER_ROUND = 280;

const EDGE_VIEWS: Record<string, { map: string; reduce?: string }> = {
	rows: { map: "function (doc) { if (doc.type === 'edge') emit(doc.k, doc.v); }" },
	count: {
		map: "function (doc) { if (doc.type === 'edge') emit(doc.k, doc.v); }",
		reduce: '_count'
	},
	sum: { map: "function (doc) { if (doc.type === 'edge') emit(doc.k, doc.n); }", reduce: '_sum' },
	stats: {
		map: "function (doc) { if (doc.type === 'edge') emit(doc.k, doc.x); }",
		reduce: '_stats'
	},
	dups: {
		map: "function (doc) { if (doc.type === 'edge' && doc.dup) { emit(doc.k, 2); emit(doc.k, 1); emit(doc.k2, 3); } }",
		reduce: '_sum'
	},
	throws: {
		map: "function (doc) { if (doc.type !== 'edge') return; if (doc.bad) throw new Error('bad document'); emit(doc.k, 1); }",
		reduce: '_count'
	},
	prefixes: {
		map: "function (doc) { if (doc.type === 'edge' && isArray(doc.k)) { for (var i = 0; i < doc.k.length; i++) emit(doc.k.slice(0, i + 1), doc.x); } }",
		reduce: '_stats'
	}
};

const STRINGS = ['', 'a', 'A', 'b', 'ab', 'é', 'ü', '日本', '😀', 'a\u0000b', '\uffff', 'Z', 'zz'];
const NUMBERS = [0, 1, -1, 2.5, -3.75, 42, 1e21, -1e-7, 0.1, 7, -100];

type Random = () => number;

function pick<T>(random: Random, list: readonly T[]): T {
	return list[Math.floor(random() * list.length)];
}

function scalar(random: Random): unknown {
	const r = random();
	if (r < 0.08) return null;
	if (r < 0.14) return random() < 0.5;
	if (r < 0.45) return pick(random, NUMBERS);
	if (r < 0.95) return pick(random, STRINGS);
	return { a: pick(random, STRINGS) };
}

/** A key: a scalar, or an array of up to 4 elements (sometimes nested). */
function randomKey(random: Random): unknown {
	if (random() < 0.3) return scalar(random);
	const length = Math.floor(random() * 5);
	const key: unknown[] = [];
	for (let i = 0; i < length; i++) {
		key.push(
			random() < 0.08
				? [scalar(random)]
				: i === 0
					? pick(random, ['s1', 's2', 's3'])
					: scalar(random)
		);
	}
	return key;
}

function sumValue(random: Random): unknown {
	if (random() < 0.6) return random() < 0.7 ? Math.floor(random() * 20) - 5 : pick(random, NUMBERS);
	const length = Math.floor(random() * 4);
	return Array.from({ length }, () => Math.floor(random() * 10));
}

function edgeDoc(random: Random, id: string): Record<string, unknown> {
	return {
		_id: id,
		type: 'edge',
		k: randomKey(random),
		k2: randomKey(random),
		v: random() < 0.5 ? scalar(random) : { nested: [scalar(random), scalar(random)] },
		n: sumValue(random),
		x: random() < 0.8 ? Math.floor(random() * 1000) - 300 : pick(random, NUMBERS),
		dup: random() < 0.3,
		bad: random() < 0.1
	};
}

interface Db {
	bulkDocs(
		docs: unknown[],
		options?: Record<string, unknown>
	): Promise<{ id: string; rev?: string }[]>;
	allDocs(
		options: Record<string, unknown>
	): Promise<{ rows: { id: string; value: { rev: string } }[] }>;
	query(name: string, options: Record<string, unknown>): Promise<Answer>;
	put(doc: unknown): Promise<unknown>;
}

interface Answer {
	total_rows?: number;
	offset?: number;
	rows: { id?: string; key: unknown; value: unknown; doc?: unknown }[];
}

let dir: string;
let engine: ViewEngine;
let db: Db;
let Pouch: PouchConstructor;

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-differential-'));
	const MemoryPouch = memoryPouch();
	Pouch = MemoryPouch;
	db = new MemoryPouch(`differential-${SEED}`) as unknown as Db;
	// PouchDB reports the throwing map's errors on this event, or else on the console.
	(db as unknown as { on(event: string, listener: () => void): void }).on('error', () => undefined);
	for (const design of readDesignDocs().events.filter((d) => APP_DESIGNS.includes(d._id))) {
		await db.put(toCouchDesign(design));
	}
	await db.put({ _id: '_design/edge', language: 'javascript', views: EDGE_VIEWS });
	engine = await startViewEngine({
		Pouch,
		dir: path.join(dir, 'views'),
		batchSize: 97,
		log: () => undefined
	});
}, 60_000);

afterAll(async () => {
	await engine?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** A random query, in PouchDB's option names. */
function randomQuery(
	random: Random,
	keys: unknown[]
): { view: string; options: Record<string, unknown> } {
	const statsView = random() < 0.25;
	if (statsView) return random() < 0.1 ? retentionQuery(random) : statsQuery(random);
	const view = pick(random, Object.keys(EDGE_VIEWS));
	const reducing = Boolean(EDGE_VIEWS[view].reduce) && random() < 0.7;
	const options: Record<string, unknown> = {};
	if (EDGE_VIEWS[view].reduce && !reducing) options.reduce = false;
	const someKey = () => (random() < 0.7 && keys.length ? pick(random, keys) : randomKey(random));
	const style = random();
	if (reducing) {
		const grouping = random();
		if (grouping < 0.35) options.group = true;
		else if (grouping < 0.75) options.group_level = Math.floor(random() * 5);
	}
	const grouped = Boolean(options.group || options.group_level);
	if (style < 0.1) {
		options.key = someKey();
	} else if (style < 0.25 && (!reducing || grouped)) {
		const list = Array.from({ length: Math.floor(random() * 4) }, someKey);
		options.keys = reducing ? uniqueKeys(list) : list;
	} else if (style < 0.75) {
		const a = random() < 0.85 ? someKey() : undefined;
		const b = random() < 0.85 ? someKey() : undefined;
		options.descending = random() < 0.3;
		const ordered = [a, b].sort((x, y) => collate(x, y) * (options.descending ? -1 : 1));
		const [start, end] = random() < 0.05 ? [ordered[1], ordered[0]] : ordered;
		if (start !== undefined) options.startkey = start;
		if (end !== undefined) options.endkey = end;
		if (random() < 0.25) options.inclusive_end = false;
	} else if (random() < 0.5) {
		options.descending = true;
	}
	if (random() < 0.3) options.limit = Math.floor(random() * 8);
	if (random() < 0.2) options.skip = Math.floor(random() * 5);
	if (!reducing && random() < 0.15) options.include_docs = true;
	return { view: `edge/${view}`, options };
}

function uniqueKeys(list: unknown[]): unknown[] {
	return list.filter((key, i) => list.findIndex((other) => collate(other, key) === 0) === i);
}

/** A query like the app's: a site's bucket range of one granularity, grouped. */
function statsQuery(random: Random): { view: string; options: Record<string, unknown> } {
	const view = pick(random, [
		'metrics',
		'pages',
		'dimensions',
		'events',
		'event-props',
		'active',
		'since'
	]);
	const g = pick(random, ['h', 'd', 'm']);
	const day = 1 + Math.floor(random() * 28);
	const from =
		g === 'm'
			? '2026-10'
			: g === 'd'
				? `2026-10-${String(day).padStart(2, '0')}`
				: `2026-10-${String(day).padStart(2, '0')}T0${Math.floor(random() * 10)}`;
	const scope =
		random() < 0.7
			? 'bench'
			: ['bench', pick(random, ['source:google.com', 'page:/', 'event:signup'])];
	const options: Record<string, unknown> =
		view === 'since' || view === 'active'
			? { startkey: [scope], endkey: [scope, {}] }
			: { startkey: [scope, g, from], endkey: [scope, g, {}] };
	if (random() < 0.3) options.reduce = false;
	else options.group_level = 1 + Math.floor(random() * 6);
	if (random() < 0.3) options.limit = Math.floor(random() * 20);
	if (random() < 0.2) options.descending = true;
	if (options.descending && options.startkey !== undefined) {
		[options.startkey, options.endkey] = [options.endkey, options.startkey];
	}
	return { view: `stats/${view}`, options };
}

/**
 * A query like retention's (import/retention.ts): the sites with records (`group_level=1`),
 * or a site's records before a cutoff, counted or read as rows.
 */
function retentionQuery(random: Random): { view: string; options: Record<string, unknown> } {
	const day = 1 + Math.floor(random() * 28);
	const site = random() < 0.8 ? 'bench' : 'nosuchsite';
	const options: Record<string, unknown> =
		random() < 0.2
			? { group_level: 1 }
			: {
					startkey: [site],
					endkey: [site, Date.UTC(2026, 9, day)],
					inclusive_end: random() < 0.5
				};
	if (random() < 0.3 && !options.group_level) {
		options.reduce = false;
		options.limit = Math.floor(random() * 20);
	}
	return { view: 'retention/site-time', options };
}

/** The same query as URL parameters (JSON-encoded keys), sometimes `keys` in a POST body. */
function asRequest(options: Record<string, unknown>, random: Random) {
	const search = new URLSearchParams();
	const body: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(options)) {
		if (name === 'keys' && random() < 0.5) body.keys = value;
		else if (['key', 'keys', 'startkey', 'endkey'].includes(name))
			search.set(name, JSON.stringify(value));
		else search.set(name, String(value));
	}
	return { search, body };
}

async function ours(view: string, options: Record<string, unknown>, random: Random) {
	const [ddoc, name] = view.split('/');
	const { search, body } = asRequest(options, random);
	try {
		const served = await engine.view(`differential-${SEED}`, `_design/${ddoc}`, name);
		if (!served) throw new Error(`the engine does not serve ${view}`);
		return await served.query(parseViewQuery(search, body));
	} catch (e) {
		if (e instanceof ViewError) return { error: e.error, status: e.status };
		throw e;
	}
}

async function theirs(view: string, options: Record<string, unknown>) {
	try {
		return await db.query(referenceView(view), { ...options });
	} catch (e) {
		const err = e as { status?: number; name?: string };
		return { error: err.name, status: err.status };
	}
}

/**
 * `mine` with every number that is within 1e-9 (relative) of the reference's number at
 * the same place replaced by the reference's, and `offset` left out: what must then be
 * deeply equal to the reference.
 */
function comparable(mine: unknown, theirs: unknown): unknown {
	if (typeof mine === 'number' && typeof theirs === 'number') {
		const close = Math.abs(mine - theirs) <= 1e-9 * Math.max(1, Math.abs(mine), Math.abs(theirs));
		return close ? theirs : mine;
	}
	if (Array.isArray(mine)) {
		return mine.map((item, i) => comparable(item, Array.isArray(theirs) ? theirs[i] : undefined));
	}
	if (mine && typeof mine === 'object') {
		const other = (theirs && typeof theirs === 'object' ? theirs : {}) as Record<string, unknown>;
		return Object.fromEntries(
			Object.entries(mine)
				.filter(([name]) => name !== 'offset')
				.map(([name, value]) => [name, comparable(value, other[name])])
		);
	}
	return mine;
}

/** The reference answer without what is not compared. */
function reference(answer: unknown): unknown {
	if (Array.isArray(answer)) return answer.map(reference);
	if (answer && typeof answer === 'object') {
		return Object.fromEntries(
			Object.entries(answer)
				.filter(([name]) => name !== 'offset')
				.map(([name, value]) => [name, reference(value)])
		);
	}
	return answer;
}

describe('the view engine against PouchDB map/reduce', () => {
	test(`gives PouchDB's answers for ${ROUNDS * QUERIES_PER_ROUND}+ random data/query combinations (seed ${SEED})`, async () => {
		const random = seededRandom(SEED);
		const ids: string[] = [];
		let compared = 0;
		for (let round = 0; round < ROUNDS; round++) {
			await mutate(random, ids, round);
			await freshReference(round);
			const keys = await knownKeys();
			for (let q = 0; q < QUERIES_PER_ROUND; q++) {
				const { view, options } = randomQuery(random, keys);
				const [mine, expected] = [await ours(view, options, random), await theirs(view, options)];
				const label = `seed ${SEED}, round ${round}, query ${q}: ${view} ${JSON.stringify(options)}`;
				if ('error' in expected) {
					expect({ status: (mine as { status?: number }).status }, label).toEqual({
						status: expected.status
					});
				} else {
					expect(comparable(mine, expected), label).toEqual(reference(expected));
					if ('offset' in expected) {
						expect((mine as Answer).offset, label).toBe(await modelOffset(view, options));
					}
				}
				compared++;
			}
			compared += await compareDocidBounds(random, keys, round);
			for (const ddoc of ['_design/edge', ...APP_DESIGNS]) {
				expect(
					await engine.check(`differential-${SEED}`, ddoc),
					`seed ${SEED}, round ${round}`
				).toEqual([]);
			}
		}
		expect(compared).toBeGreaterThanOrEqual(1_000);
	}, 600_000);
});

/** The round whose reference copy of `_design/edge` PouchDB answers from. */
let referenceRound = 0;

/**
 * A copy of `_design/edge` under a new id for this round, each map function marked with
 * the round (PouchDB keys its indexes by the views' functions), so that PouchDB builds
 * the reference's edge indexes from scratch: PouchDB 9's incremental map/reduce keeps a
 * row's old value when an updated document's row keeps its key and its value becomes
 * null (`processKeyValueDocs` writes `value` onto the stored row only when it is not
 * null), so after updates its own answers went stale (seed 1329451888). Only edge
 * documents are updated (app records are only deleted), so `_design/stats` needs no
 * copy. The engine's indexes stay incremental: they are what is tested.
 */
async function freshReference(round: number) {
	referenceRound = round;
	// Before the first updates, `_design/edge` itself is the reference.
	if (round === 0) return;
	const views = Object.fromEntries(
		Object.entries(EDGE_VIEWS).map(([name, view]) => [
			name,
			{ ...view, map: `${view.map} /* round ${round} */` }
		])
	);
	await db.put({ _id: `_design/edge-r${round}`, language: 'javascript', views });
}

/** A view (`ddoc/name`) as the reference answers it: edge views from this round's copy. */
function referenceView(view: string): string {
	const [ddoc, name] = view.split('/');
	return ddoc === 'edge' && referenceRound > 0 ? `edge-r${referenceRound}/${name}` : view;
}

/** Inserts, updates and deletes documents for a round. */
async function mutate(random: Random, ids: string[], round: number) {
	const docs: Record<string, unknown>[] = [];
	for (let i = 0; i < 120; i++) {
		const id = `${pick(random, ['e', 'E', 'é', '😀', 'z'])}-${round}-${i}`;
		ids.push(id);
		docs.push(edgeDoc(random, id));
	}
	if (round === 0) {
		docs.push(
			...(syntheticRecords({ n: 250, seed: SEED % 1000 }) as unknown as Record<string, unknown>[])
		);
	}
	await db.bulkDocs(docs.filter((d) => !('_rev' in d)));
	const records = docs.filter((d) => '_rev' in d);
	if (records.length) await db.bulkDocs(records, { new_edits: false });
	if (round === 0) return;
	// Update and delete some earlier documents (edge documents and app records alike).
	const existing = await db.allDocs({});
	const changed: Record<string, unknown>[] = [];
	for (const row of existing.rows) {
		if (row.id.startsWith('_design/')) continue;
		const r = random();
		if (r < 0.08) changed.push({ _id: row.id, _rev: row.value.rev, _deleted: true });
		else if (r < 0.16 && !row.id.startsWith('0'))
			changed.push({ ...edgeDoc(random, row.id), _rev: row.value.rev });
	}
	await db.bulkDocs(changed);
}

/** Keys the edge views hold now (so ranges and `keys` hit real rows). */
async function knownKeys(): Promise<unknown[]> {
	const rows = (await db.query(referenceView('edge/rows'), {})).rows.map((row) => row.key);
	return uniqueKeys(rows).slice(0, 200);
}

/**
 * `startkey_docid`/`endkey_docid`, which PouchDB ignores: compared with the rows of
 * PouchDB's full `reduce=false` answer, cut as CouchDB cuts them, reduced by a plain model.
 */
async function compareDocidBounds(random: Random, keys: unknown[], round: number): Promise<number> {
	let compared = 0;
	for (const view of ['count', 'sum', 'stats', 'rows', 'dups']) {
		const all = (await db.query(referenceView(`edge/${view}`), { reduce: false })).rows;
		for (let i = 0; i < 12; i++) {
			const rowA = pick(random, all);
			const rowB = pick(random, all);
			if (!rowA || !rowB) continue;
			const descending = random() < 0.3;
			let [lo, hi] = [rowA, rowB].sort((x, y) => collate([x.key, x.id], [y.key, y.id]));
			if (descending) [lo, hi] = [hi, lo];
			const inclusiveEnd = random() < 0.7;
			const reducing = Boolean(EDGE_VIEWS[view].reduce) && random() < 0.6;
			const options: Record<string, unknown> = {
				startkey: lo.key,
				startkey_docid: lo.id,
				endkey: hi.key,
				endkey_docid: hi.id,
				inclusive_end: inclusiveEnd,
				descending
			};
			if (EDGE_VIEWS[view].reduce && !reducing) options.reduce = false;
			if (reducing && random() < 0.6) options.group = true;
			const expected = model(all, options, EDGE_VIEWS[view].reduce);
			const mine = await ours(`edge/${view}`, options, random);
			const label = `seed ${SEED}, round ${round}, docid bounds: ${view} ${JSON.stringify(options)}`;
			const reduced = { ...mine, total_rows: undefined };
			expect(comparable(reduced, expected), label).toEqual(
				reference({ ...expected, total_rows: undefined })
			);
			if (!reducing) {
				expect((mine as Answer).offset, label).toBe(await modelOffset(`edge/${view}`, options));
			}
			compared++;
			void keys;
		}
	}
	return compared;
}

/**
 * CouchDB's `offset` of a `reduce=false` answer: PouchDB's rows before the start (the
 * first of `keys`, `key`, or `startkey` with its docid) in the query's direction, plus
 * `skip`, at most the total.
 */
async function modelOffset(view: string, options: Record<string, unknown>): Promise<number> {
	const all = (await db.query(referenceView(view), { reduce: false })).rows;
	const keys = options.keys as unknown[] | undefined;
	const start = keys ? keys[0] : 'key' in options ? options.key : options.startkey;
	let before = 0;
	if (start !== undefined || (keys && keys.length)) {
		const docid = keys || 'key' in options ? undefined : options.startkey_docid;
		const sign = options.descending === true ? -1 : 1;
		before = all.filter((row) => {
			const order =
				docid === undefined ? collate(row.key, start) : collate([row.key, row.id], [start, docid]);
			return order * sign < 0;
		}).length;
	}
	return Math.min(before + Number(options.skip ?? 0), all.length);
}

/** CouchDB's reading of a (key, docid) range over sorted rows, and its reduce. */
function model(
	all: Answer['rows'],
	options: Record<string, unknown>,
	reduce: string | undefined
): Answer {
	const descending = options.descending === true;
	const rows = descending ? [...all].reverse() : all;
	const cmp = (row: Answer['rows'][number], key: unknown, id: unknown) =>
		collate([row.key, row.id], [key, id]) * (descending ? -1 : 1);
	const kept = rows.filter(
		(row) =>
			cmp(row, options.startkey, options.startkey_docid) >= 0 &&
			(options.inclusive_end === false
				? cmp(row, options.endkey, options.endkey_docid) < 0
				: cmp(row, options.endkey, options.endkey_docid) <= 0)
	);
	if (!reduce || options.reduce === false) return { rows: kept };
	const groups: { key: unknown; values: unknown[] }[] = [];
	for (const row of kept) {
		const key = options.group ? row.key : null;
		const last = groups.at(-1);
		if (last && collate(last.key, key) === 0) last.values.push(row.value);
		else groups.push({ key, values: [row.value] });
	}
	return { rows: groups.map((g) => ({ key: g.key, value: referenceReduce(reduce, g.values) })) };
}
