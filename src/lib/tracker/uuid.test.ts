import { describe, expect, test } from 'vitest';
import { ID_PATTERN } from '../records.ts';
import { derivedId, uuidv7, type RandomSource } from './uuid.ts';

const zeros: RandomSource = (bytes) => bytes.fill(0);
const ones: RandomSource = (bytes) => bytes.fill(255);

describe('uuidv7', () => {
	test('puts the time in the first 48 bits and sets version and variant', () => {
		expect(uuidv7(0x0191_2345_6789, zeros)).toBe('01912345-6789-7000-8000-000000000000');
		expect(uuidv7(0x0191_2345_6789, ones)).toBe('01912345-6789-7fff-bfff-ffffffffffff');
	});

	test('matches the record id pattern with the real random source', () => {
		expect(uuidv7(Date.UTC(2026, 10, 21))).toMatch(ID_PATTERN);
	});

	test('sorts ids by time', () => {
		const ids = [3, 1, 2].map((t) => uuidv7(1_700_000_000_000 + t, ones));
		expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
	});
});

describe('derivedId', () => {
	const sid = '01912345-6789-7abc-8def-0123456789ab';

	test.each([
		[1, '01912345-6789-7abc-8def-0123456789aa'],
		[2, '01912345-6789-7abc-8def-0123456789a9'],
		[3, '01912345-6789-7abc-8def-0123456789a8']
	])('derives a distinct valid UUIDv7 for salt %i', (salt, expected) => {
		expect(derivedId(sid, salt)).toBe(expected);
		expect(derivedId(sid, salt)).toMatch(ID_PATTERN);
	});

	test('is the same in every tab for the same session and salt', () => {
		expect(derivedId(sid, 2)).toBe(derivedId(sid, 2));
	});
});
