import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './event-props.js';

describe('the event-props view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('each prop of an event is counted by its value as a string', () => {
		const rows = scoped(
			runMap(
				map,
				record({ type: 'event', name: 'signup', props: { plan: 'pro', seats: 3, trial: false } })
			)
		).filter(([key]) => (key as string[])[1] === 'd');
		expect(rows).toEqual([
			[['demo', 'd', '2026-11-21', 'signup', 'plan', 'pro'], null],
			[['demo', 'd', '2026-11-21', 'signup', 'seats', '3'], null],
			[['demo', 'd', '2026-11-21', 'signup', 'trial', 'false'], null]
		]);
	});

	test('emits every prop in the quarter-hour, hour, day, week, month and year bucket', () => {
		const rows = scoped(runMap(map, record({ type: 'event', name: 'x', props: { a: '1' } })));
		expect(rows.map(([key]) => (key as string[])[1])).toEqual(['q', 'h', 'd', 'w', 'm', 'y']);
	});

	test.each([
		['an event without props', { type: 'event', name: 'x' }],
		['a prop that is an object', { type: 'event', name: 'x', props: { a: { b: 1 } } }],
		['a bot-flagged event', { type: 'event', name: 'x', props: { a: '1' }, bot: true }],
		['a pageview', { type: 'pageview', props: { a: '1' } }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});

	test('every prop repeats under each prop value of the event (k² rows for k props)', () => {
		const fields = { type: 'event', name: 'x', path: undefined, props: { a: '1', b: 2 } };
		const rows = runMap(map, record(fields)).filter(([key]) => (key as string[])[1] === 'd');
		expect(rows.map(([key]) => [(key as unknown[])[0], ...(key as unknown[]).slice(4)])).toEqual([
			['demo', 'a', '1'],
			[['demo', 'event:x'], 'a', '1'],
			[['demo', 'prop:x|a=1'], 'a', '1'],
			[['demo', 'prop:x|b=2'], 'a', '1'],
			['demo', 'b', '2'],
			[['demo', 'event:x'], 'b', '2'],
			[['demo', 'prop:x|a=1'], 'b', '2'],
			[['demo', 'prop:x|b=2'], 'b', '2']
		]);
	});

	test('each prop repeats under the event’s, its page’s and its session’s source segment', () => {
		const fields = { type: 'event', name: 'x', path: '/p', src: 'x.org', props: { a: '1' } };
		const rows = runMap(map, record(fields)).filter(([key]) => (key as string[])[1] === 'd');
		expect(rows.map(([key]) => (key as unknown[])[0])).toEqual([
			'demo',
			['demo', 'event:x'],
			['demo', 'source:x.org'],
			['demo', 'page:/p'],
			['demo', 'prop:x|a=1']
		]);
	});
});
