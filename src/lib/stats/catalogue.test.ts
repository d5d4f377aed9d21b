import { describe, expect, expectTypeOf, test } from 'vitest';
import {
	OTHER,
	topN,
	type DimensionRow,
	type DroppedRow,
	type EventRow,
	type ExitRow,
	type LinkRow,
	type NotFoundRow,
	type PageRow,
	type ScrollRow,
	type OtherMark
} from './breakdowns';
import {
	BREAKDOWN_WIDGETS,
	CATALOGUE,
	PAGEVIEW_RULE,
	breakdownNamed,
	collectBreakdowns,
	compareRows,
	comparedColumns,
	rowsOf,
	type Compared,
	unavailableUnder,
	widgetShown,
	type Breakdown,
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
		'host',
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
	'event-props': [
		{ key: ['s', 'd', '2026-11-01', 'signup', 'plan', 'pro'], value: 3 },
		{ key: ['s', 'd', '2026-11-01', 'download', 'url', 'https://a.example/a.pdf'], value: 1 },
		{ key: ['s', 'd', '2026-11-01', 'download', 'url', 'https://a.example/b.zip'], value: 2 },
		{ key: ['s', 'd', '2026-11-01', 'outbound', 'url', 'https://x.example/'], value: 4 },
		{ key: ['s', 'd', '2026-11-02', 'outbound', 'url', 'https://x.example/'], value: 1 },
		{ key: ['s', 'd', '2026-11-02', 'outbound', 'url', 'https://y.example/p'], value: 2 },
		{ key: ['s', 'd', '2026-11-02', 'outbound', 'ref', 'https://z.example/'], value: 9 }
	],
	'not-found': [
		{ key: ['s', 'd', '2026-11-01', '/old', '(direct)'], value: 2 },
		{ key: ['s', 'd', '2026-11-02', '/old', '(direct)'], value: 1 },
		{ key: ['s', 'd', '2026-11-02', '/old', '/blog'], value: 1 },
		{ key: ['s', 'd', '2026-11-02', '/gone', 'news.example'], value: 5 }
	],
	scroll: [
		{ key: ['s', 'd', '2026-11-01', '/'], value: [3, 150, 3, 2, 1, 0] },
		{ key: ['s', 'd', '2026-11-02', '/'], value: [1, 100, 1, 1, 1, 1] },
		{ key: ['s', 'd', '2026-11-02', '/docs'], value: [2, 45, 1, 0, 0, 0] },
		// Heartbeats of a page view whose pageview came before the range: no row.
		{ key: ['s', 'd', '2026-11-02', '/late'], value: [0, 80, 1, 1, 1, 0] }
	],
	visitors: [
		{ key: ['s', 'd', '2026-11-01', 'new'], value: [2, 2] },
		{ key: ['s', 'd', '2026-11-01', 'returning'], value: [3, 2] },
		{ key: ['s', 'd', '2026-11-02', 'returning'], value: [1, 2] }
	],
	dropped: [
		{ key: ['s', 'h', '2026-11-01T09', '2026-11-01T09'], value: [12, 1] },
		{ key: ['s', 'd', '2026-11-02', '2026-11-02T17'], value: [40, 2] },
		{ key: ['s', 'm', '2026-10', '2026-10-30T23'], value: [3, 1] }
	]
};
const read = { filter: null, limit: Infinity };

