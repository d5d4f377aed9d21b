import { describe, expect, test } from 'vitest';
import { parseAge } from './retention';

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
