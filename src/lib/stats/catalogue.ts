/**
 * The catalogue of breakdowns: one declarative entry per breakdown, saying which views
 * its rows come from and how they fold, its "(other)" row, its CSV columns, why it has
 * nothing to say under a filter, and its dashboard table (title, caption, columns with
 * labels and formats, the filter its row labels link to, its empty text). The read model
 * (src/lib/server/stats/read-stats.ts), the CSV export, the filter view and the dashboard
 * iterate it, so adding a breakdown is one entry here and its test.
 */
import {
	OTHER,
	dimensionRows,
	isOtherRow,
	namedRows,
	otherMark,
	droppedRows,
	entryPageRows,
	eventRows,
	exitPageRows,
	exitRow,
	linkRows,
	notFoundRows,
	otherVisitors,
	pageRows,
	scrollRow,
	scrollRows,
	sessionRows,
	sum,
	type DimensionRow,
	type EventRow,
	type LinkRow,
	type ViewRow
} from './breakdowns';
import type { Filter, FilterKind } from './filters';
import { change, type Change } from './metrics';

/**
 * The views breakdowns are read from, each with its group level: the length of its
 * keys, `[scope, granularity, bucket, …what it counts by]`.
 */
export const BREAKDOWN_VIEWS = {
	pages: 4,
	dimensions: 5,
	events: 4,
	'event-props': 6,
	'not-found': 5,
	scroll: 4,
	visitors: 4,
	dropped: 4
} as const;

/** A view breakdowns are read from. */
export type BreakdownView = keyof typeof BREAKDOWN_VIEWS;

/** The rows of the breakdown views over a range, as read (grouped, one row per bucket). */
export interface ViewRows {
	pages: ViewRow<number[]>[];
	dimensions: ViewRow<number[]>[];
	events: ViewRow<number>[];
	'event-props': ViewRow<number>[];
	'not-found': ViewRow<number>[];
	scroll: ViewRow<number[]>[];
	visitors: ViewRow<number[]>[];
	dropped: ViewRow<number[]>[];
}

/** A column of a breakdown table: which field, its header, and how to write its values. */
export interface Column {
	key: string;
	label: string;
	/** What the column counts, where its label alone does not say (its header's ColumnHint). */
	hint?: string;
	/** Default `text`; `country` is a country's code, shown by its English name. */
	format?: 'text' | 'path' | 'country' | 'count' | 'rate' | 'duration';
}

/** How a breakdown shows on the dashboard. */
export interface Table<Row> {
	/** The widget's title, or in a group the sub-table's heading: "Top pages". */
	title: string;
	/** What its CSV link downloads ("Download top pages as CSV"); default the title in lower case. */
	what?: string;
	/** What the table lists, before the range in its caption: "Pages by pageviews". */
	caption: string;
	columns: Column[];
	/** Another caption and columns under a filter kind (pages count firings under an event). */
	under?: Partial<Record<FilterKind, { caption: string; columns: Column[] }>>;
	/** The column the bars show; default the first number column. */
	measure?: string;
	/** What the table says when it has no rows and no filter is on. */
	empty: string;
	/** The empty text goes on with the page's next step (`emptyHint` of the dashboard). */
	hint?: boolean;
	/** Row labels link to this filter, with the value of the row's `key` field. */
	link?: { kind: FilterKind; key: string };
	/** The rows as shown, when not the rows themselves. */
	display?(rows: Compared<Row>[]): object[];
	/** Spans the whole row of the dashboard's grid. */
	wide?: boolean;
	/**
	 * Whether the dashboard shows the widget, by the rows read (without "(other)"); default
	 * always. Hosts: only when the range has page views on more than one host.
	 */
	shown?(rows: object[]): boolean;
}

/** What a breakdown's rows are read under. */
export interface BreakdownRead {
	filter: Filter | null;
	limit: number;
	/**
	 * Whether visitors add up across the rows' scopes; false under a page pattern matching
	 * several paths (src/lib/stats/filters.ts). Default true.
	 */
	visitorsExact?: boolean;
}

