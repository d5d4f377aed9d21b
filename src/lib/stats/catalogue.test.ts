import { describe, expect, expectTypeOf, test } from 'vitest';
import {
	OTHER,
	topN,
	type DimensionRow,
	type EventRow,
	type ExitRow,
	type PageRow
} from './breakdowns';
import {
	BREAKDOWN_WIDGETS,
	CATALOGUE,
	breakdownNamed,
	collectBreakdowns,
	rowsOf,
	unavailableUnder,
	type Breakdowns,
	type ViewRows
} from './catalogue';

/** View rows with two values of everything, over two buckets. */
const views: ViewRows = {
	pages: [
		{ key: ['s', 'd', '2026-11-01', '/'], value: [10, 6, 50_000, 7, 6] },
		{ key: ['s', 'd', '2026-11-02', '/'], value: [2, 2, 1_000, 2, 0] },
		{ key: ['s', 'd', '2026-11-01', '/docs'], value: [5, 3, 9_000, 1, 1] }
	],
	dimensions: [
		'referrer',
		'utm_source',
		'utm_medium',
		'utm_campaign',
		'browser',
		'os',
		'device',
		'country',
		'screen'
	].flatMap((dimension) => [
		{ key: ['s', 'd', '2026-11-01', dimension, 'a'], value: [3, 2] },
		{ key: ['s', 'd', '2026-11-02', dimension, 'a'], value: [1, 1] },
		{ key: ['s', 'd', '2026-11-02', dimension, 'b'], value: [2, 2] }
	]),
	events: [
		{ key: ['s', 'd', '2026-11-01', 'signup'], value: 3 },
		{ key: ['s', 'd', '2026-11-01', 'download'], value: 1 }
	],
	'event-props': [{ key: ['s', 'd', '2026-11-01', 'signup', 'plan', 'pro'], value: 3 }]
};
const read = { filter: null, limit: Infinity };

describe('the catalogue', () => {
	test('names each breakdown once', () => {
		const names = CATALOGUE.map((b) => b.name);
		expect(new Set(names).size).toBe(names.length);
	});

	test('the Stats API’s breakdowns are the catalogue’s, a group nested', () => {
		expectTypeOf<Breakdowns>().toEqualTypeOf<{
			pages: PageRow[];
			entryPages: { path: string; entries: number }[];
			exitPages: ExitRow[];
			referrers: DimensionRow[];
			utm: { source: DimensionRow[]; medium: DimensionRow[]; campaign: DimensionRow[] };
			browsers: DimensionRow[];
			os: DimensionRow[];
			devices: DimensionRow[];
			countries: DimensionRow[];
			screens: DimensionRow[];
			events: EventRow[];
		}>();
		const breakdowns = collectBreakdowns((b) => b.rows(views, read));
		expect(Object.keys(breakdowns)).toEqual([
			'pages',
			'entryPages',
			'exitPages',
			'referrers',
			'utm',
			'browsers',
			'os',
			'devices',
			'countries',
			'screens',
			'events'
		]);
		expect(breakdowns.utm.medium).toEqual([
			{ value: 'a', sessions: 4, visitors: 3 },
			{ value: 'b', sessions: 2, visitors: 2 }
		]);
		expect(rowsOf(breakdowns, 'utm.medium')).toBe(breakdowns.utm.medium);
		expect(rowsOf(breakdowns, 'screens')).toBe(breakdowns.screens);
	});

	test.each(CATALOGUE.map((b) => [b.name, b] as const))(
		'%s: its CSV columns are fields of its lines, and "(other)" keeps the sums',
		(_name, breakdown) => {
			const rows = breakdown.rows(views, read);
			expect(rows.length).toBeGreaterThanOrEqual(2);
			for (const line of breakdown.csvRows?.(rows) ?? rows) {
				expect(Object.keys(line)).toEqual(expect.arrayContaining([...breakdown.csv]));
			}
			const cut = topN(rows, 1, (rest) => breakdown.other(rest));
			expect(cut).toHaveLength(2);
			expect(Object.values(cut[1])).toContain(OTHER);
			// Every count adds up to the same total with or without the cut (rates are derived).
			const total = (list: object[], field: string) =>
				list.reduce((n, row) => n + Number((row as Record<string, unknown>)[field]), 0);
			for (const [field, value] of Object.entries(rows[0])) {
				if (typeof value !== 'number' || /Rate$/.test(field)) continue;
				expect(total(cut, field), field).toBe(total(rows, field));
			}
		}
	);
});

