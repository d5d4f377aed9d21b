import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map } from './session-records.js';
import { readDesignDocs } from '../../../src/lib/server/boot/design-docs';

const ts = Date.UTC(2026, 10, 21, 14, 5, 30);
const id = '019a8f00-0000-7000-8000-000000000001';

describe('the session-records view', () => {
	test('counts with _count; the timeline reads its rows with reduce=false', () => {
		const stats = readDesignDocs().events.find((d) => d._id === '_design/stats')!;
		expect(stats.views!['session-records'].reduce).toBe('_count');
	});

	test('a pageview is listed in its session at its time, with what the timeline shows', () => {
		const doc = record({
			type: 'pageview',
			ts,
			sid: 's1',
			path: '/docs',
			title: 'Docs',
			from: '/',
			entry: false,
			firstEver: true,
			browser: 'Firefox',
			country: 'FR'
		});
		expect(runMap(map, doc)).toEqual([
			[['demo', 's1', ts, id], { type: 'pageview', path: '/docs', title: 'Docs', from: '/' }]
		]);
	});

	test('a revisit is listed as such (the timeline says it is no new pageview)', () => {
		const doc = record({
			type: 'pageview',
			ts,
			sid: 's1',
			path: '/',
			from: '/docs',
			entry: false,
			revisit: true
		});
		expect(runMap(map, doc)).toEqual([
			[['demo', 's1', ts, id], { type: 'pageview', path: '/', from: '/docs', revisit: true }]
		]);
	});

	test.each([
		[
			'an event with its props',
			{ type: 'event', name: 'signup', props: { plan: 'pro', seats: 3 } },
			{ type: 'event', path: '/', name: 'signup', props: { plan: 'pro', seats: 3 } }
		],
		[
			'a heartbeat with its engaged time and scroll depth',
			{ type: 'heartbeat', engagedMs: 30_000, scroll: 75 },
			{ type: 'heartbeat', path: '/', engagedMs: 30_000, scroll: 75 }
		],
		[
			'a milestone',
			{ type: 'milestone', milestone: 'actual' },
			{ type: 'milestone', path: '/', milestone: 'actual' }
		]
	])('%s keeps what it carries, never the visitor id', (_, fields, value) => {
		expect(runMap(map, record({ ...fields, ts, sid: 's1' }))).toEqual([
			[['demo', 's1', ts, id], value]
		]);
	});

	test.each([
		['a bot-flagged pageview', { type: 'pageview', entry: true, bot: true }],
		['a dropped-count record', { type: 'dropped', count: 2 }],
		['a record without a session', { type: 'event', name: 'x', sid: undefined }]
	])('%s is in no timeline', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