/** One breakdown. */
export interface Breakdown<Name extends string = string, Row extends object = object> {
	/**
	 * Its name in the Stats API's `breakdowns` and in the export's `breakdown=`. A dotted
	 * name nests under its group (`utm.source` is `breakdowns.utm.source`), see {@link GROUPS}.
	 */
	name: Name;
	/** The views its rows come from. */
	views: readonly BreakdownView[];
	/** Its rows over a range, busiest first, before the limit. */
	rows(views: ViewRows, read: BreakdownRead): Row[];
	/** The "(other)" row summing the rows past the limit, so the breakdown keeps its sums. */
	other(rest: Row[]): Row;
	/** Columns of its CSV export, in order. */
	csv: readonly string[];
	/** Its CSV lines, when not the rows themselves. */
	csvRows?(rows: Compared<Row>[]): object[];
	/** Why it has nothing to say under a filter kind: its rows are then empty. */
	unavailable?: Partial<Record<FilterKind, string>>;
	/** Its dashboard table; without one it is in the Stats API and the export only. */
	table?: Table<Row>;
	/**
	 * How its rows are compared with the previous period ({@link compareRows}): the field
	 * naming a row and its main metric, whose value before and change each row shown gets.
	 * None for lost records, whose hours never come again.
	 */
	compared?: Comparing<Row>;
}

/** What a breakdown's rows are compared by: what names a row, and the metric compared. */
export interface Comparing<Row> {
	/** A row's name, the same in both periods: its path, value, URL … */
	key(row: Row): string;
	/** The field of the table's main metric (a count; null where it cannot be told). */
	metric: string;
}

/**
 * What a row compared with the previous period carries besides its own fields: its
 * main metric's value before (0 for a row absent before; null where not known) and
 * the change since ({@link change}: `new` for a row absent before).
 */
export interface ComparedRow {
	previous?: Record<string, number | null>;
	change?: Change;
}

/** A row of a breakdown as read: its own fields, and its comparison when compared. */
export type Compared<Row> = Row & ComparedRow;

/**
 * The rows of a breakdown with the previous period's value of its main metric and its
 * change, from the previous period's rows `before` (read as the rows are, from the same
 * views); the rows as they are when the breakdown is not compared.
 */
export function compareRows<Row extends object>(
	breakdown: Pick<Breakdown<string, Row>, 'compared'>,
	rows: Row[],
	before: Row[]
): Compared<Row>[] {
	const by = breakdown.compared;
	if (!by) return rows;
	const value = (row: Row) => (row as Record<string, unknown>)[by.metric] as number | null;
	const was = new Map(before.map((row) => [by.key(row), value(row)]));
	return rows.map((row) => {
		const now = value(row);
		const previous = was.has(by.key(row)) ? (was.get(by.key(row)) as number | null) : 0;
		return {
			...row,
			previous: { [by.metric]: previous },
			change: now === null || previous === null ? null : change(now, previous)
		};
	});
}

/**
 * A row's comparison alone, for a line or a table row made of it in another shape (an
 * event's line, apart from its props'); nothing for a row not compared.
 */
function comparisonOf(row: ComparedRow): ComparedRow {
	return row.previous ? { previous: row.previous, change: row.change } : {};
}

/** The CSV columns a compared breakdown adds: `previousVisitors`, `change`. */
export function comparedColumns(breakdown: { compared?: { metric: string } }): string[] {
	const metric = breakdown.compared?.metric;
	return metric ? [`previous${metric[0].toUpperCase()}${metric.slice(1)}`, 'change'] : [];
}

/** A compared row's CSV fields ({@link comparedColumns}); none for a row not compared. */
export function comparedFields(
	breakdown: { compared?: { metric: string } },
	row: ComparedRow
): Record<string, unknown> {
	const [previous, changed] = comparedColumns(breakdown);
	if (!previous || !row.previous) return {};
	return { [previous]: Object.values(row.previous)[0], [changed]: row.change };
}

