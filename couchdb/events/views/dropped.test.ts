import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './dropped.js';

describe('the dropped view', () => {
	test('sums with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('a dropped record counts its records and itself, by UTC hour in each bucket', () => {
		expect(runMap(map, record({ type: 'dropped', count: 12, src: 'x.org' }))).toEqual([
			[
				['demo', 'q', '2026-11-21T14:00', '2026-11-21T14'],
				[12, 1]
			],
			[
				['demo', 'h', '2026-11-21T14', '2026-11-21T14'],
				[12, 1]
			],
			[
				['demo', 'd', '2026-11-21', '2026-11-21T14'],
				[12, 1]
			],
			[
				['demo', 'm', '2026-11', '2026-11-21T14'],
				[12, 1]
			]
		]);
	});

	test.each([
		['a dropped record without a count', { type: 'dropped' }],
		['a dropped record counting nothing', { type: 'dropped', count: 0 }],
		['a bot-flagged dropped record', { type: 'dropped', count: 3, bot: true }],
		['a pageview', { type: 'pageview', entry: true, count: 3 }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
