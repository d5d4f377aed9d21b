/**
 * The back-index's two forms (back-index.ts): a document kept as itself gives back, mapped
 * again, exactly the rows it was indexed with, or an ImpureMapError when a map is no
 * function of the document alone; the rows form is read as it is.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { backIndexText, emittedOf, ImpureMapError, rowsHash } from './back-index';
import { startViewEngine } from './engine';
import { parseViewQuery } from './params';
import { checkIndex } from './check';
import type { ReducerName } from './reducers';
import { MapSandbox } from './sandbox';
import { closeTempStores, dumpIndex, memoryPouch, newTestIndex, writeChanges } from './test-index';

afterEach(closeTempStores);

const VIEWS: { name: string; map: string; reducer: ReducerName }[] = [
	{
		name: 'by-type',
		map: 'function (doc) { emit([doc.type, doc.n], doc.n); emit(doc.type, 1); }',
		reducer: '_sum'
	},
	{ name: 'none', map: 'function (doc) { if (doc.never) emit(1, 1); }', reducer: '_sum' },
	{
		name: 'tags',
		map: 'function (doc) { (doc.tags || []).forEach(function (t) { emit(t, null); }); }',
		reducer: '_count'
	}
];

const DOCS = [
	{ _id: 'a', type: 'x', n: 1, tags: ['é', '😀'] },
	{ _id: 'b', type: 'y', n: 2.5 },
	{ _id: 'c', type: 'x', n: -3, tags: [] }
];

/** Each document's back-index text in both forms, as a batch writes them. */
function indexed(sandbox: MapSandbox) {
	const texts = DOCS.map((doc) => JSON.stringify(doc));
	const mapped = sandbox.run(texts);
	return DOCS.map((doc, i) => ({
		id: doc._id,
		emits: mapped.emits[i],
		asDoc: backIndexText(mapped.emits[i], texts[i]),
		asRows: backIndexText(mapped.emits[i])
	}));
}

/** What a document emitted, as emittedOf gives it, from the sandbox's own rows. */
const expected = (emits: string[][], wanted = (_: number) => true) =>
	emits.flatMap((flat, view) => (flat.length && wanted(view) ? [[view, flat]] : []));

test('a document kept as itself, or as its rows, gives back the rows it was indexed with', () => {
	const sandbox = new MapSandbox(VIEWS);
	const docs = indexed(sandbox);
	expect(docs[0].asDoc.length).toBeLessThan(docs[0].asRows.length + 60);
	for (const form of ['asDoc', 'asRows'] as const) {
		const entries = docs.map((doc) => [doc.id, doc[form]] as const);
		expect(emittedOf(sandbox, entries)).toEqual(docs.map((doc) => expected(doc.emits)));
		const tags = (view: number) => view === 2;
		expect(emittedOf(sandbox, entries, tags)).toEqual(docs.map((doc) => expected(doc.emits, tags)));
	}
	// Mixed in one call, as an index written before the document form holds them.
	const mixed = [
		[docs[0].id, docs[0].asRows],
		[docs[1].id, docs[1].asDoc]
	] as const;
	expect(emittedOf(sandbox, mixed)).toEqual([expected(docs[0].emits), expected(docs[1].emits)]);
});

test('views not wanted are not run', () => {
	const sandbox = new MapSandbox([
		VIEWS[0],
		{ name: 'throws', map: 'function (doc) { throw new Error("no"); }' }
	]);
	const text = JSON.stringify(DOCS[0]);
	const emits = sandbox.run([text]).emits[0];
	const only = sandbox.run([text], [0]);
	expect(only.errors).toEqual([]);
	expect(only.emits[0]).toEqual([emits[0], []]);
});

test('a map that gives a document other rows than it was indexed with is found out, with its view and document', () => {
	const pure = new MapSandbox(VIEWS);
	const docs = indexed(pure);
	const entries = docs.map((doc) => [doc.id, doc.asDoc] as const);
	// The same view names, one map changed: as a map reading the clock or a counter would.
	for (const map of [
		'function (doc) { emit([doc.type, doc.n], doc.n); emit(doc.type, 2); }',
		'function (doc) { emit([doc.type, doc.n], doc.n); }',
		'function (doc) { emit([doc.type, doc.n], doc.n); emit(doc.type, 1); emit(doc.type, 1); }',
		'function (doc) { if (doc._id === "b") throw new Error("now it throws"); emit([doc.type, doc.n], doc.n); emit(doc.type, 1); }'
	]) {
		const changed = new MapSandbox([{ name: 'by-type', map }, VIEWS[1], VIEWS[2]]);
		const error = (() => {
			try {
				emittedOf(changed, entries);
			} catch (e) {
				return e;
			}
		})();
		expect(error).toBeInstanceOf(ImpureMapError);
		expect((error as ImpureMapError).view).toBe('by-type');
		// Views not wanted are not checked.
		expect(emittedOf(changed, entries, (view) => view === 2)).toEqual(
			docs.map((doc) => expected(doc.emits, (view) => view === 2))
		);
	}
	// A view that emitted nothing and now emits.
	const emitting = new MapSandbox([
		VIEWS[0],
		{ name: 'none', map: 'function (doc) { emit(1, 1); }' },
		VIEWS[2]
	]);
	expect(() => emittedOf(emitting, entries)).toThrow(/map function of view none .* document "a"/);
});