/** Breakdowns shown together in one dashboard widget, named by the part before the dot. */
export const GROUPS: Record<string, Pick<Breakdown, 'unavailable'> & { title: string }> = {
	utm: {
		title: 'Campaigns (UTM)',
		unavailable: {
			event: 'Not available under an event filter: campaigns are counted on entry pageviews only.'
		}
	}
};

/** Keeps a breakdown's name and row types for {@link Breakdowns}. */
function entry<const Name extends string, Row extends object>(
	spec: Breakdown<Name, Row>
): Breakdown<Name, Row> {
	return spec;
}

const PAGE: Column = { key: 'path', label: 'Page', format: 'path' };

const TO_PAGE = { kind: 'page', key: 'path' } as const;
/** What a table or chart of pageviews says when there are none (and no filter is on). */
export const NO_PAGEVIEWS = 'No pageviews in this range yet.';

/** What a pageview is (docs/DESIGN.md): a reload or a return to a page soon after is not another. */
export const PAGEVIEW_RULE = 'a page again in a session within 30 min counts once';

/**
 * How unique visitors count, said beside their number: once a day each, so a range of
 * several days (or another zone's days) may count one person more than once (an outside
 * review: 12 visitors for 11 people over 7 days, and the tile did not say why).
 */
export const VISITORS_RULE = 'each counted once a day';

/** A breakdown of the `dimensions` view: sessions and visitors by one value of a session. */
function dimension<const Name extends string>(
	name: Name,
	/** The dimension in the view's keys. */
	key: string,
	options: {
		unavailable?: Partial<Record<FilterKind, string>>;
		table?: Omit<Table<DimensionRow>, 'columns' | 'caption' | 'empty'> & {
			/** The first column's label: "Browser". */
			column: string;
			/** What the table counts sessions by: "browser". */
			by: string;
			/** How the first column's values are written; default as they are. */
			format?: Column['format'];
			/** Default: no pageviews yet, and the page's next step. */
			empty?: string;
			/** Default: `Sessions by <by>`. */
			caption?: string;
		};
	} = {}
): Breakdown<Name, DimensionRow> {
	const { table, unavailable } = options;
	const lead: Column[] = table
		? [
				{ key: 'value', label: table.column, format: table.format },
				{ key: 'visitors', label: 'Visitors', format: 'count' }
			]
		: [];
	return {
		name,
		views: ['dimensions'],
		rows: (views, read) => dimensionRows(views.dimensions, key, read.visitorsExact),
		other: (rest) => ({
			value: OTHER,
			sessions: sum(rest, (r) => r.sessions),
			visitors: otherVisitors(rest)
		}),
		csv: ['value', 'sessions', 'visitors'],
		unavailable,
		compared: { key: (row) => row.value, metric: 'visitors' },
		table: table && {
			...table,
			caption: table.caption ?? `Sessions by ${table.by}`,
			columns: [...lead, { key: 'sessions', label: 'Sessions', format: 'count' }],
			// Under a page filter the two columns count two populations, the page's visitors
			// and the sessions that landed on it, and say so (an outside review read "Visitors
			// 2, Sessions 1" as an error).
			under: {
				page: {
					caption: `Visitors of the page and sessions that landed on it, by ${table.by}`,
					columns: [
						...lead,
						{
							key: 'sessions',
							label: 'Entries',
							hint: 'sessions that landed on the page',
							format: 'count'
						}
					]
				}
			},
			empty: table.empty ?? NO_PAGEVIEWS,
			hint: table.empty ? table.hint : true
		}
	};
}

/** A campaign breakdown (`utm_source` …), counted on entry pageviews. */
function campaign<const Leaf extends string>(leaf: Leaf, label: string) {
	return dimension(`utm.${leaf}`, `utm_${leaf}`, {
		table: {
			title: `UTM ${label.toLowerCase()}`,
			what: `UTM ${label.toLowerCase()}`,
			column: label,
			by: `utm_${leaf}`,
			empty: `None yet: tag links with ?utm_${leaf}=… to see them here.`
		}
	});
}

