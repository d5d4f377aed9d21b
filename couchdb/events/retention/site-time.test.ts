import { describe, expect, test } from 'vitest';
import { record, runMap } from '../views/fake-emit';
import { map, reduce } from './site-time.js';

describe('the retention view of records by site and time', () => {
	test('counts with _count (npm run retention counts what it will delete)', () => {
		expect(reduce).toBe('_count');
	});

	test.each([
		['a pageview', { type: 'pageview' }],
		['a bot-flagged pageview (retention deletes those too)', { type: 'pageview', bot: true }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a dropped-count record', { type: 'dropped', count: 1 }],
		['a heartbeat', { type: 'heartbeat' }]
	])('keys %s by site and time', (_, fields) => {
		expect(runMap(map, record({ ...fields, ts: 42 }))).toEqual([[['demo', 42], null]]);
	});

	test.each([
		['a design document', { _id: '_design/stats', views: {} }],
		['a record without a site', { ...record({ type: 'pageview' }), site: 7 }],
		['a record without a time', record({ type: 'pageview', ts: 'yesterday' })],
		['a record without a type', { ...record({ type: 'pageview' }), type: undefined }]
	])('emits nothing for %s', (_, doc) => {
		expect(runMap(map, doc)).toEqual([]);
	});
});
