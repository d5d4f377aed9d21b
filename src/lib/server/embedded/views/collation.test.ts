import { collate, toIndexableString } from 'pouchdb-collate';
import { describe, expect, test } from 'vitest';
import { seededRandom } from '../../../../../tests/support/synthetic';
import { parseIndexableString } from 'pouchdb-collate';
import {
	KeyEncoder,
	groupMembers,
	groupPrefixes,
	keyBytes,
	parseKey,
	plainArray,
	rowIdx,
	rowsOfDocEnd,
	rowsOfDocStart,
	rowsOfKeyEnd,
	rowsOfKeyStart
} from './collation';
import { keyText } from './store';

const VALUES: unknown[] = [
	null,
	false,
	true,
	-1e21,
	-3.75,
	-1,
	-1e-7,
	0,
	1e-7,
	0.1,
	1,
	2.5,
	42,
	1e21,
	'',
	'\u0000',
	'a\u0000b',
	'\u0001',
	'\u0002x',
	'A',
	'Z',
	'a',
	'ab',
	'b',
	'é',
	'日本',
	'\ue000',
	'😀',
	'\ud83d',
	'\uffff',
	[],
	[null],
	['a'],
	['a', 1],
	['a', [1]],
	[['a']],
	{},
	{ a: 1 },
	{ a: [1, 'b'] }
];