/** A breakdown of the URLs of the tracker's automatic `outbound` or `download` events. */
function links<const Name extends string>(
	name: Name,
	event: 'outbound' | 'download',
	table: { title: string; caption: string; empty: string }
): Breakdown<Name, LinkRow> {
	return {
		name,
		views: ['event-props'],
		rows: (views) => linkRows(views['event-props'], event),
		other: (rest) => ({ url: OTHER, clicks: sum(rest, (r) => r.clicks) }),
		csv: ['url', 'clicks'],
		compared: { key: (row) => row.url, metric: 'clicks' },
		table: {
			...table,
			columns: [
				{ key: 'url', label: 'URL' },
				{ key: 'clicks', label: 'Clicks', format: 'count' }
			]
		}
	};
}

/** Why the hosts have nothing to say under a filter (dimensions.js: site scope only). */
const HOSTS_UNFILTERED =
	'Not available under a filter: hosts are counted for the whole site. For one host alone, give it a site of its own.';

/** Why the lost records have nothing to say under a filter. */
const LOSS_UNFILTERED =
	'Not available under a filter: lost records are counted for the whole site, their pages and sources being unknown.';

/** The breakdowns, in the order the Stats API, the export and the dashboard list them. */
export const BREAKDOWNS = [
	entry({
		name: 'pages',
		views: ['pages'],
		rows: (views, { filter }) => {
			const rows = pageRows(views.pages);
			// Under an event filter a page row counts the event's firings: no entries or exits.
			return filter?.kind === 'event' ? rows.map((row) => ({ ...row, exits: 0 })) : rows;
		},
		other: (rest) => ({
			path: OTHER,
			pageviews: sum(rest, (r) => r.pageviews),
			visitors: otherVisitors(rest),
			engagedTimeMs: sum(rest, (r) => r.engagedTimeMs),
			entries: sum(rest, (r) => r.entries),
			exits: sum(rest, (r) => r.exits)
		}),
		csv: ['path', 'pageviews', 'visitors', 'engagedTimeMs', 'entries', 'exits'],
		compared: { key: (row) => row.path, metric: 'pageviews' },
		table: {
			title: 'Top pages',
			caption: 'Pages by pageviews',
			columns: [
				PAGE,
				{ key: 'visitors', label: 'Visitors', format: 'count' },
				{ key: 'pageviews', label: 'Views', format: 'count', hint: `Pageviews: ${PAGEVIEW_RULE}` },
				{ key: 'engagedTimeMs', label: 'Time', format: 'duration' }
			],
			under: {
				event: {
					caption: 'Pages by events fired',
					columns: [PAGE, { key: 'pageviews', label: 'Events', format: 'count' }]
				}
			},
			measure: 'pageviews',
			empty: NO_PAGEVIEWS,
			hint: true,
			link: TO_PAGE
		}
	}),
	dimension('hosts', 'host', {
		unavailable: { page: HOSTS_UNFILTERED, source: HOSTS_UNFILTERED, event: HOSTS_UNFILTERED },
		table: {
			// Plausible's hostname, GA4's hostname: a site on several hosts, its pages told apart.
			title: 'Hosts',
			column: 'Host',
			by: 'host',
			caption: 'Visitors of each host, and sessions that started there',
			empty: 'No page views with a host in this range yet.',
			shown: (rows) => namedRows(rows).length > 1
		}
	}),
	entry({
		name: 'entryPages',
		views: ['pages'],
		rows: (views) => entryPageRows(pageRows(views.pages)),
		other: (rest) => ({ path: OTHER, entries: sum(rest, (r) => r.entries) }),
		csv: ['path', 'entries'],
		compared: { key: (row) => row.path, metric: 'entries' },
		unavailable: {
			event: 'Not available under an event filter: events are not where sessions start.'
		},
		table: {
			title: 'Entry pages',
			caption: 'Pages where sessions started',
			columns: [PAGE, { key: 'entries', label: 'Entries', format: 'count' }],
			empty: 'No sessions started in this range yet.',
			hint: true,
			link: TO_PAGE
		}
	}),
	entry({
		name: 'exitPages',
		views: ['pages'],
		rows: (views) => exitPageRows(views.pages),
		other: (rest) =>
			exitRow(
				OTHER,
				sum(rest, (r) => r.exits),
				sum(rest, (r) => r.pageviews),
				sum(rest, (r) => r.views)
			),
		csv: ['path', 'exits', 'pageviews', 'views', 'exitRate'],
		compared: { key: (row) => row.path, metric: 'exits' },
		unavailable: {
			event: 'Not available under an event filter: events are not where sessions end.'
		},
		table: {
			title: 'Exit pages',
			caption: 'Pages where visitors left',
			columns: [
				PAGE,
				{ key: 'exits', label: 'Exits', format: 'count' },
				{
					key: 'exitRate',
					label: 'Exit rate',
					format: 'rate',
					hint: 'Exits ÷ views of the page, the returns to it included'
				}
			],
			empty: 'No exits in this range yet.',
			hint: true,
			link: TO_PAGE
		}
	}),
	dimension('referrers', 'referrer', {
		table: {
			// A session's source: its landing page's utm_source, else its referrer's host
			// (records.ts sourceOf), so the table is named as Plausible names it.
			title: 'Sources',
			column: 'Source',
			by: 'source',
			empty:
				'No sources yet: visits from links on other sites, and from links tagged with ?utm_source=…, show up here.',
			link: { kind: 'source', key: 'value' }
		}
	}),
	campaign('source', 'Source'),
	campaign('medium', 'Medium'),
	campaign('campaign', 'Campaign'),
	dimension('browsers', 'browser', {
		table: { title: 'Browsers', column: 'Browser', by: 'browser' }
	}),
	dimension('os', 'os', {
		table: { title: 'Operating systems', column: 'Operating system', by: 'operating system' }
	}),
	dimension('devices', 'device', {
		table: { title: 'Devices', column: 'Device', by: 'device type' }
	}),
	dimension('countries', 'country', {
		unavailable: { event: 'Not available under an event filter: events carry no country.' },
		table: {
			title: 'Countries',
			column: 'Country',
			by: 'country',
			format: 'country',
			empty:
				"No countries yet: they come from the visitor's time zone or a proxy header, once there are pageviews."
		}
	}),
	dimension('screens', 'screen', {
		unavailable: { event: 'Not available under an event filter: events carry no screen size.' },
		table: { title: 'Screen sizes', column: 'Screen size', by: 'screen size' }
	}),
	entry({
		name: 'events',
		views: ['events', 'event-props'],
		rows: (views, { limit }) => eventRows(views.events, views['event-props'], limit),
		other: (rest): EventRow => ({ name: OTHER, count: sum(rest, (r) => r.count), props: {} }),
		csv: ['name', 'prop', 'value', 'count'],
		compared: { key: (row) => row.name, metric: 'count' },
		// The event's line compared, not its props'.
		csvRows: (rows) =>
			rows.flatMap((e) => [
				{ ...comparisonOf(e), name: e.name, prop: '', value: '', count: e.count },
				...Object.entries(e.props).flatMap(([prop, values]) =>
					values.map((v) => ({ name: e.name, prop, value: v.value, count: v.count }))
				)
			]),
		table: {
			title: 'Custom events',
			caption: 'Custom events and their properties',
			columns: [
				{ key: 'name', label: 'Event' },
				{ key: 'count', label: 'Count', format: 'count' }
			],
			display: (rows) =>
				rows.flatMap((event) => [
					{
						...comparisonOf(event),
						...otherMark(event),
						name: event.name,
						count: event.count,
						event: event.name
					},
					...Object.entries(event.props).flatMap(([prop, values]) =>
						values.map((v) => ({ name: `  ↳ ${prop} = ${v.value}`, count: v.count }))
					)
				]),
			empty: "No custom events yet: call track('signup') from your pages to count them.",
			link: { kind: 'event', key: 'event' },
			wide: true
		}
	}),
	entry({
		name: 'notFound',
		views: ['not-found'],
		rows: (views) => notFoundRows(views['not-found']),
		other: (rest) => ({ path: OTHER, from: OTHER, pageviews: sum(rest, (r) => r.pageviews) }),
		csv: ['path', 'from', 'pageviews'],
		// A path and where its visitors came from, apart by a character neither holds.
		compared: { key: (row) => `${row.path}\u0000${row.from}`, metric: 'pageviews' },
		unavailable: { event: 'Not available under an event filter: events are not pageviews.' },
		table: {
			title: '404 pages',
			caption: 'Missing pages visitors hit, and where they came from',
			columns: [
				PAGE,
				{ key: 'from', label: 'From' },
				{ key: 'pageviews', label: 'Views', format: 'count' }
			],
			empty:
				'No 404 pages yet: mark your not-found page (notFound on <Analytics>, data-not-found on the script) to see them here.',
			link: TO_PAGE
		}
	}),
	entry({
		name: 'scrollDepth',
		views: ['scroll'],
		rows: (views) => scrollRows(views.scroll),
		other: (rest) => {
			const pageviews = sum(rest, (r) => r.pageviews);
			const depth = sum(rest, (r) => r.averageScroll * r.pageviews);
			return scrollRow(OTHER, pageviews, depth, [
				sum(rest, (r) => r.reached25),
				sum(rest, (r) => r.reached50),
				sum(rest, (r) => r.reached75),
				sum(rest, (r) => r.reached100)
			]);
		},
		csv: [
			'path',
			'pageviews',
			'averageScroll',
			'reached25',
			'reached50',
			'reached75',
			'reached100'
		],
		compared: { key: (row) => row.path, metric: 'pageviews' },
		unavailable: { event: 'Not available under an event filter: events have no scroll depth.' },
		table: {
			title: 'Scroll depth',
			caption: 'How far down each page its views scrolled',
			columns: [
				PAGE,
				{
					key: 'pageviews',
					label: 'Views',
					format: 'count',
					// Not Top pages' Views (an outside re-check): depth starts anew on a return.
					hint: 'Views of the page, returns to it included: each scrolls from the top again'
				},
				{ key: 'averageScroll', label: 'Avg. depth', format: 'rate' },
				{ key: 'reached25', label: '25 %', format: 'rate' },
				{ key: 'reached50', label: '50 %', format: 'rate' },
				{ key: 'reached75', label: '75 %', format: 'rate' },
				{ key: 'reached100', label: '100 %', format: 'rate' }
			],
			measure: 'pageviews',
			// Shares of the page's views, as rates; the API and CSV keep the counts.
			display: (rows) =>
				rows.map((row) => ({
					...comparisonOf(row),
					...otherMark(row),
					path: row.path,
					pageviews: row.pageviews,
					averageScroll: row.averageScroll / 100,
					reached25: row.reached25 / row.pageviews,
					reached50: row.reached50 / row.pageviews,
					reached75: row.reached75 / row.pageviews,
					reached100: row.reached100 / row.pageviews
				})),
			empty: NO_PAGEVIEWS,
			hint: true,
			link: TO_PAGE,
			wide: true
		}
	}),
	entry({
		name: 'newVsReturning',
		views: ['visitors'],
		rows: (views) => sessionRows(views.visitors),
		other: (rest) => ({
			value: OTHER,
			sessions: sum(rest, (r) => r.sessions),
			visitors: otherVisitors(rest)
		}),
		csv: ['value', 'sessions', 'visitors'],
		compared: { key: (row) => row.value, metric: 'visitors' },
		unavailable: {
			page: 'Not available under a page filter: a visitor is new by their first pageview ever, whichever page it was.',
			event: 'Not available under an event filter: events do not say whether their visitor is new.'
		},
		table: {
			title: 'New vs returning',
			caption: 'Visitors on their first day ever, and those back',
			columns: [
				{ key: 'value', label: 'Visitor' },
				{ key: 'visitors', label: 'Visitors', format: 'count' },
				{ key: 'sessions', label: 'Sessions', format: 'count' }
			],
			display: (rows) =>
				rows.map((row) => ({
					...row,
					value: row.value === 'new' ? 'New' : row.value === 'returning' ? 'Returning' : row.value
				})),
			empty: NO_PAGEVIEWS,
			hint: true
		}
	}),
	links('outboundLinks', 'outbound', {
		title: 'Outbound links',
		caption: 'Links to other sites visitors followed',
		empty: 'No outbound clicks yet: links to other sites visitors follow show up here.'
	}),
	links('downloads', 'download', {
		title: 'File downloads',
		caption: 'Files visitors downloaded',
		empty:
			'No downloads yet: links to files (.pdf, .zip …) or with a download attribute show up here.'
	}),
	entry({
		name: 'dropped',
		views: ['dropped'],
		rows: (views) => droppedRows(views.dropped),
		other: (rest) => ({
			hour: OTHER,
			records: sum(rest, (r) => r.records),
			reports: sum(rest, (r) => r.reports)
		}),
		csv: ['hour', 'records', 'reports'],
		unavailable: { page: LOSS_UNFILTERED, source: LOSS_UNFILTERED, event: LOSS_UNFILTERED },
		table: {
			title: 'Lost records',
			caption:
				"Records visitors' browsers dropped (a full outbox or journal, or one too large to store), by hour (UTC)",
			columns: [
				{ key: 'hour', label: 'Hour (UTC)' },
				{ key: 'records', label: 'Records lost', format: 'count' },
				{ key: 'reports', label: 'Reports', format: 'count' }
			],
			display: (rows) =>
				rows.map((row) => ({
					...row,
					hour: isOtherRow(row) ? OTHER : `${row.hour.replace('T', ' ')}:00`
				})),
			empty: "None lost in this range: every visitor's browser delivered all it recorded."
		}
	})
] as const;

