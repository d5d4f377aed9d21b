import { describe, expect, test } from 'vitest';
import { cutoffOf, parseAge } from './retention';

describe('retention ages', () => {
	test.each([
		['400d', 400 * 86_400_000],
		['52w', 364 * 86_400_000],
		['2y', 730 * 86_400_000],
		['0d', undefined],
		['400', undefined],
		['1m', undefined]
	])('%s is %s ms', (text, ms) => {
		expect(parseAge(text)).toBe(ms);
	});
});

describe('retention cutoffs', () => {
	const now = Date.UTC(2026, 11, 4);
	test.each([
		['400d', now - 400 * 86_400_000],
		['56y', now - 56 * 365 * 86_400_000],
		['57y', undefined],
		['99999y', undefined]
	])('%s before 2026-12-04 is %s', (text, cutoff) => {
		expect(cutoffOf(parseAge(text)!, now)).toBe(cutoff);
	});
});
