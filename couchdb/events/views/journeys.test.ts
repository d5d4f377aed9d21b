import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './journeys.js';

describe('the journeys view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('a pageview is one transition from its previous path, in each granularity', () => {
		// Saturday 2026-11-21: its week is keyed by Monday 2026-11-16.
		expect(runMap(map, record({ type: 'pageview', path: '/docs', from: '/' }))).toEqual([
			[['demo', 'q', '2026-11-21T14:00', '/', '/docs'], null],
			[['demo', 'h', '2026-11-21T14', '/', '/docs'], null],
			[['demo', 'd', '2026-11-21', '/', '/docs'], null],
			[['demo', 'w', '2026-11-16', '/', '/docs'], null],
			[['demo', 'm', '2026-11', '/', '/docs'], null],
			[['demo', 'y', '2026', '/', '/docs'], null]
		]);
	});

	test('an entry pageview comes from null: no previous page in its session', () => {
		const rows = runMap(map, record({ type: 'pageview', path: '/', entry: true }));
		expect(rows.map(([key]) => (key as unknown[]).slice(3))).toEqual([
			[null, '/'],
			[null, '/'],
			[null, '/'],
			[null, '/'],
			[null, '/'],
			[null, '/']
		]);
	});

	test('a session with a source emits its transitions a second time under the source filter', () => {
		const rows = runMap(map, record({ type: 'pageview', path: '/a', from: '/', src: '(direct)' }));
		expect(rows.slice(6)).toEqual([
			[[['demo', 'source:(direct)'], 'q', '2026-11-21T14:00', '/', '/a'], null],
			[[['demo', 'source:(direct)'], 'h', '2026-11-21T14', '/', '/a'], null],
			[[['demo', 'source:(direct)'], 'd', '2026-11-21', '/', '/a'], null],
			[[['demo', 'source:(direct)'], 'w', '2026-11-16', '/', '/a'], null],
			[[['demo', 'source:(direct)'], 'm', '2026-11', '/', '/a'], null],
			[[['demo', 'source:(direct)'], 'y', '2026', '/', '/a'], null]
		]);
	});

	test.each([
		['a bot-flagged pageview', { type: 'pageview', path: '/a', from: '/', bot: true }],
		['an event', { type: 'event', name: 'signup', path: '/a' }],
		['a heartbeat', { type: 'heartbeat', engagedMs: 5000, path: '/a' }],
		['a milestone', { type: 'milestone', milestone: 'engaged', path: '/a' }],
		['a pageview without a path', { type: 'pageview', path: 7 }],
		['a record without a time', { type: 'pageview', path: '/a', ts: 'now' }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
