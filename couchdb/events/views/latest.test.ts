import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './latest.js';

const TS = Date.UTC(2026, 10, 21, 14, 5, 30);

describe('the latest view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test.each([
		[
			'a pageview',
			{ type: 'pageview', path: '/a', title: 'A', entry: true },
			{ type: 'pageview', path: '/a' }
		],
		[
			'a return to a page',
			{ type: 'pageview', path: '/a', revisit: true, from: '/b' },
			{ type: 'pageview', path: '/a', revisit: true }
		],
		[
			'an event',
			{ type: 'event', path: '/a', name: 'signup', props: { plan: 'pro' } },
			{ type: 'event', path: '/a', name: 'signup' }
		]
	])('keys %s by site and time, with what its line shows', (_, fields, value) => {
		expect(runMap(map, record(fields))).toEqual([[['demo', TS], value]]);
	});

	test.each([
		['a heartbeat', { type: 'heartbeat', engagedMs: 5_000 }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a dropped record', { type: 'dropped', count: 2 }],
		['a bot-flagged pageview', { type: 'pageview', bot: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
