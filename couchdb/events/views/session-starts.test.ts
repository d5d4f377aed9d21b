import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './session-starts.js';

describe('the session-starts view', () => {
	test('counts sessions with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('an entry pageview lists its session at its start time', () => {
		const doc = record({ type: 'pageview', entry: true, sid: 's1' });
		expect(runMap(map, doc)).toEqual([[['demo', doc.ts, 's1'], null]]);
	});

	test.each([
		['a later pageview', { type: 'pageview', entry: false }],
		['an event', { type: 'event', name: 'signup' }],
		['a heartbeat', { type: 'heartbeat', engagedMs: 1000 }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a bot-flagged entry pageview', { type: 'pageview', entry: true, bot: true }],
		['an entry pageview without a session', { type: 'pageview', entry: true, sid: undefined }]
	])('%s lists nothing', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