test("the hash of a view's rows sees every character and where each row ends", () => {
	expect(rowsHash(['[1]', '2'])).not.toBe(rowsHash(['[1]', '3']));
	expect(rowsHash(['"ab"', '1'])).not.toBe(rowsHash(['"a', 'b"1']));
	expect(rowsHash(['1', '2', '3', '4'])).not.toBe(rowsHash(['3', '4', '1', '2']));
});

test('an impure map found when a document goes: the index is built again keeping rows, and counts stay exact', async () => {
	const Pouch = memoryPouch();
	const name = `impure-${Date.now()}`;
	const db = new Pouch(name);
	const docs = Array.from({ length: 40 }, (_, i) => ({
		_id: `d${String(i).padStart(2, '0')}`,
		n: i
	}));
	await db.bulkDocs(docs);
	await db.put({
		_id: '_design/r',
		views: {
			n: { map: 'function (doc) { emit(doc.n % 4, 1); }', reduce: '_sum' },
			// Impure: another value every time it runs.
			t: { map: 'function (doc) { emit(doc.n % 4, Math.random()); }', reduce: '_count' }
		}
	});
	const lines: string[] = [];
	const engine = await startViewEngine({ Pouch, batchSize: 16, log: (line) => lines.push(line) });
	try {
		const counts = async (view: string) => {
			const served = await engine.view(name, '_design/r', view);
			return (await served!.query(parseViewQuery(new URLSearchParams('group=true')))) as {
				rows: unknown[];
			};
		};
		const four = (n: number) => [0, 1, 2, 3].map((key) => ({ key, value: n }));
		/** Deletes the first `n` documents left, then waits until every count is `left`. */
		const deleteFirst = async (n: number, left: number) => {
			const gone = await db.allDocs({ startkey: 'd', limit: n });
			await db.bulkDocs(
				gone.rows.map((row) => ({ _id: row.id, _rev: row.value.rev, _deleted: true }))
			);
			await vi.waitFor(async () => expect((await counts('t')).rows).toEqual(four(left)), {
				timeout: 20_000
			});
		};
		expect((await counts('t')).rows).toEqual(four(10));
		// Deleting documents needs their rows again: the impure map gives others.
		await deleteFirst(8, 8);
		expect((await counts('n')).rows).toEqual(four(8));
		expect(await engine.check(name, '_design/r')).toEqual([]);
		expect(lines.filter((line) => line.includes('not a pure function'))).toEqual([
			expect.stringMatching(
				/view index .*\/_design\/r: map function of view t is not a pure function of the document: document "d0\d" emits other rows than when it was indexed; it is built again, keeping each document's rows/
			)
		]);
		// Kept as rows from then on: deleting more stays exact.
		await deleteFirst(4, 7);
		expect(await engine.check(name, '_design/r')).toEqual([]);
	} finally {
		await engine.close();
		await db.destroy();
	}
}, 60_000);

test('an index whose back-index holds rows, as one made before the document form, changes and removes those documents exactly', async () => {
	const both = [await newTestIndex(VIEWS), await newTestIndex(VIEWS)];
	both[0].meta.backIndex = 'rows';
	const change = (doc: Record<string, unknown>, seq: number, rev: string, deleted = false) => ({
		id: doc._id as string,
		seq,
		...(deleted ? { deleted } : { doc: { ...doc, _rev: rev } }),
		changes: [{ rev }]
	});
	const first = DOCS.map((doc, i) => change(doc, i + 1, '1-a'));
	for (const index of both) await writeChanges(index, first);
	// From here on the older index writes the document form, as it would after an upgrade.
	delete both[0].meta.backIndex;
	const later = [
		change({ ...DOCS[0], n: 7, tags: ['é'] }, 4, '2-b'),
		change(DOCS[1], 5, '2-b', true),
		change({ _id: 'd', type: 'y', n: 0 }, 6, '1-a')
	];
	for (const index of both) {
		await writeChanges(index, later);
		await writeChanges(index, [change(DOCS[0], 7, '3-c', true)]);
		expect(await checkIndex(index.store, index.meta, index.sandbox)).toEqual([]);
	}
	// Everything but the back-index (`i1/b|`, 69312f627c in hex), byte for byte.
	const entries = async (index: (typeof both)[0]) =>
		(await dumpIndex(index.store, 1)).filter((line) => !line.startsWith('69312f627c'));
	expect(await entries(both[0])).toEqual(await entries(both[1]));
});