describe('the dashboard’s breakdown widgets', () => {
	const event = { kind: 'event', value: 'signup' } as const;
	/** Every widget in order: its id, title, tables (by CSV link), filter its labels link to, and why not under an event. */
	const WIDGETS: [
		id: string,
		title: string,
		tables: string[],
		link?: string,
		notUnderEvent?: string
	][] = [
		['pages', 'Top pages', ['top pages'], 'page'],
		[
			'entry-pages',
			'Entry pages',
			['entry pages'],
			'page',
			'Not available under an event filter: events are not where sessions start.'
		],
		[
			'exit-pages',
			'Exit pages',
			['exit pages'],
			'page',
			'Not available under an event filter: events are not where sessions end.'
		],
		['referrers', 'Referrers', ['referrers'], 'source'],
		[
			'utm',
			'Campaigns (UTM)',
			['UTM source', 'UTM medium', 'UTM campaign'],
			undefined,
			'Not available under an event filter: campaigns are counted on entry pageviews only.'
		],
		['browsers', 'Browsers', ['browsers']],
		['os', 'Operating systems', ['operating systems']],
		['devices', 'Devices', ['devices']],
		[
			'countries',
			'Countries',
			['countries'],
			undefined,
			'Not available under an event filter: events carry no country.'
		],
		[
			'screens',
			'Screen sizes',
			['screen sizes'],
			undefined,
			'Not available under an event filter: events carry no screen size.'
		],
		['events', 'Custom events', ['custom events'], 'event']
	];

	test('are every breakdown with a table, in catalogue order', () => {
		expect(BREAKDOWN_WIDGETS.map((w) => w.id)).toEqual(WIDGETS.map(([id]) => id));
	});

	test.each(WIDGETS)('%s: “%s” (%j), linking to %s', (id, title, tables, link, notUnderEvent) => {
		const widget = BREAKDOWN_WIDGETS.find((w) => w.id === id)!;
		expect(widget).toMatchObject({ title });
		expect(widget.breakdowns.map((b) => b.table.what)).toEqual(tables);
		expect(widget.breakdowns.map((b) => b.table.link?.kind)).toEqual(tables.map(() => link));
		expect(unavailableUnder(event, widget.name)).toBe(notUnderEvent);
		for (const b of widget.breakdowns) expect(unavailableUnder(event, b.name)).toBe(notUnderEvent);
	});

	test('pages count firings under an event filter: no exits, other columns', () => {
		const pages = breakdownNamed('pages');
		expect(pages.rows(views, { filter: event, limit: 10 })).toEqual([
			{ path: '/', pageviews: 12, visitors: 8, engagedTimeMs: 51_000, entries: 9, exits: 0 },
			{ path: '/docs', pageviews: 5, visitors: 3, engagedTimeMs: 9_000, entries: 1, exits: 0 }
		]);
		expect(pages.table?.under?.event?.columns.map((c) => c.label)).toEqual(['Page', 'Events']);
	});

	test('custom events show each prop value under its event, which alone links', () => {
		const events = BREAKDOWN_WIDGETS.find((w) => w.id === 'events')!.breakdowns[0];
		expect(events.table.display?.(events.rows(views, read))).toEqual([
			{ name: 'signup', count: 3, event: 'signup' },
			{ name: '  ↳ plan = pro', count: 3 },
			{ name: 'download', count: 1, event: 'download' }
		]);
	});
});
