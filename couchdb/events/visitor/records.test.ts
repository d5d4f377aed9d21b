import { describe, expect, test } from 'vitest';
import { record, runMap } from '../views/fake-emit';
import { map } from './records.js';

describe('the visitor records view', () => {
	test.each([
		['a pageview', { type: 'pageview' }],
		[
			'a bot-flagged pageview (a visitor sees and erases those too)',
			{ type: 'pageview', bot: true }
		],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a dropped-count record', { type: 'dropped', count: 1 }]
	])('keys %s by site, visitor, time and id', (_, fields) => {
		expect(runMap(map, record({ ...fields, ts: 42 }))).toEqual([
			[['demo', 'visitor-1', 42, '019a8f00-0000-7000-8000-000000000001'], null]
		]);
	});

	test.each([
		['a design document', { _id: '_design/stats', views: {} }],
		['a record without a visitor', { ...record({ type: 'pageview' }), vid: undefined }],
		['a record without a site', { ...record({ type: 'pageview' }), site: 7 }],
		['a record without a time', record({ type: 'pageview', ts: 'yesterday' })]
	])('emits nothing for %s', (_, doc) => {
		expect(runMap(map, doc)).toEqual([]);
	});
});
