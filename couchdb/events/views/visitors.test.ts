import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './visitors.js';

const days = (rows: ReturnType<typeof runMap>) =>
	rows.filter(([key]) => (key as unknown[])[1] === 'd');

describe('the visitors view', () => {
	test('sums with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('a first pageview ever is a new visitor’s and a new session’s, in each bucket', () => {
		const pv = { type: 'pageview', entry: true, firstOfDay: true, firstEver: true };
		expect(scoped(runMap(map, record(pv)))).toEqual([
			[
				['demo', 'q', '2026-11-21T14:00', 'new'],
				[1, 1]
			],
			[
				['demo', 'h', '2026-11-21T14', 'new'],
				[1, 1]
			],
			[
				['demo', 'd', '2026-11-21', 'new'],
				[1, 1]
			],
			[
				['demo', 'm', '2026-11', 'new'],
				[1, 1]
			]
		]);
	});

	test('a second session of a new visitor’s first day is a new visitor’s session, no second visitor', () => {
		const pv = { type: 'pageview', entry: true, firstOfDay: false, firstEver: true };
		expect(days(scoped(runMap(map, record(pv))))).toEqual([
			[
				['demo', 'd', '2026-11-21', 'new'],
				[1, 0]
			]
		]);
	});

	test.each([
		['a later day’s first pageview', { entry: true, firstOfDay: true }, [1, 1]],
		['a later session of the same day', { entry: true }, [1, 0]],
		['a first-of-day pageview inside a session', { firstOfDay: true }, [0, 1]],
		[
			'a return that opens a session resumed on a page left open',
			{ entry: true, revisit: true },
			[1, 0]
		]
	])('%s counts as returning', (_, flags, value) => {
		const rows = runMap(map, record({ type: 'pageview', firstEver: false, ...flags }));
		expect(days(scoped(rows))).toEqual([[['demo', 'd', '2026-11-21', 'returning'], value]]);
	});

	test('repeats under its session’s source segment only', () => {
		const rows = runMap(
			map,
			record({ type: 'pageview', entry: true, firstOfDay: true, firstEver: true, src: 'x.org' })
		);
		expect(days(rows).map(([key]) => key)).toEqual([
			['demo', 'd', '2026-11-21', 'new'],
			[['demo', 'source:x.org'], 'd', '2026-11-21', 'new']
		]);
	});

	test('counts a visitor of its session’s source by srcFirstOfDay, the site’s by firstOfDay', () => {
		// A new visitor back the same day from another source: a new visitor of that source.
		const pv = { type: 'pageview', entry: true, firstOfDay: false, firstEver: true };
		const rows = runMap(map, record({ ...pv, srcFirstOfDay: true, src: 'x.org' }));
		expect(days(rows)).toEqual([
			[
				['demo', 'd', '2026-11-21', 'new'],
				[1, 0]
			],
			[
				[['demo', 'source:x.org'], 'd', '2026-11-21', 'new'],
				[1, 1]
			]
		]);
		// Not first of the day from the source, nor an entry: nothing under it.
		const later = { type: 'pageview', firstOfDay: true, srcFirstOfDay: false, src: 'x.org' };
		expect(days(runMap(map, record(later))).map(([key]) => key)).toEqual([
			['demo', 'd', '2026-11-21', 'returning']
		]);
	});

	test.each([
		['a pageview neither entry nor first of day', { type: 'pageview', firstEver: false }],
		['a bot-flagged pageview', { type: 'pageview', entry: true, firstOfDay: true, bot: true }],
		['an event', { type: 'event', name: 'x', firstOfSession: true, firstOfDay: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
