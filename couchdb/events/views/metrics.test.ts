import { describe, expect, test } from 'vitest';
import { METRIC_FIELDS } from '../../../src/lib/stats/metrics';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './metrics.js';

const keys = [
	['demo', 'q', '2026-11-21T14:00'],
	['demo', 'h', '2026-11-21T14'],
	['demo', 'd', '2026-11-21'],
	['demo', 'm', '2026-11']
];

function vector(fields: Partial<Record<(typeof METRIC_FIELDS)[number], number>>) {
	return METRIC_FIELDS.map((field) => fields[field] ?? 0);
}

/** An event with two props, as the tracker records it. */
const signup = { type: 'event', name: 'signup', props: { plan: 'pro', seats: 3 } };

describe('the metrics view', () => {
	test('sums its vectors with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test.each([
		[
			'an entry pageview of a new visitor counts a pageview, visitor, new visitor and session',
			{ type: 'pageview', entry: true, firstOfDay: true, firstEver: true },
			vector({ pageviews: 1, visitors: 1, newVisitors: 1, sessions: 1 })
		],
		[
			'a second session of a new visitor’s first day counts a session, no second new visitor',
			{ type: 'pageview', entry: true, firstOfDay: false, firstEver: true },
			vector({ pageviews: 1, sessions: 1 })
		],
		[
			'a later pageview counts only a pageview',
			{ type: 'pageview', entry: false, firstOfDay: false, firstEver: false, from: '/' },
			vector({ pageviews: 1 })
		],
		[
			'an actual milestone counts an actual session',
			{ type: 'milestone', milestone: 'actual' },
			vector({ actualSessions: 1 })
		],
		[
			'an engaged milestone counts an engaged session',
			{ type: 'milestone', milestone: 'engaged' },
			vector({ engagedSessions: 1 })
		],
		[
			'a nonbounce milestone counts a non-bounce session',
			{ type: 'milestone', milestone: 'nonbounce' },
			vector({ nonbounceSessions: 1 })
		],
		[
			'a heartbeat adds its engaged time',
			{ type: 'heartbeat', engagedMs: 12_500 },
			vector({ engagedTimeMs: 12_500 })
		],
		['an event counts an event', { type: 'event', name: 'signup' }, vector({ events: 1 })],
		[
			'an event that is the visitor’s first activity of the day counts an event and a visitor',
			{ type: 'event', name: 'signup', firstOfDay: true, opensDay: true },
			vector({ events: 1, visitors: 1 })
		],
		[
			'the day’s first pageview after an event or a return opened the day counts no second visitor',
			{ type: 'pageview', entry: false, firstOfDay: true, opensDay: false, firstEver: false },
			vector({ pageviews: 1 })
		],
		[
			'a new visitor’s first pageview after an event opened their first day counts the new visitor',
			{ type: 'pageview', entry: true, firstOfDay: true, opensDay: false, firstEver: true },
			vector({ pageviews: 1, newVisitors: 1, sessions: 1 })
		],
		[
			'a return to a page that is the visitor’s first activity of the day counts only a visitor',
			{ type: 'pageview', entry: false, from: '/b', revisit: true, opensDay: true },
			vector({ visitors: 1 })
		],
		[
			'a return that opens its session (resumed on a page left open) counts the session, no pageview',
			{
				type: 'pageview',
				revisit: true,
				entry: true,
				firstOfDay: false,
				firstEver: true,
				src: '(direct)'
			},
			vector({ sessions: 1 })
		],
		[
			'a return that opens the day and its session counts its visitor and session, no pageview or new visitor, whatever other flags it is sent with',
			{
				type: 'pageview',
				revisit: true,
				opensDay: true,
				entry: true,
				firstOfDay: true,
				firstEver: true
			},
			vector({ visitors: 1, sessions: 1 })
		],
		[
			'a return that opens the day counts only its visitor, whatever other flags it is sent with',
			{
				type: 'pageview',
				revisit: true,
				opensDay: true,
				firstOfDay: true,
				firstEver: true
			},
			vector({ visitors: 1 })
		]
	])('%s, in the hour, day and month bucket', (_, fields, expected) => {
		expect(scoped(runMap(map, record(fields)))).toEqual(keys.map((key) => [key, expected]));
	});

	test('emits the vector in METRIC_FIELDS order', () => {
		const [[, value]] = runMap(map, record({ type: 'heartbeat', engagedMs: 7 }));
		expect((value as number[])[METRIC_FIELDS.indexOf('engagedTimeMs')]).toBe(7);
		expect((value as number[]).length).toBe(METRIC_FIELDS.length);
	});

	test.each([
		['a bot-flagged pageview', { type: 'pageview', entry: true, bot: true }],
		[
			'a revisit (back to a page counted lately: no pageview)',
			{ type: 'pageview', entry: false, from: '/b', revisit: true }
		],
		['a dropped-count record', { type: 'dropped', count: 3 }],
		['a heartbeat without engaged time', { type: 'heartbeat', engagedMs: 0 }],
		['an unknown milestone', { type: 'milestone', milestone: 'other' }],
		['a record without a numeric ts', { type: 'pageview', ts: '2026-11-21' }],
		['a record without a site', { type: 'pageview', site: undefined }],
		['a design document', { _id: '_design/stats', type: undefined }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});

	test('keys by the UTC quarter hour and hour of the event time', () => {
		const rows = scoped(
			runMap(map, record({ type: 'event', name: 'x', ts: Date.UTC(2026, 0, 1, 0, 59, 59, 999) }))
		);
		expect(rows.map(([key]) => key)).toEqual([
			['demo', 'q', '2026-01-01T00:45'],
			['demo', 'h', '2026-01-01T00'],
			['demo', 'd', '2026-01-01'],
			['demo', 'm', '2026-01']
		]);
	});

	test('counts a milestone in the buckets of its session’s start, `since` before it, under every scope', () => {
		// Reached 00:00:30 after a session begun 23:58:40 the day before, on a page of it.
		const fields = {
			type: 'milestone',
			milestone: 'engaged',
			ts: Date.UTC(2026, 11, 6, 0, 0, 30),
			since: 110_000,
			src: 'x.org',
			land: '/pricing'
		};
		const rows = runMap(map, record(fields));
		expect(rows.map(([key]) => (key as unknown[]).slice(1))).toEqual(
			['demo', 'source:x.org', 'page:/pricing'].flatMap(() => [
				['q', '2026-12-05T23:45'],
				['h', '2026-12-05T23'],
				['d', '2026-12-05'],
				['m', '2026-12']
			])
		);
		for (const [, value] of rows) expect(value).toEqual(vector({ engagedSessions: 1 }));
	});

	test.each([
		['without since (made before it existed)', {}],
		['with a negative since', { since: -5 }],
		['with a since that is no number', { since: '110000' }]
	])('counts a milestone %s at its own time', (_, extra) => {
		const fields = { type: 'milestone', milestone: 'actual', ...extra };
		expect(scoped(runMap(map, record(fields))).map(([key]) => key)).toEqual(keys);
	});

	test('counts a heartbeat’s engaged time where its session began too, an event at its own time', () => {
		// An outside re-check: a session begun at 23:59 had its engaged time on the next
		// day, whose average per session then read 42 s for sessions of 3 s.
		const beat = {
			type: 'heartbeat',
			engagedMs: 30_000,
			ts: Date.UTC(2026, 11, 6, 0, 0, 1),
			since: 31_000
		};
		const rows = scoped(runMap(map, record(beat)));
		expect(rows.map(([key]) => (key as unknown[]).slice(1))).toEqual([
			['q', '2026-12-05T23:45'],
			['h', '2026-12-05T23'],
			['d', '2026-12-05'],
			['m', '2026-12']
		]);
		expect(rows[0][1]).toEqual(vector({ engagedTimeMs: 30_000 }));
		const event = { type: 'event', name: 'x', since: 600_000 };
		expect(scoped(runMap(map, record(event))).map(([key]) => key)).toEqual(keys);
	});

	describe('filtered rows', () => {
		/** The day-bucket vector of a record in one filter segment, or undefined. */
		function dayVector(fields: Record<string, unknown>, segment: string) {
			const rows = scoped(runMap(map, record(fields)), segment);
			return rows.find(([key]) => (key as unknown[])[1] === 'd')?.[1];
		}

		test('a record of a session with a source repeats its vector under source:<src>', () => {
			const fields = { type: 'pageview', entry: true, firstOfDay: true, src: 'news.example.com' };
			const rows = scoped(runMap(map, record(fields)), 'source:news.example.com');
			expect(rows.map(([key]) => key)).toEqual([
				[['demo', 'source:news.example.com'], 'q', '2026-11-21T14:00'],
				[['demo', 'source:news.example.com'], 'h', '2026-11-21T14'],
				[['demo', 'source:news.example.com'], 'd', '2026-11-21'],
				[['demo', 'source:news.example.com'], 'm', '2026-11']
			]);
			expect(rows[0][1]).toEqual(vector({ pageviews: 1, visitors: 1, sessions: 1 }));
		});

		test.each([
			[
				'a return that opens its session counts the session under its source, no visitor',
				{
					type: 'pageview',
					path: '/a',
					revisit: true,
					entry: true,
					srcFirstOfDay: true,
					src: '(direct)'
				},
				'source:(direct)',
				vector({ sessions: 1 })
			],
			[
				'a return that opens its session counts the session under its landing page, no visitor',
				{ type: 'pageview', path: '/a', revisit: true, entry: true, pathFirstOfDay: true },
				'page:/a',
				vector({ sessions: 1 })
			],
			[
				'a pageview counts a visitor of its session’s source by srcFirstOfDay, not firstOfDay',
				{ type: 'pageview', entry: true, firstOfDay: false, srcFirstOfDay: true, src: 'x.org' },
				'source:x.org',
				vector({ pageviews: 1, visitors: 1, sessions: 1 })
			],
			[
				'a pageview of a visitor who came from the source before that day is no visitor of it',
				{ type: 'pageview', entry: true, firstOfDay: true, srcFirstOfDay: false, src: 'x.org' },
				'source:x.org',
				vector({ pageviews: 1, sessions: 1 })
			],
			[
				'a pageview counts a visitor of its page by pathFirstOfDay, not firstOfDay',
				{ type: 'pageview', path: '/a', entry: true, firstOfDay: false, pathFirstOfDay: true },
				'page:/a',
				vector({ pageviews: 1, visitors: 1, sessions: 1 })
			],
			[
				'a new visitor’s pageview counts a new visitor of its source once, by srcFirstOfDay',
				{ type: 'pageview', firstOfDay: false, firstEver: true, srcFirstOfDay: true, src: 'x.org' },
				'source:x.org',
				vector({ pageviews: 1, visitors: 1, newVisitors: 1 })
			],
			[
				'a new visitor’s pageview counts a new visitor of its page once, by pathFirstOfDay',
				{ type: 'pageview', path: '/a', firstOfDay: false, firstEver: true, pathFirstOfDay: true },
				'page:/a',
				vector({ pageviews: 1, visitors: 1, newVisitors: 1 })
			],
			[
				'a new visitor’s second view of a page counts no second new visitor of it',
				{ type: 'pageview', path: '/a', firstOfDay: false, firstEver: true, pathFirstOfDay: false },
				'page:/a',
				vector({ pageviews: 1 })
			],
			[
				'a repeat view of a page counts only a pageview of it',
				{ type: 'pageview', path: '/a', entry: false, firstOfDay: true, pathFirstOfDay: false },
				'page:/a',
				vector({ pageviews: 1 })
			],
			[
				'a milestone counts for its session’s landing page, not the page it happened on',
				{ type: 'milestone', milestone: 'actual', path: '/b', land: '/a' },
				'page:/a',
				vector({ actualSessions: 1 })
			],
			[
				'a heartbeat adds engaged time to its page',
				{ type: 'heartbeat', path: '/a', engagedMs: 900 },
				'page:/a',
				vector({ engagedTimeMs: 900 })
			],
			[
				'an event counts on its page',
				{ type: 'event', name: 'signup', path: '/a' },
				'page:/a',
				vector({ events: 1 })
			],
			[
				'an event first of its name in the session and the day is a converting session and visitor',
				{ type: 'event', name: 'signup', firstOfSession: true, firstOfDay: true },
				'event:signup',
				vector({ events: 1, sessions: 1, visitors: 1 })
			],
			[
				'a repeated event counts only as an event',
				{ type: 'event', name: 'signup', firstOfSession: false, firstOfDay: false },
				'event:signup',
				vector({ events: 1 })
			],
			[
				'an event with a prop value first in the session and the day converts under that value',
				{ ...signup, propFirstOfSession: ['plan'], propFirstOfDay: ['seats', 'plan'] },
				'prop:signup|plan=pro',
				vector({ events: 1, sessions: 1, visitors: 1 })
			],
			[
				'the first of the day only is a converting visitor of the value, not a session',
				{ ...signup, propFirstOfSession: ['seats'], propFirstOfDay: ['seats', 'plan'] },
				'prop:signup|plan=pro',
				vector({ events: 1, visitors: 1 })
			],
			[
				'a number value is its string, with its own flags',
				{ ...signup, propFirstOfSession: ['seats'] },
				'prop:signup|seats=3',
				vector({ events: 1, sessions: 1 })
			],
			[
				'an event that opens the visitor’s day counts no visitor of its session’s source',
				{ type: 'event', name: 'signup', opensDay: true, src: 'x.org' },
				'source:x.org',
				vector({ events: 1 })
			],
			[
				'an event that opens the visitor’s day counts no visitor of its page',
				{ type: 'event', name: 'signup', opensDay: true, path: '/a' },
				'page:/a',
				vector({ events: 1 })
			],
			[
				'an event that opens the visitor’s day is no converting visitor when not first of its name',
				{ type: 'event', name: 'signup', firstOfDay: false, opensDay: true },
				'event:signup',
				vector({ events: 1 })
			],
			[
				'an event recorded before prop flags existed counts only as an event',
				{ ...signup, firstOfSession: true, firstOfDay: true },
				'prop:signup|plan=pro',
				vector({ events: 1 })
			]
		])('%s', (_, fields, segment, expected) => {
			expect(dayVector(fields, segment)).toEqual(expected);
		});

		test.each([
			[
				'a milestone of a session without a landing page',
				{ type: 'milestone', milestone: 'actual' },
				'page:/'
			],
			['a record without a source', { type: 'pageview', entry: true }, 'source:(direct)'],
			[
				'a return that opens the visitor’s day',
				{ type: 'pageview', path: '/a', revisit: true, opensDay: true, src: 'x.org' },
				'source:x.org'
			],
			[
				'a return that opens the visitor’s day',
				{ type: 'pageview', path: '/a', revisit: true, opensDay: true, src: 'x.org' },
				'page:/a'
			],
			['a pageview', { type: 'pageview', entry: true }, 'event:pageview'],
			[
				'an event name holding |',
				{ type: 'event', name: 'a|b', props: { c: 'v' } },
				'prop:a|b|c=v'
			],
			['a prop key holding =', { type: 'event', name: 'a', props: { 'b=c': 'v' } }, 'prop:a|b=c=v'],
			['a prop key holding |', { type: 'event', name: 'a', props: { 'b|c': 'v' } }, 'prop:a|b|c=v']
		])('emits no %s row under %s', (_, fields, segment) => {
			expect(dayVector(fields, segment)).toBeUndefined();
		});
	});
});
