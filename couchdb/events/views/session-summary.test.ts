import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './session-summary.js';

const ts = Date.UTC(2026, 10, 21, 14, 5, 30);

describe('the session-summary view', () => {
	test('summarises with _stats (count, min, max, sum)', () => {
		expect(reduce).toBe('_stats');
	});

	test.each([
		['an entry pageview gives the session its activity, a page', {}, 'page'],
		[
			'a return that opens its session (resumed on a page left open) gives it its activity, a return to the page (no pageview)',
			{ revisit: true },
			'return'
		]
	])('%s and its entry details', (_, fields, kind) => {
		const doc = record({
			type: 'pageview',
			ts,
			sid: 's1',
			path: '/pricing',
			entry: true,
			firstEver: true,
			src: 'news.ycombinator.com',
			device: 'desktop',
			browser: 'Firefox',
			country: 'FR',
			...fields
		});
		expect(runMap(map, doc)).toEqual([
			[['demo', 's1', 'at'], ts],
			[['demo', 's1', kind, '/pricing'], ts],
			[
				[
					'demo',
					's1',
					'entry',
					['/pricing', 'news.ycombinator.com', 'desktop', 'Firefox', 'FR', true]
				],
				ts
			]
		]);
	});

	test('an entry pageview without enrichment names the unknown details null', () => {
		const doc = record({ type: 'pageview', ts, sid: 's1', path: '/', entry: true });
		expect(runMap(map, doc)[2]).toEqual([
			['demo', 's1', 'entry', ['/', null, null, null, null, false]],
			ts
		]);
	});

	test.each([
		['a later pageview', { type: 'pageview', entry: false, path: '/a' }, [['page', '/a'], ts]],
		['an event', { type: 'event', name: 'signup' }, [['event'], ts]],
		['a heartbeat', { type: 'heartbeat', engagedMs: 12_000 }, [['engaged'], 12_000]],
		['a milestone', { type: 'milestone', milestone: 'engaged' }, [['milestone', 'engaged'], ts]]
	])('%s counts as activity and as its kind', (_, fields, [kind, value]) => {
		expect(runMap(map, record({ ...fields, ts, sid: 's1' }))).toEqual([
			[['demo', 's1', 'at'], ts],
			[['demo', 's1', ...(kind as string[])], value]
		]);
	});

	test('a revisit (back to a page counted lately) is a return to its page, no pageview of it', () => {
		const rows = runMap(
			map,
			record({
				type: 'pageview',
				path: '/',
				from: '/about',
				revisit: true,
				entry: false,
				ts,
				sid: 's1'
			})
		);
		expect(rows).toEqual([
			[['demo', 's1', 'at'], ts],
			[['demo', 's1', 'return', '/'], ts]
		]);
	});

	test('a heartbeat without engaged time is activity only', () => {
		expect(runMap(map, record({ type: 'heartbeat', engagedMs: 0, ts, sid: 's1' }))).toEqual([
			[['demo', 's1', 'at'], ts]
		]);
	});

	test.each([
		['a bot-flagged pageview', { type: 'pageview', entry: true, bot: true }],
		['a dropped-count record', { type: 'dropped', count: 2 }],
		['a record without a session', { type: 'event', name: 'x', sid: undefined }]
	])('%s counts nowhere', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