/** The catalogue as a plain list, for code that treats every breakdown alike. */
export const CATALOGUE: readonly Breakdown[] = BREAKDOWNS;

type Entry = (typeof BREAKDOWNS)[number];

/** The name of a breakdown: `pages`, `utm.source`, … */
export type BreakdownName = Entry['name'];

/** The row type of the breakdown named `N`. */
export type RowOf<N extends BreakdownName> =
	Extract<Entry, { name: N }> extends Breakdown<N, infer Row> ? Row : never;

/** `utm.source` → `utm`, `pages` → `pages`. */
type Head<N extends string> = N extends `${infer Group}.${string}` ? Group : N;

/**
 * Every breakdown of a Stats API response, by name; the breakdowns of a group nest
 * under it (`utm: { source, medium, campaign }`).
 */
export type Breakdowns = {
	[H in Head<BreakdownName>]: H extends BreakdownName
		? Compared<RowOf<H>>[]
		: {
				[N in BreakdownName as N extends `${H}.${infer Leaf}` ? Leaf : never]: Compared<RowOf<N>>[];
			};
};

/** The breakdown named `name`. */
export function breakdownNamed<N extends BreakdownName>(name: N): Extract<Entry, { name: N }> {
	return BREAKDOWNS.find((b) => b.name === name) as Extract<Entry, { name: N }>;
}

