import { describe, expect, test } from 'vitest';
import { retentionCutoff } from './retention';

describe('retention cutoffs', () => {
	const now = Date.UTC(2026, 11, 4);
	const day = 86_400_000;
	test.each([
		['400d', now - 400 * day],
		['52w', now - 364 * day],
		['2y', now - 730 * day],
		['56y', now - 56 * 365 * day],
		[' 1d ', now - day]
	])('%s before 2026-12-04 is %d', (text, cutoff) => {
		expect(retentionCutoff(text, now)).toBe(cutoff);
	});

	test.each([
		['400', 'must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "400")'],
		['1m', 'must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "1m")'],
		['-1d', 'must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "-1d")'],
		// An outside probe: these three were told they were no whole number.
		['0d', 'must be at least 1 day, week or year (got "0d")'],
		['000w', 'must be at least 1 day, week or year (got "000w")'],
		['100000y', '100000y reaches back before 1970-01-01, before any record; give a shorter age'],
		['57y', '57y reaches back before 1970-01-01, before any record; give a shorter age'],
		[
			`${'9'.repeat(400)}d`,
			`${'9'.repeat(400)}d reaches back before 1970-01-01, before any record; give a shorter age`
		]
	])('%s is refused: %s', (text, refused) => {
		expect(retentionCutoff(text, now)).toEqual({ refused });
	});
});
