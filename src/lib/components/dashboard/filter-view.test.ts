import { describe, expect, test } from 'vitest';
import type { Filter } from '../../stats/filters';
import { emptySums, totalsFrom, type Totals } from '../../stats/metrics';
import { phraseText } from '../../text';
import {
	filterMeaning,
	sessionFilterMeaning,
	headlineChange,
	headlineMetrics,
	headlineValue,
	hintOf,
	mayHoldOldPropRecords,
	unavailableUnder,
	viewTitle,
	walkOf
} from './filter-view';
import type { DashboardData } from '../../stats/response';

const totals = (visitors: number): Totals => ({
	pageviews: 9,
	visitors,
	newVisitors: 1,
	sessions: 4,
	actualSessions: 3,
	engagedSessions: 2,
	engagementRate: 0.6667,
	bounceRate: 0.25,
	engagedTimeMs: 61_000,
	avgEngagedTimeMs: 15_250,
	events: 5
});

/** The tiles whose numbers mean what they mean for the whole site. */
const WHOLE_SITE = [
	'Unique visitors each counted once a day',
	'New visitors on their first day ever',
	'Pageviews a page again in a session within 30 min counts once',
	'Sessions',
	'Actual sessions over 10 s engaged (page seen and focused)',
	'Engaged sessions actual, with another page or an action',
	'Engagement rate 2 engaged of 3 actual sessions (10 s+)',
	'Bounce rate one page, no action, under 10 s engaged',
	'Total engaged time',
	'Avg. engaged time',
	'Events'
];

describe('headlineMetrics', () => {
	test.each<[Filter | null, string[]]>([
		[null, WHOLE_SITE],
		[{ kind: 'source', value: 'news.ycombinator.com' }, WHOLE_SITE],
		[
			{ kind: 'page', value: '/pricing' },
			[
				'Visitors of this page',
				'Pageviews',
				'Entries sessions that landed here',
				'Bounce rate of sessions landing here',
				'Engagement rate of sessions landing here',
				'Engaged time on this page',
				'Events on this page'
			]
		],
		[
			{ kind: 'page', value: '/docs/*' },
			[
				'Visitors of these pages',
				'Pageviews',
				'Entries sessions that landed on one',
				'Bounce rate of sessions landing on one',
				'Engagement rate of sessions landing on one',
				'Engaged time on these pages',
				'Events on these pages'
			]
		],
		[
			{ kind: 'event', value: 'signup' },
			[
				'Unique conversions visitors who fired it',
				'Converting sessions',
				'Total conversions times it fired',
				'Conversion rate of all visitors'
			]
		]
	])('under %j shows %j', (filter, labels) => {
		const hints = headlineMetrics(filter).map((m) => [m.label, hintOf(m, totals(3))]);
		expect(hints.map(([label, hint]) => (hint ? `${label} ${hint}` : label))).toEqual(labels);
	});

	test('the engagement rate says it divides by actual sessions, one or many', () => {
		const rate = headlineMetrics(null).find((m) => m.key === 'engagementRate')!;
		expect(hintOf(rate, { ...totals(2), engagedSessions: 1, actualSessions: 1 })).toBe(
			'1 engaged of 1 actual session (10 s+)'
		);
	});

	test('an event filter shows no tile that is always 0 under it', () => {
		const keys = headlineMetrics({ kind: 'event', value: 'signup' }).map((m) => m.key);
		for (const zero of [
			'pageviews',
			'newVisitors',
			'actualSessions',
			'engagedSessions',
			'engagedTimeMs'
		])
			expect(keys).not.toContain(zero);
	});
});

