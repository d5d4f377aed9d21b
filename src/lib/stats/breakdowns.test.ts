import { describe, expect, test } from 'vitest';
import {
	dimensionRows,
	entryPageRows,
	eventRows,
	exitPageRows,
	cutRows,
	isOtherRow,
	pageRows,
	topN
} from './breakdowns';

describe('breakdowns', () => {
	const rows = [
		{ key: ['s', 'd', '2026-11-01', '/'], value: [10, 6, 50_000, 7, 6] },
		{ key: ['s', 'd', '2026-11-02', '/'], value: [2, 2, 1_000, 2, 0] },
		{ key: ['s', 'd', '2026-11-01', '/docs'], value: [5, 3, 9_000, 1, 1] },
		// departures only: a visitor came from /old, viewed before the range
		{ key: ['s', 'd', '2026-11-01', '/old'], value: [0, 0, 0, 0, 1] }
	];
	const pages = pageRows(rows);

	test('pages sum their buckets, exits are views minus departures', () => {
		expect(pages).toEqual([
			{ path: '/', pageviews: 12, visitors: 8, engagedTimeMs: 51_000, entries: 9, exits: 6 },
			{ path: '/docs', pageviews: 5, visitors: 3, engagedTimeMs: 9_000, entries: 1, exits: 4 }
		]);
	});

	test('a return to a page (a revisit, no pageview) is where a session may end: exits are views plus returns minus departures', () => {
		// / → /about → / and out: the exit is /, not /about (an outside review).
		const rows = pageRows([
			{ key: ['s', 'd', '2026-11-01', '/'], value: [1, 1, 0, 1, 1] },
			{ key: ['s', 'd', '2026-11-01', '/about'], value: [1, 1, 0, 0, 1] },
			{ key: ['s', 'd', '2026-11-01', '/'], value: [0, 0, 0, 0, 0, 1] }
		]);
		expect(rows.map(({ path, pageviews, exits }) => [path, pageviews, exits])).toEqual([
			['/', 1, 1],
			['/about', 1, 0]
		]);
	});

	test('entry and exit pages come from the same rows', () => {
		expect(entryPageRows(pages)).toEqual([
			{ path: '/', entries: 9 },
			{ path: '/docs', entries: 1 }
		]);
		expect(exitPageRows(rows)).toEqual([
			{ path: '/', exits: 6, pageviews: 12, views: 12, exitRate: 0.5 },
			{ path: '/docs', exits: 4, pageviews: 5, views: 5, exitRate: 0.8 }
		]);
	});

	test('an exit rate counts the returns to a page among its views, so it is never above 100 %', () => {
		// A page left open, viewed once, that a resumed session opens on (a return, an entry)
		// and leaves again: two exits (an outside probe read an exit rate of 200 %).
		const left = [
			{ key: ['s', 'd', '2026-11-01', '/y'], value: [1, 1, 0, 1, 0] },
			{ key: ['s', 'd', '2026-11-01', '/y'], value: [0, 0, 0, 1, 0, 1] }
		];
		expect(exitPageRows(left)).toEqual([
			{ path: '/y', exits: 2, pageviews: 1, views: 2, exitRate: 1 }
		]);
		// Returns only in the range (the pageview came before it): its exit counts still.
		expect(
			exitPageRows([{ key: ['s', 'd', '2026-11-01', '/z'], value: [0, 0, 0, 0, 0, 1] }])
		).toEqual([{ path: '/z', exits: 1, pageviews: 0, views: 1, exitRate: 1 }]);
	});

	test('where visitors do not add up, a dimension’s rows go by sessions with visitors null', () => {
		const rows = [
			{ key: ['s', 'd', '2026-11-01', 'browser', 'Firefox'], value: [1, 5] },
			{ key: ['s', 'd', '2026-11-01', 'browser', 'Chrome'], value: [2, 1] },
			{ key: ['s', 'd', '2026-11-02', 'browser', 'Chrome'], value: [0, 1] }
		];
		expect(dimensionRows(rows, 'browser', false)).toEqual([
			{ value: 'Chrome', sessions: 2, visitors: null },
			{ value: 'Firefox', sessions: 1, visitors: null }
		]);
		expect(dimensionRows(rows, 'browser').map((r) => r.value)).toEqual(['Firefox', 'Chrome']);
	});

	test('a dimension is summed by value, most visitors first; one without rows is empty', () => {
		const rows = [
			{ key: ['s', 'h', '2026-11-01T10', 'browser', 'Firefox'], value: [1, 1] },
			{ key: ['s', 'h', '2026-11-01T11', 'browser', 'Chrome'], value: [2, 2] },
			{ key: ['s', 'd', '2026-11-02', 'browser', 'Firefox'], value: [3, 2] },
			{ key: ['s', 'd', '2026-11-02', 'referrer', '(direct)'], value: [3, 2] }
		];
		expect(dimensionRows(rows, 'browser')).toEqual([
			{ value: 'Firefox', sessions: 4, visitors: 3 },
			{ value: 'Chrome', sessions: 2, visitors: 2 }
		]);
		expect(dimensionRows(rows, 'referrer')).toEqual([
			{ value: '(direct)', sessions: 3, visitors: 2 }
		]);
		expect(dimensionRows(rows, 'country')).toEqual([]);
	});

	test('events carry their props, most frequent first', () => {
		expect(
			eventRows(
				[
					{ key: ['s', 'd', '2026-11-01', 'signup'], value: 3 },
					{ key: ['s', 'd', '2026-11-02', 'signup'], value: 1 },
					{ key: ['s', 'd', '2026-11-01', 'download'], value: 5 }
				],
				[
					{ key: ['s', 'd', '2026-11-01', 'signup', 'plan', 'pro'], value: 1 },
					{ key: ['s', 'd', '2026-11-01', 'signup', 'plan', 'free'], value: 2 },
					{ key: ['s', 'd', '2026-11-02', 'signup', 'plan', 'pro'], value: 1 },
					{ key: ['s', 'd', '2026-11-02', 'signup', 'plan', 'team'], value: 1 }
				],
				1
			)
		).toEqual([
			{ name: 'download', count: 5, props: {} },
			{
				name: 'signup',
				count: 4,
				props: {
					plan: [
						// pro and free tie at 2: the name breaks the tie
						{ value: 'free', count: 2 },
						{ value: '(other)', count: 3, other: true }
					]
				}
			}
		]);
	});

	test("an event's firings without a prop are its (none) row, after the cut", () => {
		const events = [
			{ key: ['s', 'd', '2026-11-01', 'signup'], value: 4 },
			{ key: ['s', 'd', '2026-11-02', 'signup'], value: 3 }
		];
		const props = [
			{ key: ['s', 'd', '2026-11-01', 'signup', 'plan', 'pro'], value: 2 },
			{ key: ['s', 'd', '2026-11-02', 'signup', 'plan', 'free'], value: 1 },
			{ key: ['s', 'd', '2026-11-02', 'signup', 'plan', 'team'], value: 1 },
			{ key: ['s', 'd', '2026-11-01', 'signup', 'ref', 'ad'], value: 4 },
			{ key: ['s', 'd', '2026-11-02', 'signup', 'ref', 'ad'], value: 3 }
		];
		expect(eventRows(events, props, 2)).toEqual([
			{
				name: 'signup',
				count: 7,
				props: {
					plan: [
						{ value: 'pro', count: 2 },
						{ value: 'free', count: 1 },
						{ value: '(other)', count: 1, other: true },
						{ value: '(none)', count: 3 }
					],
					// Every firing had it: no (none) row.
					ref: [{ value: 'ad', count: 7 }]
				}
			}
		]);
	});

	test('top N keeps N rows and folds the rest into one', () => {
		const rows = [1, 2, 3, 4].map((n) => ({ value: `v${n}`, n }));
		const other = (rest: typeof rows) => ({
			value: '(other)',
			n: rest.reduce((s, r) => s + r.n, 0)
		});
		expect(topN(rows, 2, other)).toEqual([
			{ value: 'v1', n: 1 },
			{ value: 'v2', n: 2 },
			{ value: '(other)', n: 7, other: true }
		]);
		expect(topN(rows, 4, other)).toEqual(rows);
		// The mark, not the label, tells the summary row: a visitor may send "(other)".
		const theirs = [{ value: '(other)', n: 9 }, ...rows];
		const cut = topN(theirs, 2, other);
		expect(cut.map(isOtherRow)).toEqual([false, false, true]);
	});
});

