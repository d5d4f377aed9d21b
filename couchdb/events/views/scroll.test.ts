import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './scroll.js';

const days = (rows: ReturnType<typeof runMap>) =>
	rows.filter(([key]) => (key as unknown[])[1] === 'd');

describe('the scroll view', () => {
	test('sums with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('a pageview counts once on its path, in each bucket', () => {
		expect(scoped(runMap(map, record({ type: 'pageview', path: '/a', entry: true })))).toEqual([
			[
				['demo', 'q', '2026-11-21T14:00', '/a'],
				[1, 0, 0, 0, 0, 0]
			],
			[
				['demo', 'h', '2026-11-21T14', '/a'],
				[1, 0, 0, 0, 0, 0]
			],
			[
				['demo', 'd', '2026-11-21', '/a'],
				[1, 0, 0, 0, 0, 0]
			],
			[
				['demo', 'w', '2026-11-16', '/a'],
				[1, 0, 0, 0, 0, 0]
			],
			[
				['demo', 'm', '2026-11', '/a'],
				[1, 0, 0, 0, 0, 0]
			],
			[
				['demo', 'y', '2026', '/a'],
				[1, 0, 0, 0, 0, 0]
			]
		]);
	});

	test('the heartbeats of a page view add up to its deepest scroll, each threshold once', () => {
		const beats = [
			[0, 30],
			[30, 30],
			[30, 75],
			[75, 100]
		].map(([scrollFrom, scroll]) =>
			days(scoped(runMap(map, record({ type: 'heartbeat', engagedMs: 5000, scrollFrom, scroll }))))
		);
		expect(beats).toEqual([
			[
				[
					['demo', 'd', '2026-11-21', '/'],
					[0, 30, 1, 0, 0, 0]
				]
			],
			[],
			[
				[
					['demo', 'd', '2026-11-21', '/'],
					[0, 45, 0, 1, 1, 0]
				]
			],
			[
				[
					['demo', 'd', '2026-11-21', '/'],
					[0, 25, 0, 0, 0, 1]
				]
			]
		]);
		const sum = beats
			.flat()
			.reduce((total, [, v]) => total.map((n, i) => n + (v as number[])[i]), [0, 0, 0, 0, 0, 0]);
		expect(sum).toEqual([0, 100, 1, 1, 1, 1]);
	});

	test('repeats under its page’s and its session’s source segment, never an event’s', () => {
		const rows = runMap(
			map,
			record({ type: 'heartbeat', engagedMs: 1, scrollFrom: 0, scroll: 60, src: 'x.org' })
		);
		expect(days(rows)).toEqual([
			[
				['demo', 'd', '2026-11-21', '/'],
				[0, 60, 1, 1, 0, 0]
			],
			[
				[['demo', 'page:/'], 'd', '2026-11-21', '/'],
				[0, 60, 1, 1, 0, 0]
			],
			[
				[['demo', 'source:x.org'], 'd', '2026-11-21', '/'],
				[0, 60, 1, 1, 0, 0]
			]
		]);
		expect(scoped(rows, 'event:x')).toEqual([]);
	});

	test.each([
		['a heartbeat without scrollFrom (made before it existed)', { type: 'heartbeat', scroll: 80 }],
		['a heartbeat without scroll', { type: 'heartbeat', scrollFrom: 0 }],
		['a heartbeat that gained nothing', { type: 'heartbeat', scrollFrom: 40, scroll: 40 }],
		['a bot-flagged pageview', { type: 'pageview', bot: true }],
		['an event', { type: 'event', name: 'x' }],
		['a milestone', { type: 'milestone', milestone: 'actual' }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
