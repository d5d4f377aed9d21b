import { describe, expect, test } from 'vitest';
import { exitsByPath } from './breakdowns';
import { ENTRANCE, EXIT, journeyFilter, journeyOf, pathReport } from './journeys';

/** A grouped `journeys` row: `[site, 'd', day, from, path]` counted `n` times. */
const row = (day: string, from: string | null, path: string, n: number) => ({
	key: ['s', 'd', day, from, path],
	value: n
});

describe('journeyOf', () => {
	const rows = [
		row('2026-11-10', null, '/', 4),
		row('2026-11-10', '/', '/a', 2),
		row('2026-11-11', '/', '/a', 1),
		row('2026-11-11', '/', '/b', 1),
		row('2026-11-11', '/a', '/', 1)
	];
	/** The pages breakdown's exits of these rows' range. */
	const exits = new Map([
		['/', 1],
		['/a', 1],
		['/b', 1]
	]);

	test('sums buckets; previous pages add up to the views with the entrances', () => {
		const journey = journeyOf(rows, exits, '/', 10);
		expect(journey.views).toBe(5);
		expect(journey.previous).toEqual([
			{ path: ENTRANCE, count: 4, share: 0.8 },
			{ path: '/a', count: 1, share: 0.2 }
		]);
		// Next: /a 3, /b 1, and the one view that went nowhere.
		expect(journey.next).toEqual([
			{ path: '/a', count: 3, share: 0.6 },
			{ path: EXIT, count: 1, share: 0.2 },
			{ path: '/b', count: 1, share: 0.2 }
		]);
	});

	test('defaults to the busiest page and lists pages busiest first', () => {
		const journey = journeyOf(rows, exits, null, 10);
		expect(journey.page).toBe('/');
		expect(journey.pages).toEqual([
			{ path: '/', views: 5 },
			{ path: '/a', views: 3 },
			{ path: '/b', views: 1 }
		]);
	});

	test('cuts each list to the limit plus "(other)" holding the rest', () => {
		const journey = journeyOf(rows, exits, '/', 1);
		expect(journey.next).toEqual([
			{ path: '/a', count: 3, share: 0.6 },
			{ path: '(other)', count: 2, share: 0.4, other: true }
		]);
		expect(journey.pages).toHaveLength(1);
	});

	test('a page with no exits leaves "(exit)" out', () => {
		// /a's views fell before the range but its departures in it.
		const journey = journeyOf([row('2026-11-11', '/a', '/', 2)], new Map(), '/a', 10);
		expect(journey.views).toBe(0);
		expect(journey.next).toEqual([{ path: '/', count: 2, share: 0 }]);
	});

	test('a page left to two tabs: both next pages, and the exits of the sessions that ended on it, as the pages breakdown counts them', () => {
		// An outside probe: A went / → /a, opened /c from /a in a new tab, then /b from /a
		// in the first tab (/b, its last page, left /c); B landed on /a and left. /a's
		// exit is B's: before, its two next pages cancelled it.
		const day = '2026-11-11';
		const transitions = [
			row(day, null, '/', 1),
			row(day, '/', '/a', 1),
			row(day, '/a', '/c', 1),
			row(day, '/a', '/b', 1),
			row(day, null, '/a', 1)
		];
		const pages = (path: string, value: number[]) => ({ key: ['s', 'd', day, path], value });
		const exits = exitsByPath([
			pages('/', [1, 1, 0, 1, 0, 0]),
			pages('/a', [2, 2, 0, 1, 0, 0]),
			pages('/a', [0, 0, 0, 0, 1, 0]),
			pages('/c', [1, 1, 0, 0, 1, 0]),
			pages('/b', [1, 1, 0, 0, 0, 0]),
			pages('/', [0, 0, 0, 0, 1, 0])
		]);
		expect(exits).toEqual(
			new Map([
				['/', 0],
				['/a', 1],
				['/c', 0],
				['/b', 1]
			])
		);
		expect(journeyOf(transitions, exits, '/a', 10).next).toEqual([
			{ path: EXIT, count: 1, share: 0.5 },
			{ path: '/b', count: 1, share: 0.5 },
			{ path: '/c', count: 1, share: 0.5 }
		]);
	});

	test('no pageviews: no page, nothing to list', () => {
		expect(journeyOf([], new Map(), null, 10)).toEqual({
			page: null,
			views: 0,
			next: [],
			previous: [],
			pages: []
		});
	});
});

/** A grouped `paths` row: `[site, 'd', trail, day, path]` counted `n` times. */
const pathRow = (trail: string[], day: string, path: string, n: number) => ({
	key: ['s', 'd', trail, day, path],
	value: n
});

describe('pathReport', () => {
	const entries = [
		pathRow([], '2026-11-10', '/', 3),
		pathRow([], '2026-11-11', '/', 2),
		pathRow([], '2026-11-11', '/blog', 1)
	];

	test('without steps: the entry pages summed over buckets, shares of the sessions begun', () => {
		expect(pathReport([], entries, null, 10, false)).toEqual({
			steps: [],
			sessions: 6,
			next: [
				{ path: '/', count: 5, share: 0.8333 },
				{ path: '/blog', count: 1, share: 0.1667 }
			],
			final: false
		});
	});

	test('after a step: its sessions from the rows before it, and those that went nowhere as (exit)', () => {
		const after = [pathRow(['/'], '2026-11-10', '/a', 2), pathRow(['/'], '2026-11-11', '/a', 1)];
		expect(pathReport(['/'], after, entries, 10, false)).toEqual({
			steps: ['/'],
			sessions: 5,
			next: [
				{ path: '/a', count: 3, share: 0.6 },
				{ path: EXIT, count: 2, share: 0.4 }
			],
			final: false
		});
	});

	test('exits never go below 0 when later steps fall in the range and earlier ones before it', () => {
		const after = [pathRow(['/blog'], '2026-11-11', '/a', 3)];
		expect(pathReport(['/blog'], after, entries, 10, true).next).toEqual([
			{ path: '/a', count: 3, share: 3 }
		]);
	});

	test('cuts to the limit plus "(other)"', () => {
		const after = ['/a', '/b', '/c'].map((path) => pathRow(['/'], '2026-11-10', path, 1));
		expect(pathReport(['/'], after, entries, 1, false).next.map((step) => step.path)).toEqual([
			EXIT,
			'(other)'
		]);
	});
});

describe('journeyFilter', () => {
	test('keeps a source filter and drops a page or an event filter', () => {
		const source = { kind: 'source' as const, value: '(direct)' };
		expect(journeyFilter(source)).toBe(source);
		expect(journeyFilter({ kind: 'page', value: '/' })).toBeNull();
		expect(journeyFilter({ kind: 'event', value: 'signup' })).toBeNull();
		expect(journeyFilter(null)).toBeNull();
	});
});
