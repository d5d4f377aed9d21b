import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './active.js';

describe('the active view', () => {
	test('keeps the latest time of each group with _stats', () => {
		expect(reduce).toBe('_stats');
	});

	test.each([
		['a heartbeat', { type: 'heartbeat', engagedMs: 30_000 }],
		['a pageview', { type: 'pageview', entry: true }],
		['an event', { type: 'event', name: 'click' }],
		['a milestone', { type: 'milestone', milestone: 'actual' }]
	])('%s shows its session active on its path in its UTC minute', (_, fields) => {
		const ts = Date.UTC(2026, 10, 21, 14, 5, 30);
		expect(runMap(map, record({ ...fields, ts, sid: 's1', path: '/a' }))).toEqual([
			[['demo', '2026-11-21T14:05', 's1', '/a'], ts]
		]);
	});

	test.each([
		['a bot-flagged heartbeat', { type: 'heartbeat', engagedMs: 1, bot: true }],
		['a dropped-count record', { type: 'dropped', count: 2 }],
		['a record without a session', { type: 'event', name: 'x', sid: undefined }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