describe('the catalogue', () => {
	test('names each breakdown once', () => {
		const names = CATALOGUE.map((b) => b.name);
		expect(new Set(names).size).toBe(names.length);
	});

	test('the Stats API’s breakdowns are the catalogue’s, a group nested', () => {
		expectTypeOf<Breakdowns>().toEqualTypeOf<{
			pages: Compared<PageRow>[];
			hosts: Compared<DimensionRow>[];
			entryPages: Compared<{ path: string; entries: number }>[];
			exitPages: Compared<ExitRow>[];
			referrers: Compared<DimensionRow>[];
			utm: {
				source: Compared<DimensionRow>[];
				medium: Compared<DimensionRow>[];
				campaign: Compared<DimensionRow>[];
			};
			browsers: Compared<DimensionRow>[];
			os: Compared<DimensionRow>[];
			devices: Compared<DimensionRow>[];
			countries: Compared<DimensionRow>[];
			screens: Compared<DimensionRow>[];
			events: Compared<EventRow>[];
			notFound: Compared<NotFoundRow>[];
			scrollDepth: Compared<ScrollRow>[];
			newVsReturning: Compared<DimensionRow>[];
			outboundLinks: Compared<LinkRow>[];
			downloads: Compared<LinkRow>[];
			dropped: Compared<DroppedRow>[];
		}>();
		const breakdowns = collectBreakdowns((b) => b.rows(views, read));
		expect(Object.keys(breakdowns)).toEqual([
			'pages',
			'hosts',
			'entryPages',
			'exitPages',
			'referrers',
			'utm',
			'browsers',
			'os',
			'devices',
			'countries',
			'screens',
			'events',
			'notFound',
			'scrollDepth',
			'newVsReturning',
			'outboundLinks',
			'downloads',
			'dropped'
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
				if (typeof value !== 'number' || /Rate$|^average/.test(field)) continue;
				// A count that does not add up across rows is not known there, never a wrong sum.
				if ((cut[1] as Record<string, unknown>)[field] === null) continue;
				expect(total(cut, field), field).toBe(total(rows, field));
			}
		}
	);
});

test.each(['pages', 'referrers', 'countries', 'newVsReturning'] as const)(
	'"(other)" of %s does not sum their visitors (one visitor may be in several rows), but one row\'s are its own',
	(name) => {
		const breakdown = breakdownNamed(name) as Breakdown<string, { visitors: number | null }>;
		const rows = breakdown.rows(views, read);
		expect(rows.length).toBeGreaterThanOrEqual(2);
		expect(rows.every((row) => typeof row.visitors === 'number')).toBe(true);
		expect(breakdown.other(rows)).toMatchObject({ visitors: null });
		expect(breakdown.other(rows.slice(1, 2))).toMatchObject({ visitors: rows[1].visitors });
	}
);

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
			'hosts',
			'Hosts',
			['hosts'],
			undefined,
			'Not available under a filter: hosts are counted for the whole site. For one host alone, give it a site of its own.'
		],
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
		['referrers', 'Sources', ['sources'], 'source'],
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
		['events', 'Custom events', ['custom events'], 'event'],
		[
			'not-found',
			'404 pages',
			['404 pages'],
			'page',
			'Not available under an event filter: events are not pageviews.'
		],
		[
			'scroll-depth',
			'Scroll depth',
			['scroll depth'],
			'page',
			'Not available under an event filter: events have no scroll depth.'
		],
		[
			'new-vs-returning',
			'New vs returning',
			['new vs returning'],
			undefined,
			'Not available under an event filter: events do not say whether their visitor is new.'
		],
		['outbound-links', 'Outbound links', ['outbound links']],
		['downloads', 'File downloads', ['file downloads']],
		[
			'dropped',
			'Lost records',
			['lost records'],
			undefined,
			'Not available under a filter: lost records are counted for the whole site, their pages and sources being unknown.'
		]
	];

	test('Hosts shows only when the range has page views on more than one host', () => {
		const hosts = BREAKDOWN_WIDGETS.find((w) => w.id === 'hosts')!;
		const rows = (values: string[], last?: OtherMark) =>
			collectBreakdowns((b) =>
				b.name === 'hosts'
					? values.map((value, i) => ({
							value,
							sessions: 1,
							visitors: 1,
							...(i === values.length - 1 && last)
						}))
					: []
			);
		expect(widgetShown(hosts, rows(['www.example.com', 'shop.example.com']))).toBe(true);
		expect(widgetShown(hosts, rows(['www.example.com']))).toBe(false);
		expect(widgetShown(hosts, rows(['www.example.com', OTHER], { other: true }))).toBe(false);
		expect(widgetShown(hosts, undefined)).toBe(false);
		// The others show whatever their rows.
		const pages = BREAKDOWN_WIDGETS.find((w) => w.id === 'pages')!;
		expect(widgetShown(pages, undefined)).toBe(true);
	});

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

	test.each(['referrers', 'utm.source', 'browsers', 'countries', 'screens'] as const)(
		'under a page filter, %s says its columns count the page’s visitors and the sessions that landed on it',
		(name) => {
			// An outside review read "Visitors 2, Sessions 1" under a page filter as an error.
			const under = breakdownNamed(name).table?.under?.page;
			expect(under?.caption).toMatch(/^Visitors of the page and sessions that landed on it, by /);
			expect(under?.columns.map((c) => [c.label, c.hint])).toEqual([
				[expect.any(String), undefined],
				['Visitors', undefined],
				['Entries', 'sessions that landed on the page']
			]);
		}
	);

	test("top pages' Views column says what a pageview is, as the Pageviews tile does (an outside new-user review); scroll depth's, that returns are in it", () => {
		const views = breakdownNamed('pages').table?.columns.find((c) => c.key === 'pageviews');
		expect(views).toMatchObject({ label: 'Views', hint: `Pageviews: ${PAGEVIEW_RULE}` });
		const scrolled = breakdownNamed('scrollDepth').table?.columns.find(
			(c) => c.key === 'pageviews'
		);
		expect(scrolled?.hint).toMatch(/returns to it included/);
	});

	test('custom events show each prop value under its event, which alone links', () => {
		const events = BREAKDOWN_WIDGETS.find((w) => w.id === 'events')!.breakdowns[0];
		expect(events.table.display?.(events.rows(views, read))).toEqual([
			{ name: 'signup', count: 3, event: 'signup' },
			{ name: '  ↳ plan = pro', count: 3 },
			{ name: 'download', count: 1, event: 'download' },
			{ name: '  ↳ url = https://a.example/b.zip', count: 2 },
			{ name: '  ↳ url = https://a.example/a.pdf', count: 1 }
		]);
	});
});