/**
 * How many rows each breakdown has before the answer's cut (those matching `search`),
 * named as in {@link Breakdowns}: the Stats API's `totalRows`.
 */
export type BreakdownCounts = {
	[H in Head<BreakdownName>]: H extends BreakdownName
		? number
		: { [N in BreakdownName as N extends `${H}.${infer Leaf}` ? Leaf : never]: number };
};

/** Builds the `breakdowns` of a response from each breakdown's rows. */
export function collectBreakdowns(rows: (breakdown: Breakdown) => object[]): Breakdowns {
	return byName(rows) as Breakdowns;
}

/** Builds the `totalRows` of a response from each breakdown's count. */
export function collectCounts(count: (breakdown: Breakdown) => number): BreakdownCounts {
	return byName(count) as BreakdownCounts;
}

/** Each breakdown's value, named as in the Stats API (`utm.source` nests under `utm`). */
function byName<V>(value: (breakdown: Breakdown) => V): Record<string, V | Record<string, V>> {
	const out: Record<string, V | Record<string, V>> = {};
	for (const breakdown of CATALOGUE) {
		const [head, leaf] = breakdown.name.split('.');
		if (leaf) ((out[head] ??= {}) as Record<string, V>)[leaf] = value(breakdown);
		else out[head] = value(breakdown);
	}
	return out;
}