describe('headlineValue', () => {
	test.each<[Parameters<typeof headlineValue>[0], Totals | undefined, number | undefined]>([
		['visitors', undefined, 3],
		['bounceRate', undefined, 0.25],
		['conversionRate', totals(12), 0.25],
		['conversionRate', totals(3), 1],
		['conversionRate', totals(0), undefined],
		['conversionRate', undefined, undefined]
	])('%s with %j unfiltered is %s', (key, unfiltered, value) => {
		expect(headlineValue(key, totals(3), unfiltered)).toBe(value);
	});

	test('visitors a page pattern cannot count (null) have no value, nor a conversion rate', () => {
		const unknown = { ...totals(3), visitors: null };
		expect(headlineValue('visitors', unknown, totals(12))).toBeUndefined();
		expect(headlineValue('conversionRate', unknown, totals(12))).toBeUndefined();
		expect(headlineValue('pageviews', unknown, totals(12))).toBe(9);
	});

	test('a rate or average of no sessions has no value: it is not 0 %', () => {
		const landedNone = { ...totals(1), sessions: 0, actualSessions: 0, bounceRate: 0 };
		expect(headlineValue('bounceRate', landedNone, undefined)).toBeUndefined();
		expect(headlineValue('engagementRate', landedNone, undefined)).toBeUndefined();
		expect(headlineValue('avgEngagedTimeMs', landedNone, undefined)).toBeUndefined();
		expect(headlineValue('engagementRate', { ...totals(1), actualSessions: 0 }, undefined)).toBe(
			undefined
		);
		expect(headlineValue('sessions', landedNone, undefined)).toBe(0);
	});
});

describe('filterMeaning', () => {
	test.each<[Filter, string]>([
		[
			{ kind: 'page', value: '/pricing' },
			'Numbers count this page’s views, visitors, engaged time and events, and the sessions that landed on it (entries, bounce and engagement rate); “Active now” still shows all traffic.'
		],
		[
			{ kind: 'page', value: '/docs/*' },
			'Numbers count the views, engaged time and events of the pages matching /docs/* (* stands for any characters), and the sessions that landed on one of them (entries, bounce and engagement rate); visitors show only when one page matches, as one visitor may view two of them the same day (“—”); “Active now” still shows all traffic.'
		],
		[
			{ kind: 'page', value: '/%E6%97%A5/*' },
			'Numbers count the views, engaged time and events of the pages matching /日/* (* stands for any characters), and the sessions that landed on one of them (entries, bounce and engagement rate); visitors show only when one page matches, as one visitor may view two of them the same day (“—”); “Active now” still shows all traffic.'
		],
		[
			{ kind: 'source', value: 'news.ycombinator.com' },
			'Numbers count only sessions that came from news.ycombinator.com, with everything they did; “Active now” still shows all traffic.'
		],
		[
			{ kind: 'source', value: '(direct)' },
			'Numbers count only sessions that arrived without a referrer or a utm_source, with everything they did; “Active now” still shows all traffic.'
		],
		[
			{ kind: 'event', value: 'signup' },
			'Numbers count only this event: how often it fired, the sessions and visitors that fired it, and their share of all visitors; “Active now” still shows all traffic.'
		],
		[
			{ kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } },
			'Numbers count only this event with plan = pro: how often it fired with it, the sessions and visitors that fired it with it, and their share of all visitors (events recorded before couchstats flagged prop values count as conversions only, never as converting sessions or visitors); “Active now” still shows all traffic.'
		]
	])('under %j says %s', (filter, text) => {
		expect(phraseText(filterMeaning(filter))).toBe(text);
	});

	test('quotes the text visitors sent, as sent, apart from its own words', () => {
		const filter: Filter = { kind: 'event', value: 'e', prop: { key: 'k\u202E', value: 'שלום' } };
		expect(filterMeaning(filter).filter((piece) => typeof piece != 'string')).toEqual([
			{ quoted: 'k\u202E' },
			{ quoted: 'שלום' }
		]);
	});
});

test('the session list names a page pattern as it reads', () => {
	expect(phraseText(sessionFilterMeaning({ kind: 'page', value: '/%E6%97%A5/*' }))).toBe(
		'Sessions that landed on a page matching /日/*, newest first.'
	);
});

