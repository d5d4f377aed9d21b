import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './pages.js';

const buckets = [
	['q', '2026-11-21T14:00'],
	['h', '2026-11-21T14'],
	['d', '2026-11-21'],
	['w', '2026-11-16'],
	['m', '2026-11'],
	['y', '2026']
];

describe('the pages view', () => {
	test('sums its vectors with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('an entry pageview counts a view, a visitor and an entry of its path', () => {
		const rows = scoped(
			runMap(map, record({ type: 'pageview', path: '/a', entry: true, pathFirstOfDay: true }))
		);
		expect(rows).toEqual(
			buckets.map(([g, b]) => [
				['demo', g, b, '/a'],
				[1, 1, 0, 1, 0]
			])
		);
	});

	test('a pageview with from also counts a departure from the previous path', () => {
		const rows = scoped(
			runMap(map, record({ type: 'pageview', path: '/b', entry: false, from: '/a' }))
		);
		expect(rows).toEqual([
			...buckets.map(([g, b]) => [
				['demo', g, b, '/b'],
				[1, 0, 0, 0, 0]
			]),
			...buckets.map(([g, b]) => [
				['demo', g, b, '/a'],
				[0, 0, 0, 0, 1]
			])
		]);
	});

	test('a pageview or a return that left another page than its tab came from departs that page, not from', () => {
		// An outside probe: a page left to two tabs departed twice, and its second departure
		// cancelled the exit of another session that ended on it.
		for (const revisit of [undefined, true]) {
			const rows = scoped(
				runMap(
					map,
					record({ type: 'pageview', path: '/b', entry: false, from: '/a', left: '/c', revisit })
				)
			);
			const own = revisit ? [0, 0, 0, 0, 0, 1] : [1, 0, 0, 0, 0];
			expect(rows).toEqual([
				...buckets.map(([g, b]) => [['demo', g, b, '/b'], own]),
				...buckets.map(([g, b]) => [
					['demo', g, b, '/c'],
					[0, 0, 0, 0, 1]
				])
			]);
		}
	});

	test('a revisit (back to a page counted lately) counts a return to it and a departure from the page before, no pageview', () => {
		// An outside review: / → /about → / then leaving gave /about as the exit page.
		const rows = scoped(
			runMap(
				map,
				record({ type: 'pageview', path: '/', entry: false, from: '/about', revisit: true })
			)
		);
		expect(rows).toEqual([
			...buckets.map(([g, b]) => [
				['demo', g, b, '/'],
				[0, 0, 0, 0, 0, 1]
			]),
			...buckets.map(([g, b]) => [
				['demo', g, b, '/about'],
				[0, 0, 0, 0, 1]
			])
		]);
	});

	test('a return that opens its session (resumed on a page left open) counts a return to the page and an entry, no pageview', () => {
		const rows = scoped(
			runMap(map, record({ type: 'pageview', path: '/a', entry: true, revisit: true, trail: [] }))
		);
		expect(rows).toEqual(
			buckets.map(([g, b]) => [
				['demo', g, b, '/a'],
				[0, 0, 0, 1, 0, 1]
			])
		);
	});

	test('a heartbeat adds engaged time to its path', () => {
		const rows = scoped(runMap(map, record({ type: 'heartbeat', path: '/a', engagedMs: 30_000 })));
		expect(rows).toEqual(
			buckets.map(([g, b]) => [
				['demo', g, b, '/a'],
				[0, 0, 30_000, 0, 0]
			])
		);
	});

	test.each([
		['a bot-flagged pageview', { type: 'pageview', bot: true }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a heartbeat without engaged time', { type: 'heartbeat', engagedMs: -5 }],
		['a pageview without a path', { type: 'pageview', path: undefined }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});

	describe('filtered rows', () => {
		test('a pageview repeats each path’s row under that path’s page segment', () => {
			const rows = runMap(map, record({ type: 'pageview', path: '/b', entry: false, from: '/a' }));
			expect(scoped(rows, 'page:/b').map(([key, value]) => [(key as string[])[3], value])).toEqual(
				buckets.map(() => ['/b', [1, 0, 0, 0, 0]])
			);
			expect(scoped(rows, 'page:/a').map(([key, value]) => [(key as string[])[3], value])).toEqual(
				buckets.map(() => ['/a', [0, 0, 0, 0, 1]])
			);
		});

		test('a session’s rows repeat under its source', () => {
			const fields = { type: 'pageview', path: '/b', from: '/a', src: '(direct)' };
			const rows = runMap(map, record(fields));
			expect(scoped(rows, 'source:(direct)').map(([key]) => (key as string[]).slice(1))).toEqual([
				...buckets.map(([g, b]) => [g, b, '/b']),
				...buckets.map(([g, b]) => [g, b, '/a'])
			]);
		});

		test.each([
			[
				'srcPathFirstOfDay, not pathFirstOfDay',
				{ pathFirstOfDay: false, srcPathFirstOfDay: true },
				1
			],
			[
				'no visitor when not first under the source',
				{ pathFirstOfDay: true, srcPathFirstOfDay: false },
				0
			],
			['pathFirstOfDay without the flag (older records)', { pathFirstOfDay: true }, 1]
		])('a pageview counts a visitor of its page under its source by %s', (_, flags, visitor) => {
			const fields = { type: 'pageview', path: '/b', from: '/a', src: 'x.org', ...flags };
			const rows = scoped(runMap(map, record(fields)), 'source:x.org');
			expect(rows.map(([key, value]) => [(key as string[])[3], value])).toEqual([
				...buckets.map(() => ['/b', [1, visitor, 0, 0, 0]]),
				...buckets.map(() => ['/a', [0, 0, 0, 0, 1]])
			]);
			// The site's own rows go by pathFirstOfDay.
			expect(scoped(runMap(map, record(fields)))[0][1]).toEqual([
				1,
				flags.pathFirstOfDay ? 1 : 0,
				0,
				0,
				0
			]);
		});

		test('an event with props counts once on its page under each prop value too', () => {
			const fields = { type: 'event', name: 'signup', path: '/p', props: { plan: 'pro', n: 2 } };
			const rows = runMap(map, record(fields)).filter(([key]) => (key as string[])[1] === 'd');
			expect(rows).toEqual(
				['event:signup', 'prop:signup|plan=pro', 'prop:signup|n=2'].map((segment) => [
					[['demo', segment], 'd', '2026-11-21', '/p'],
					[1, 0, 0, 0, 0]
				])
			);
		});

		test('an event counts once on its page under its own segment only', () => {
			const rows = runMap(map, record({ type: 'event', name: 'signup', path: '/p', src: 'x.org' }));
			expect(rows).toEqual(
				buckets.map(([g, b]) => [
					[['demo', 'event:signup'], g, b, '/p'],
					[1, 0, 0, 0, 0]
				])
			);
		});
	});
});
