import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './timeline.js';

describe('the timeline view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test.each([
		['a pageview', { type: 'pageview' }],
		['a bot-flagged pageview (retention removes those too)', { type: 'pageview', bot: true }],
		['a dropped-count record', { type: 'dropped', count: 1 }]
	])('keys %s by its time alone', (_, fields) => {
		expect(runMap(map, record({ ...fields, ts: 42 }))).toEqual([[42, null]]);
	});

	test('emits nothing for a document that is not a record', () => {
		expect(runMap(map, { _id: '_design/stats', views: {} })).toEqual([]);
	});
});