function randomKey(random: () => number, depth = 0): unknown {
	const r = random();
	if (depth < 3 && r < 0.3) {
		return Array.from({ length: Math.floor(random() * 4) }, () => randomKey(random, depth + 1));
	}
	return VALUES[Math.floor(random() * VALUES.length)];
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('keys in collation order', () => {
	test('an encoded key is toIndexableString of the key, its elements and group prefixes too', () => {
		const random = seededRandom(7);
		const encoder = new KeyEncoder();
		for (let i = 0; i < 2_000; i++) {
			const key = randomKey(random);
			const encoded = encoder.encode(JSON.stringify(key));
			expect(encoded.idx).toBe(toIndexableString(key));
			if (Array.isArray(key)) {
				expect(encoded.depth).toBe(key.length);
				expect(groupPrefixes(encoded)).toEqual(
					key.slice(1).map((_, i) => toIndexableString(key.slice(0, i + 1)))
				);
			}
			const start = rowsOfKeyStart(encoded.idx);
			expect(rowIdx(start, encoder.docId('doc-1'))).toBe(toIndexableString([key, 'doc-1']));
			expect(rowIdx(start, encoder.docId('doc-1'), 2)).toBe(toIndexableString([key, 'doc-1', 2]));
			if (encoded.readsBack) expect(parseIndexableString(encoded.idx)).toEqual(key);
		}
	});

	test('parseKey reads back what parseIndexableString does, arrays of plain values or not', () => {
		const random = seededRandom(13);
		const plain = [
			'',
			'bench',
			'd',
			'2026-10-01',
			'/a b',
			'é日本',
			'😀',
			'\ud83d',
			'\u0003',
			null,
			true,
			false,
			0,
			-0,
			1,
			42,
			1764000123456,
			Number.MAX_SAFE_INTEGER,
			0.1,
			2.5,
			1e-7,
			1e21,
			5e-324,
			Number.MAX_VALUE,
			-1,
			-3.75,
			-1e-7,
			-1e21,
			-Number.MAX_VALUE
		];
		const plainKey = (depth: number): unknown[] =>
			Array.from({ length: Math.floor(random() * 6) }, () =>
				depth < 2 && random() < 0.2
					? plainKey(depth + 1)
					: plain[Math.floor(random() * plain.length)]
			);
		for (let i = 0; i < 4_000; i++) {
			// Half keys of any values (objects, escaped characters: pouchdb-collate's path),
			// half arrays of strings, numbers, nulls and booleans (parseKey's own).
			const key = i % 2 ? randomKey(random) : plainKey(0);
			const idx = toIndexableString(key);
			expect(parseKey(idx)).toEqual(parseIndexableString(idx));
			// Plain keys are read without pouchdb-collate, to the same number bit for bit
			// (some numbers do not read back as written, pouchdb-collate's either).
			if (i % 2 === 0) {
				const read = plainArray(idx);
				expect(read).toBeDefined();
				expect(read).toEqual(parseIndexableString(idx));
			}
			for (const row of [
				[key, 'doc-1'],
				[key, 'doc-1', 2]
			]) {
				const rowText = toIndexableString(row);
				expect(parseKey(rowText)).toEqual(parseIndexableString(rowText));
			}
		}
	});

	test('store key bytes sort as collate() orders the keys (CESU-8 for surrogates)', () => {
		const random = seededRandom(11);
		const keys = Array.from({ length: 400 }, () => randomKey(random));
		const byCollate = [...keys].sort(collate);
		const byBytes = [...keys].sort((a, b) =>
			Buffer.compare(
				new Uint8Array(keyBytes(toIndexableString(a))),
				new Uint8Array(keyBytes(toIndexableString(b)))
			)
		);
		// Keys that collate equal may come in either order; compare their positions' keys.
		byCollate.forEach((key, i) => expect(sign(collate(key, byBytes[i]))).toBe(0));
	});

	test('key bytes read back to the same text', () => {
		for (const text of ['plain', 'é日本', '😀', '\ud83d', 'a\u0000b\uffff']) {
			expect(keyText(keyBytes(text))).toBe(text);
		}
	});

	test('row bounds enclose exactly the rows of a key, and of a key and document', () => {
		const encoder = new KeyEncoder();
		const key = encoder.encode(JSON.stringify(['a', 1])).idx;
		const smaller = encoder.encode(JSON.stringify(['a', 0.5])).idx;
		const larger = encoder.encode(JSON.stringify(['a', 1, null])).idx;
		const doc = encoder.docId('m');
		const rows = ['a', 'm', 'z'].map((id) => rowIdx(rowsOfKeyStart(key), encoder.docId(id)));
		const dup = rowIdx(rowsOfKeyStart(key), doc, 3);
		for (const row of [...rows, dup]) {
			expect(rowsOfKeyStart(key) < row && row < rowsOfKeyEnd(key)).toBe(true);
		}
		for (const row of [rowIdx(rowsOfKeyStart(smaller), doc), rowIdx(rowsOfKeyStart(larger), doc)]) {
			expect(rowsOfKeyStart(key) < row && row < rowsOfKeyEnd(key)).toBe(false);
		}
		const mine = [rows[1], dup];
		for (const row of mine) {
			expect(rowsOfDocStart(key, doc) <= row && row < rowsOfDocEnd(key, doc)).toBe(true);
		}
		expect(rows[0] < rowsOfDocStart(key, doc)).toBe(true);
		expect(rows[2] > rowsOfDocEnd(key, doc)).toBe(true);
	});

	test('a key said to read back does; one that does not is flagged', () => {
		const random = seededRandom(5);
		const encoder = new KeyEncoder();
		let flagged = 0;
		for (let i = 0; i < 5_000; i++) {
			const n = random() * 10 ** Math.floor(random() * 40 - 20) * (random() < 0.3 ? -1 : 1);
			const key = [Math.abs(Math.floor(n)), 'x', random() < 0.5 ? n : [n * 7]];
			const encoded = encoder.encode(JSON.stringify(key));
			const back = JSON.stringify(parseIndexableString(encoded.idx));
			expect(back === encoded.json).toBe(encoded.readsBack);
			if (!encoded.readsBack) flagged++;
		}
		expect(flagged).toBeGreaterThan(0);
	});

	test("a group's member range holds exactly the keys that extend its prefix", () => {
		const encoder = new KeyEncoder();
		const prefix = toIndexableString(['s', 'd']);
		const { start, end } = groupMembers(prefix);
		const inside = [
			['s', 'd', null],
			['s', 'd', '2026'],
			['s', 'd', [1]],
			['s', 'd', {}]
		];
		const outside = [['s', 'd'], ['s', 'c', 'z'], ['s', 'e'], ['s', 'd\u0000'], 's'];
		for (const key of inside) {
			const idx = encoder.encode(JSON.stringify(key)).idx;
			expect(start <= idx && idx < end).toBe(true);
		}
		for (const key of outside) {
			const idx = encoder.encode(JSON.stringify(key)).idx;
			expect(start <= idx && idx < end).toBe(false);
		}
	});
});