describe('the reports of what the tracker records', () => {
	const rows = collectBreakdowns((b) => b.rows(views, read));

	test('404 pages: by missing path and where visitors came from, most first', () => {
		expect(rows.notFound).toEqual([
			{ path: '/gone', from: 'news.example', pageviews: 5 },
			{ path: '/old', from: '(direct)', pageviews: 3 },
			{ path: '/old', from: '/blog', pageviews: 1 }
		]);
	});

	test('scroll depth: the mean deepest scroll and the page views reaching each mark', () => {
		expect(rows.scrollDepth).toEqual([
			{
				path: '/',
				pageviews: 4,
				averageScroll: 62.5,
				reached25: 4,
				reached50: 3,
				reached75: 2,
				reached100: 1
			},
			{
				path: '/docs',
				pageviews: 2,
				averageScroll: 22.5,
				reached25: 1,
				reached50: 0,
				reached75: 0,
				reached100: 0
			}
		]);
		const table = breakdownNamed('scrollDepth').table!;
		expect(table.display?.(rows.scrollDepth)[0]).toEqual({
			path: '/',
			pageviews: 4,
			averageScroll: 0.625,
			reached25: 1,
			reached50: 0.75,
			reached75: 0.5,
			reached100: 0.25
		});
		// "(other)" weighs each page's average by its views.
		expect(breakdownNamed('scrollDepth').other(rows.scrollDepth)).toMatchObject({
			pageviews: 6,
			averageScroll: 49.2
		});
	});

	test('new vs returning: visitors and sessions of each, which sum to the headline numbers', () => {
		expect(rows.newVsReturning).toEqual([
			{ value: 'returning', sessions: 4, visitors: 4 },
			{ value: 'new', sessions: 2, visitors: 2 }
		]);
		expect(
			breakdownNamed('newVsReturning')
				.table!.display?.(rows.newVsReturning)
				.map((r) => (r as DimensionRow).value)
		).toEqual(['Returning', 'New']);
		expect(unavailableUnder({ kind: 'page', value: '/' }, 'newVsReturning')).toMatch(/page filter/);
		expect(unavailableUnder({ kind: 'source', value: 'x.org' }, 'newVsReturning')).toBeUndefined();
	});

	test('outbound links and downloads: the URLs of those events, most clicked first', () => {
		expect(rows.outboundLinks).toEqual([
			{ url: 'https://x.example/', clicks: 5 },
			{ url: 'https://y.example/p', clicks: 2 }
		]);
		expect(rows.downloads).toEqual([
			{ url: 'https://a.example/b.zip', clicks: 2 },
			{ url: 'https://a.example/a.pdf', clicks: 1 }
		]);
	});

	test('lost records: by UTC hour, latest first, whatever bucket they were read from', () => {
		expect(rows.dropped).toEqual([
			{ hour: '2026-11-02T17', records: 40, reports: 2 },
			{ hour: '2026-11-01T09', records: 12, reports: 1 },
			{ hour: '2026-10-30T23', records: 3, reports: 1 }
		]);
		expect(breakdownNamed('dropped').table!.display?.(rows.dropped)[0]).toMatchObject({
			hour: '2026-11-02 17:00'
		});
		for (const kind of ['page', 'source', 'event'] as const)
			expect(unavailableUnder({ kind, value: '/' }, 'dropped')).toMatch(/whole site/);
	});
});

