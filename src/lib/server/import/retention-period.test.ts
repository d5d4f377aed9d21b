import { describe, expect, test } from 'vitest';
import { retentionPeriod, retentionSetting } from './retention-period';

describe('retention settings', () => {
	test.each([
		['400d', { text: '400d', days: 400 }],
		[' 52W ', { text: '52w', days: 364 }],
		['2y', { text: '2y', days: 730 }],
		['100y', { text: '100y', days: 36_500 }]
	])('%s keeps records for its days', (text, setting) => {
		expect(retentionSetting(text)).toEqual(setting);
	});

	test('an empty one is none', () => {
		expect(retentionSetting('  ')).toBeUndefined();
	});

	test.each([
		[
			'13 months',
			'must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "13 months")'
		],
		['0w', 'must be at least 1 day, week or year (got "0w")'],
		['101y', 'must be at most 100 years, 36500 days (got "101y")']
	])('%s is refused: %s', (text, refused) => {
		expect(retentionSetting(text)).toEqual({ refused });
	});
});

describe("a site's period", () => {
	const install = { text: '400d', days: 400 };
	test.each([
		['neither sets one', {}, undefined, undefined],
		['only the install sets one', {}, install, 400],
		['only the site sets one', { retention: '30d' }, undefined, 30],
		['the site sets a shorter one', { retention: '30d' }, install, 30],
		// The install's is the longest any site keeps its records.
		['the site sets a longer one', { retention: '2y' }, install, 400],
		['the site holds one that is none', { retention: 'soon' }, install, 400]
	])('is the shorter of both when %s', (_, site, setting, days) => {
		expect(retentionPeriod(site, setting)).toBe(days);
	});
});
