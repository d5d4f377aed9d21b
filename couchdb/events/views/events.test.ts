import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './events.js';

describe('the events view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('an event is counted by name in the quarter-hour, hour, day, week, month and year bucket', () => {
		expect(
			scoped(runMap(map, record({ type: 'event', name: 'signup', props: { plan: 'pro' } })))
		).toEqual([
			[['demo', 'q', '2026-11-21T14:00', 'signup'], null],
			[['demo', 'h', '2026-11-21T14', 'signup'], null],
			[['demo', 'd', '2026-11-21', 'signup'], null],
			[['demo', 'w', '2026-11-16', 'signup'], null],
			[['demo', 'm', '2026-11', 'signup'], null],
			[['demo', 'y', '2026', 'signup'], null]
		]);
	});

	test.each([
		['a bot-flagged event', { type: 'event', name: 'signup', bot: true }],
		['an event without a name', { type: 'event' }],
		['a pageview', { type: 'pageview', entry: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});

	test('an event repeats under each of its prop values, whatever its first flags', () => {
		const props = { plan: 'pro', trial: true, 'a=b': 1 };
		const fields = { type: 'event', name: 'signup', path: undefined, props };
		const rows = runMap(map, record(fields)).filter(([key]) => (key as string[])[1] === 'd');
		expect(rows.map(([key]) => (key as unknown[])[0])).toEqual([
			'demo',
			['demo', 'event:signup'],
			['demo', 'prop:signup|plan=pro'],
			['demo', 'prop:signup|trial=true']
		]);
	});

	test('an event repeats under its own, its page’s and its session’s source segment', () => {
		const rows = runMap(map, record({ type: 'event', name: 'signup', path: '/p', src: 'x.org' }));
		expect(rows.filter(([key]) => (key as string[])[1] === 'd').map(([key]) => key)).toEqual([
			['demo', 'd', '2026-11-21', 'signup'],
			[['demo', 'event:signup'], 'd', '2026-11-21', 'signup'],
			[['demo', 'source:x.org'], 'd', '2026-11-21', 'signup'],
			[['demo', 'page:/p'], 'd', '2026-11-21', 'signup']
		]);
	});
});
