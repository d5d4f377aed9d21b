import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './funnel-entries.js';

describe('the funnel-entries view', () => {
	test('counts rows with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('a pageview is listed under its path, at its time, with its session and id', () => {
		const doc = record({ type: 'pageview', path: '/pricing', sid: 's1' });
		expect(runMap(map, doc)).toEqual([[['demo', 'page', '/pricing', doc.ts, 's1', doc._id], null]]);
	});

	test('an event is listed under its name', () => {
		const doc = record({ type: 'event', name: 'signup', props: { plan: 'pro' }, sid: 's1' });
		expect(runMap(map, doc)).toEqual([[['demo', 'event', 'signup', doc.ts, 's1', doc._id], null]]);
	});

	test.each([
		['a heartbeat', { type: 'heartbeat', engagedMs: 1000 }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a dropped record', { type: 'dropped' }],
		['a bot-flagged pageview', { type: 'pageview', bot: true }],
		['a pageview without a session', { type: 'pageview', sid: undefined }],
		['an event without a name', { type: 'event' }]
	])('%s is listed nowhere', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