describe('mayHoldOldPropRecords', () => {
	// An outside test: the Goals table's note on prop values recorded before they were
	// flagged (during 2026-12-02) showed on a site whose records all came after.
	const utc = (from: string, to = '2026-12-06') => ({ from, to, tz: 'UTC' });
	const point = (start: string, events: number, pageviews = 1) => ({ start, events, pageviews });

	test('a range starting after the flags came holds no older records', () => {
		expect(mayHoldOldPropRecords(utc('2026-12-03'))).toBe(false);
		expect(mayHoldOldPropRecords(utc('2026-12-03'), [point('2026-12-03T00:00:00.000Z', 5)])).toBe(
			false
		);
	});

	test('a range starting before may, unless its series shows no events before', () => {
		// Under a filter (a series of that filter only) or unread, the range's start decides.
		expect(mayHoldOldPropRecords(utc('2026-11-07'))).toBe(true);
		expect(mayHoldOldPropRecords(utc('2026-12-02'))).toBe(true);
		// A site whose events all came after: its older days have no events.
		const after = [
			point('2026-12-01T00:00:00.000Z', 0, 0),
			point('2026-12-02T00:00:00.000Z', 0, 3),
			point('2026-12-03T00:00:00.000Z', 4)
		];
		expect(mayHoldOldPropRecords(utc('2026-12-01'), after)).toBe(false);
		expect(
			mayHoldOldPropRecords(utc('2026-12-01'), [...after, point('2026-12-02T00:00:00.000Z', 1)])
		).toBe(true);
		// A month began before the flags: its events may be older.
		expect(mayHoldOldPropRecords(utc('2026-01-01'), [point('2026-12-01T00:00:00.000Z', 1)])).toBe(
			true
		);
	});

	test('a range starts at its first local day, in its zone', () => {
		// 2026-12-03 at UTC+14 begins at 10:00 UTC on 2026-12-02.
		const kiritimati = { from: '2026-12-03', to: '2026-12-06', tz: 'Pacific/Kiritimati' };
		expect(mayHoldOldPropRecords(kiritimati)).toBe(true);
		expect(mayHoldOldPropRecords({ ...kiritimati, tz: 'America/Los_Angeles' })).toBe(false);
	});
});

describe('unavailableUnder', () => {
	test.each<[Filter | null, string, string | undefined]>([
		[null, 'countries', undefined],
		[{ kind: 'page', value: '/' }, 'entryPages', undefined],
		[{ kind: 'source', value: '(direct)' }, 'utm', undefined],
		[{ kind: 'event', value: 'signup' }, 'referrers', undefined],
		[
			{ kind: 'event', value: 'signup' },
			'entryPages',
			'Not available under an event filter: events are not where sessions start.'
		],
		[
			{ kind: 'event', value: 'signup' },
			'exitPages',
			'Not available under an event filter: events are not where sessions end.'
		],
		[
			{ kind: 'event', value: 'signup' },
			'utm',
			'Not available under an event filter: campaigns are counted on entry pageviews only.'
		],
		[
			{ kind: 'event', value: 'signup' },
			'countries',
			'Not available under an event filter: events carry no country.'
		]
	])('under %j, %s: %s', (filter, widget, text) => {
		expect(unavailableUnder(filter, widget)).toBe(text);
	});
});

