/**
 * The map environment (sandbox.ts): CouchDB's functions and the usual globals, one
 * document at a time, with the environment's own state out of a map's reach.
 */
import { expect, test } from 'vitest';
import { MapSandbox } from './sandbox';

const rows = (sandbox: MapSandbox, docs: unknown[]) =>
	sandbox.run(docs.map((doc) => JSON.stringify(doc)));

test("a map sees CouchDB's map environment and the usual globals", () => {
	const sandbox = new MapSandbox([
		{
			name: 'env',
			map: `function (doc) {
				log('seen ' + doc._id);
				emit([isArray(doc.list), sum(doc.list), toJSON(doc.list)], Math.max.apply(null, doc.list));
				emit(new Date(doc.ts).toISOString().slice(0, 10), JSON.parse('[' + Number('2') + ']'));
				emit(isFinite(doc.ts) && !isNaN(parseInt('7', 10)), String(Boolean(doc.ts)));
			}`
		}
	]);
	const out = rows(sandbox, [{ _id: 'a', list: [1, 2, 3], ts: Date.UTC(2026, 9, 1) }]);
	expect(out.errors).toEqual([]);
	expect(out.logs).toEqual(['seen a']);
	expect(out.emits).toEqual([
		[['[true,6,"[1,2,3]"]', '3', '"2026-10-01"', '[2]', 'true', '"true"']]
	]);
});

test("the environment's own state is out of a map's reach, and maps share only the global object", () => {
	const sandbox = new MapSandbox([
		{
			name: 'probe',
			// Names the environment keeps (its row list, maps, logs, the map source) and
			// earlier versions' globals; an undeclared assignment goes to the global object.
			map: `function (doc) {
				counter = (typeof counter === 'number' ? counter : 0) + 1;
				emit([typeof rows, typeof maps, typeof logs, typeof seal, typeof __source,
					typeof __maps, typeof __rows, typeof __logs, typeof __seal], counter);
			}`
		},
		{ name: 'reader', map: 'function (doc) { emit(doc._id, counter); }' }
	]);
	const out = rows(sandbox, [{ _id: 'a' }, { _id: 'b' }]);
	expect(out.errors).toEqual([]);
	const hidden = JSON.stringify(Array(9).fill('undefined'));
	expect(out.emits).toEqual([
		[
			[hidden, '1'],
			['"a"', '1']
		],
		[
			[hidden, '2'],
			['"b"', '2']
		]
	]);
});

test('a map that throws or runs out of time leaves only that document out of that view', () => {
	const sandbox = new MapSandbox(
		[
			{
				name: 'fussy',
				map: 'function (doc) { if (doc.bad) throw new Error("bad " + doc._id); if (doc.slow) { while (true) {} } emit(doc._id, 1); }'
			},
			{ name: 'plain', map: 'function (doc) { emit(doc._id, null); }' }
		],
		{ perDocMs: 200, perBatchDocMs: 1 }
	);
	const out = rows(sandbox, [{ _id: 'a' }, { _id: 'b', bad: true }, { _id: 'c', slow: true }]);
	expect(out.emits).toEqual([
		[
			['"a"', '1'],
			['"a"', 'null']
		],
		[[], ['"b"', 'null']],
		[[], []]
	]);
	expect(out.errors).toEqual([
		{ doc: 1, view: 0, message: 'bad b' },
		{ doc: 2, view: 0, message: 'timed out after 200 ms' },
		{ doc: 2, view: 1, message: 'timed out after 200 ms' }
	]);
});
