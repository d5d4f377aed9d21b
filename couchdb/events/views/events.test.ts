import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './events.js';

describe('the events view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('an event is counted by name in the hour, day and month bucket', () => {
		expect(runMap(map, record({ type: 'event', name: 'signup', props: { plan: 'pro' } }))).toEqual([
			[['demo', 'h', '2026-11-21T14', 'signup'], null],
			[['demo', 'd', '2026-11-21', 'signup'], null],
			[['demo', 'm', '2026-11', 'signup'], null]
		]);
	});

	test.each([
		['a bot-flagged event', { type: 'event', name: 'signup', bot: true }],
		['an event without a name', { type: 'event' }],
		['a pageview', { type: 'pageview', entry: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