describe('viewTitle', () => {
	test('gives the hidden characters of a name or a filter by their codes, as no title can box them', () => {
		const week = { preset: '7d', from: '2026-11-28', to: '2026-12-04' } as const;
		expect(viewTitle('Blog', week, { kind: 'event', value: '\u202epu ngis\u202c' })).toBe(
			'Blog · Last 7 days · event U+202Epu ngisU+202C'
		);
	});

	test('names the site, the preset or the dates, and the filter', () => {
		const week = { preset: '7d', from: '2026-11-28', to: '2026-12-04' } as const;
		expect(viewTitle('Blog', week)).toBe('Blog · Last 7 days');
		expect(viewTitle('Blog', week, { kind: 'page', value: '/docs' })).toBe(
			'Blog · Last 7 days · page /docs'
		);
		expect(viewTitle('Blog', week, { kind: 'page', value: '/caf%C3%A9' })).toBe(
			'Blog · Last 7 days · page /café'
		);
		expect(viewTitle('Blog', { ...week, preset: 'custom' })).toBe(
			'Blog · 2026-11-28 to 2026-12-04'
		);
		expect(viewTitle('Blog', { preset: 'custom', from: '2026-12-01', to: '2026-12-01' })).toBe(
			'Blog · 2026-12-01'
		);
		expect(
			viewTitle(
				'Blog',
				{ from: '2026-12-01', to: '2026-12-02' },
				{
					kind: 'event',
					value: 'signup',
					prop: { key: 'plan', value: 'pro' }
				}
			)
		).toBe('Blog · 2026-12-01 to 2026-12-02 · event signup with plan = pro');
	});

	test('names the walk: the journeys through a page, the path from entry', () => {
		const today = { preset: 'today', from: '2026-12-07', to: '2026-12-07' } as const;
		expect(viewTitle('Blog', today, null, { journey: '/caf%C3%A9' })).toBe(
			'Blog · Today · journeys through /café'
		);
		expect(viewTitle('Blog', today, null, { steps: ['/', '/pricing'] })).toBe(
			'Blog · Today · path / → /pricing'
		);
		expect(viewTitle('Blog', today, null, { journey: null, steps: [] })).toBe('Blog · Today');
	});

	test("names a session list's funnel step, and its drop-off, as the report's links choose them", () => {
		const today = { preset: 'today', from: '2026-12-07', to: '2026-12-07' } as const;
		const signup = { name: 'Signup', step: 2, dropped: false };
		expect(viewTitle('Blog', today, null, { funnel: signup })).toBe(
			'Blog · Today · funnel “Signup” step 2'
		);
		expect(viewTitle('Blog', today, null, { funnel: { ...signup, dropped: true } })).toBe(
			'Blog · Today · funnel “Signup” dropped after step 2'
		);
		expect(viewTitle('Blog', today, null, { funnel: { ...signup, name: 'Sign\u202eup' } })).toBe(
			'Blog · Today · funnel “SignU+202Eup” step 2'
		);
	});
});

describe('walkOf', () => {
	const journeys = { ok: true, value: { page: '/pricing' } } as DashboardData['journeys'];
	const paths = { ok: true, value: { steps: ['/'] } } as DashboardData['paths'];
	test("names the journeys' page only when the address chose it, and the path read", () => {
		const url = (query: string) => new URL(`http://x/sites/a?${query}`);
		expect(walkOf({ journeys, paths }, url('journey=/pricing&step=/'))).toEqual({
			journey: '/pricing',
			steps: ['/']
		});
		expect(walkOf({ journeys }, url('range=today'))).toEqual({ journey: null, steps: [] });
		expect(walkOf({ journeys: { ok: false, message: 'x' } }, url('journey=/a'))).toEqual({
			journey: null,
			steps: []
		});
	});
});

describe('headlineChange', () => {
	const tile = (key: string) => headlineMetrics(null).find((m) => m.key === key)!;
	const none = totalsFrom(emptySums());
	test('a rate or average of no sessions in the previous period has no change, a count is new', () => {
		const now = totals(5);
		const change = (key: string, previous: Totals | undefined) =>
			headlineChange(tile(key), headlineValue(tile(key).key, now, undefined), previous)?.label;
		expect(change('bounceRate', none)).toBeUndefined();
		expect(change('engagementRate', none)).toBeUndefined();
		expect(change('avgEngagedTimeMs', none)).toBeUndefined();
		expect(change('engagementRate', { ...none, sessions: 2 })).toBeUndefined();
		expect(change('sessions', none)).toBe('none in the previous period');
		expect(change('bounceRate', { ...now, bounceRate: 0.5 })).toBe(
			'down 25 points from 50% in the previous period'
		);
		expect(change('sessions', undefined)).toBeUndefined();
	});
});
