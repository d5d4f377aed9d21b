import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './paths.js';

describe('the paths view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('a pageview with a trail is one row after that trail, in each granularity', () => {
		const pageview = record({ type: 'pageview', path: '/docs', trail: ['/', '/pricing'] });
		expect(runMap(map, pageview)).toEqual([
			[['demo', 'q', ['/', '/pricing'], '2026-11-21T14:00', '/docs'], null],
			[['demo', 'h', ['/', '/pricing'], '2026-11-21T14', '/docs'], null],
			[['demo', 'd', ['/', '/pricing'], '2026-11-21', '/docs'], null],
			[['demo', 'm', ['/', '/pricing'], '2026-11', '/docs'], null]
		]);
	});

	test("an entry's trail is empty: the rows of [] are the sessions' entry pages", () => {
		const rows = runMap(map, record({ type: 'pageview', path: '/', entry: true, trail: [] }));
		expect(rows.map(([key]) => (key as unknown[])[2])).toEqual([[], [], [], []]);
	});

	test('a session with a source emits its rows a second time under the source filter', () => {
		const pageview = record({ type: 'pageview', path: '/a', src: 'news.example', trail: ['/'] });
		expect(runMap(map, pageview).map(([key]) => (key as unknown[]).slice(0, 2))).toEqual([
			['demo', 'q'],
			['demo', 'h'],
			['demo', 'd'],
			['demo', 'm'],
			[['demo', 'source:news.example'], 'q'],
			[['demo', 'source:news.example'], 'h'],
			[['demo', 'source:news.example'], 'd'],
			[['demo', 'source:news.example'], 'm']
		]);
	});

	test.each([
		['a pageview after the fourth (no trail)', { type: 'pageview', path: '/a', from: '/' }],
		['a bot-flagged pageview', { type: 'pageview', path: '/a', trail: [], bot: true }],
		['an event', { type: 'event', name: 'signup', path: '/a', trail: [] }],
		['a heartbeat', { type: 'heartbeat', engagedMs: 5000, path: '/a' }],
		['a pageview without a path', { type: 'pageview', path: 7, trail: [] }],
		['a pageview whose trail is no list', { type: 'pageview', path: '/a', trail: '/' }],
		['a record without a time', { type: 'pageview', path: '/a', ts: 'now', trail: [] }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