/**
 * A row's value, the one a table's label shows and `search` matches: its breakdown's
 * first CSV column (a path, a source, an event's name, a URL, an hour).
 */
export function rowValue(breakdown: Pick<Breakdown, 'csv'>, row: object): string {
	return String((row as Record<string, unknown>)[breakdown.csv[0]] ?? '');
}

/** The rows of the breakdown named `name` (`utm.source` included) in a response's `breakdowns`. */
export function rowsOf(breakdowns: Breakdowns, name: string): object[] {
	const [head, leaf] = name.split('.');
	const value = (breakdowns as Record<string, unknown>)[head];
	return (leaf ? (value as Record<string, object[]>)[leaf] : value) as object[];
}

/** How many rows the breakdown named `name` has in a response's `totalRows` (0 when none). */
export function totalRowsOf(counts: BreakdownCounts, name: string): number {
	const [head, leaf] = name.split('.');
	const value = (counts as Record<string, unknown>)[head];
	return Number(leaf ? (value as Record<string, number> | undefined)?.[leaf] : value) || 0;
}

/**
 * Why a breakdown or a group of them (named as in the Stats API: `entryPages`, `utm`,
 * `countries` …) shows nothing under `filter`, or undefined when it has its own numbers.
 */
export function unavailableUnder(filter: Filter | null, name: string): string | undefined {
	if (!filter) return undefined;
	const own = CATALOGUE.find((b) => b.name === name)?.unavailable;
	return (own ?? GROUPS[name.split('.')[0]]?.unavailable)?.[filter.kind];
}