describe('cutRows', () => {
	const rows = ['/a', '/B', '/ab', '/c', '/Abc'].map((path, i) => ({ path, n: 10 - i }));
	const cut = (limit: number, offset?: number, search?: string) =>
		cutRows(
			rows,
			{ limit, offset, search },
			(row) => row.path,
			(rest) => ({ path: '(other)', n: rest.reduce((t, r) => t + r.n, 0) })
		);

	test.each([
		['the first page', 2, undefined, undefined, ['/a:10', '/B:9', '(other):21'], 5],
		[
			'a later page, (other) being the rows after it',
			2,
			2,
			undefined,
			['/ab:8', '/c:7', '(other):6'],
			5
		],
		['the last page, with no (other)', 2, 3, undefined, ['/c:7', '/Abc:6'], 5],
		['past the end', 2, 9, undefined, [], 5],
		['rows holding the search in any case', 1, undefined, 'aB', ['/ab:8', '(other):6'], 2],
		['a page of the matching rows', 1, 1, 'b', ['/ab:8', '(other):6'], 3],
		['no match', 5, undefined, 'zz', [], 0]
	])('keeps %s', (_, limit, offset, search, shown, totalRows) => {
		const out = cut(limit, offset, search);
		expect(out.rows.map((r) => `${r.path}:${r.n}`)).toEqual(shown);
		expect(out.totalRows).toBe(totalRows);
	});
});