describe('a breakdown compared with the previous period', () => {
	const page = (path: string, pageviews: number): PageRow => ({
		path,
		pageviews,
		visitors: 1,
		engagedTimeMs: 0,
		entries: 0,
		exits: 0
	});

	test('each row carries its main metric before and its change, as the headline counts it', () => {
		const now = [page('/a', 15), page('/b', 3), page('/c', 2), page('/d', 4)];
		const before = [page('/a', 10), page('/b', 4), page('/d', 6), page('/gone', 9)];
		const rows = compareRows(breakdownNamed('pages'), now, before);
		// 15 from 10: +50 %; 3 from 4: −25 %; 4 from 6: −33.33 %; /c absent before: new.
		expect(rows.map((r) => [r.path, r.pageviews, r.previous, r.change])).toEqual([
			['/a', 15, { pageviews: 10 }, 0.5],
			['/b', 3, { pageviews: 4 }, -0.25],
			['/c', 2, { pageviews: 0 }, 'new'],
			['/d', 4, { pageviews: 6 }, -0.3333]
		]);
	});

	test('a row with none before is new; none then and none now has no change', () => {
		const source = (value: string, visitors: number, sessions = 1) => ({
			value,
			sessions,
			visitors
		});
		const rows = compareRows(
			breakdownNamed('referrers'),
			[source('a.example', 2), source('b.example', 0)],
			[source('a.example', 0, 3), source('b.example', 0)]
		);
		expect(rows.map((r) => [r.value, r.previous, r.change])).toEqual([
			['a.example', { visitors: 0 }, 'new'],
			['b.example', { visitors: 0 }, null]
		]);
	});

	test('visitors not known (a page pattern) have no change', () => {
		const rows = compareRows(
			breakdownNamed('browsers'),
			[{ value: 'Firefox', sessions: 4, visitors: null }],
			[{ value: 'Firefox', sessions: 2, visitors: null }]
		);
		expect(rows).toEqual([
			{ value: 'Firefox', sessions: 4, visitors: null, previous: { visitors: null }, change: null }
		]);
	});

	test('404 rows are the same row only with the same path and the same referrer', () => {
		const rows = compareRows(
			breakdownNamed('notFound'),
			[
				{ path: '/old', from: '(direct)', pageviews: 3 },
				{ path: '/old', from: '/blog', pageviews: 1 }
			],
			[{ path: '/old', from: '(direct)', pageviews: 2 }]
		);
		expect(rows.map((r) => [r.from, r.previous, r.change])).toEqual([
			['(direct)', { pageviews: 2 }, 0.5],
			['/blog', { pageviews: 0 }, 'new']
		]);
	});

	test('"(other)" is not compared: the previous values are the rows shown only', () => {
		const rows = compareRows(
			breakdownNamed('pages'),
			[page('/a', 5), page('/b', 2), page('/c', 1)],
			[page('/a', 4), page('/c', 8)]
		);
		const cut = topN(rows, 1, (rest) => breakdownNamed('pages').other(rest));
		expect(cut.map((r) => [r.path, r.pageviews, r.previous, r.change])).toEqual([
			['/a', 5, { pageviews: 4 }, 0.25],
			[OTHER, 3, undefined, undefined]
		]);
	});

	test('every breakdown but lost records is compared, by a count of its table', () => {
		const compared = CATALOGUE.filter((b) => b.compared).map((b) => [b.name, b.compared?.metric]);
		expect(compared).toEqual([
			['pages', 'pageviews'],
			['hosts', 'visitors'],
			['entryPages', 'entries'],
			['exitPages', 'exits'],
			['referrers', 'visitors'],
			['utm.source', 'visitors'],
			['utm.medium', 'visitors'],
			['utm.campaign', 'visitors'],
			['browsers', 'visitors'],
			['os', 'visitors'],
			['devices', 'visitors'],
			['countries', 'visitors'],
			['screens', 'visitors'],
			['events', 'count'],
			['notFound', 'pageviews'],
			['scrollDepth', 'pageviews'],
			['newVsReturning', 'visitors'],
			['outboundLinks', 'clicks'],
			['downloads', 'clicks']
		]);
		for (const breakdown of CATALOGUE) {
			const columns = breakdown.table?.columns.map((c) => c.key) ?? [];
			if (breakdown.compared) expect(columns, breakdown.name).toContain(breakdown.compared.metric);
		}
		expect(comparedColumns(breakdownNamed('referrers'))).toEqual(['previousVisitors', 'change']);
		expect(comparedColumns(breakdownNamed('dropped'))).toEqual([]);
	});

	test('an event’s table row and CSV line carry its change, its props’ none', () => {
		const events = breakdownNamed('events');
		const [signup] = compareRows(events, events.rows(views, read), [
			{ name: 'signup', count: 2, props: {} }
		]);
		expect(signup).toMatchObject({ name: 'signup', count: 3, previous: { count: 2 }, change: 0.5 });
		const shown = events.table?.display?.([signup]);
		expect(shown).toEqual([
			{ name: 'signup', count: 3, event: 'signup', previous: { count: 2 }, change: 0.5 },
			{ name: '  ↳ plan = pro', count: 3 }
		]);
		expect(events.csvRows?.([signup])[0]).toEqual({
			name: 'signup',
			prop: '',
			value: '',
			count: 3,
			previous: { count: 2 },
			change: 0.5
		});
	});
});