/** A dashboard widget: one breakdown's table, or a group's tables under one title. */
export interface BreakdownWidget {
	/** Anchor id of its section: the name in kebab case (`entry-pages`), or the group's. */
	id: string;
	/** Its breakdown's or group's name, for {@link unavailableUnder}. */
	name: string;
	title: string;
	wide: boolean;
	/** Its breakdowns, each with its table. */
	breakdowns: ShownBreakdown[];
}

/** A breakdown with its table, whose `what` is filled in. */
export type ShownBreakdown = Breakdown & { table: Table<object> & { what: string } };

/** The dashboard's breakdown widgets, in catalogue order: every breakdown with a table. */
export const BREAKDOWN_WIDGETS: readonly BreakdownWidget[] = CATALOGUE.reduce<BreakdownWidget[]>(
	(widgets, breakdown) => {
		if (!breakdown.table) return widgets;
		const table = {
			...breakdown.table,
			what: breakdown.table.what ?? breakdown.table.title.toLowerCase()
		};
		const group = breakdown.name.includes('.') ? breakdown.name.split('.')[0] : undefined;
		const last = widgets.at(-1);
		if (group && last?.name === group) {
			last.breakdowns.push({ ...breakdown, table });
			return widgets;
		}
		widgets.push({
			id: group ?? breakdown.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
			name: group ?? breakdown.name,
			title: group ? GROUPS[group].title : table.title,
			wide: Boolean(table.wide),
			breakdowns: [{ ...breakdown, table }]
		});
		return widgets;
	},
	[]
);

/**
 * Whether the dashboard shows `widget`, by its tables' `shown` and the breakdowns read
 * (`undefined` when they could not be): a widget whose table says when is hidden until its
 * rows say so (Hosts: page views on more than one host).
 */
export function widgetShown(widget: BreakdownWidget, breakdowns: Breakdowns | undefined): boolean {
	return widget.breakdowns.every(
		({ name, table }) =>
			!table.shown || (breakdowns !== undefined && table.shown(rowsOf(breakdowns, name)))
	);
}

/** The breakdown named `name` with its dashboard table, or undefined (a details page's). */
export function shownBreakdown(name: string): ShownBreakdown | undefined {
	for (const widget of BREAKDOWN_WIDGETS) {
		const found = widget.breakdowns.find((b) => b.name === name);
		if (found) return found;
	}
	return undefined;
}
