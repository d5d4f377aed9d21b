import { describe, expect, test } from 'vitest';
import { addDays } from '../../stats/time-zone';
import { sampleDates } from '../../../../tests/support/dates';
import { seededRandom } from '../../../../tests/support/synthetic';
import { CouchstatsError } from '../errors';
import { pathOf } from '../../tracker/page';
import { API_PARAMS, parseFilter, parseRangeParams, parseSiteId } from './params';

const now = Date.parse('2026-11-21T23:30:00Z');
const parse = (query: string, tz = 'UTC') => parseRangeParams(new URLSearchParams(query), tz, now);

function refusal(f: () => unknown): { status: number; message: string } {
	try {
		f();
	} catch (e) {
		if (e instanceof CouchstatsError) return { status: e.status, message: e.message };
		throw e;
	}
	throw new Error('expected a refusal');
}

describe('Stats API parameters', () => {
	test('default to the last 30 days up to today in the site time zone, by day', () => {
		expect(parse('', 'Europe/Paris')).toEqual({
			range: { from: '2026-10-24', to: '2026-11-22', tz: 'Europe/Paris' },
			interval: 'day',
			limit: 10,
			compare: 'days'
		});
	});

	test('take from, to, tz, interval and limit', () => {
		expect(
			parse('from=2026-11-01&to=2026-11-02&tz=America/New_York&interval=day&limit=50')
		).toEqual({
			range: { from: '2026-11-01', to: '2026-11-02', tz: 'America/New_York' },
			interval: 'day',
			limit: 50,
			compare: 'days'
		});
	});

	test.each([
		['range=today', { from: '2026-11-22', to: '2026-11-22' }],
		['range=yesterday', { from: '2026-11-21', to: '2026-11-21' }],
		['range=28d', { from: '2026-10-26', to: '2026-11-22' }],
		['range=90d', { from: '2026-08-25', to: '2026-11-22' }],
		['range=lastmonth', { from: '2026-10-01', to: '2026-10-31' }],
		['range=12mo', { from: '2025-12-01', to: '2026-11-22' }],
		['range=year', { from: '2026-01-01', to: '2026-11-22' }],
		['range=custom&from=2026-11-01&to=2026-11-02', { from: '2026-11-01', to: '2026-11-02' }]
	])('take range presets in the zone asked (Asia/Kolkata): %s', (query, dates) => {
		expect(parse(`${query}&tz=Asia/Kolkata`).range).toEqual({ ...dates, tz: 'Asia/Kolkata' });
	});

	test.each([
		['range=month', 'month', '2026-11-01', '2026-11-21'],
		['range=lastmonth', 'month', '2026-10-01', '2026-10-31'],
		['range=year', 'year', '2026-01-01', '2026-11-21'],
		['range=12mo', 'year', '2025-12-01', '2026-11-21'],
		['range=7d', 'days', '2026-11-15', '2026-11-21'],
		['from=2026-10-01&to=2026-10-31', 'month', '2026-10-01', '2026-10-31'],
		['from=2026-11-01&to=2026-11-22', 'days', '2026-11-01', '2026-11-22'],
		['from=2026-11-01&to=2026-11-22&compare=month', 'month', '2026-11-01', '2026-11-22'],
		['range=lastmonth&compare=days', 'days', '2026-10-01', '2026-10-31']
	])('compare %s as asked or as its preset or dates call for: %s', (query, compare, from, to) => {
		expect(parse(query)).toMatchObject({ range: { from, to }, compare });
	});

	test('read range=all from the first record, by the interval of what it finds', () => {
		expect(parse('range=all')).toEqual({
			range: { from: '2016-11-14', to: '2026-11-21', tz: 'UTC' },
			interval: undefined,
			limit: 10,
			compare: 'days',
			fromFirstRecord: true
		});
		expect(parse('range=all&interval=month').interval).toBe('month');
		// Checked once the first record narrows the range (read-stats.ts), not on the ten
		// years `all` may span before it does.
		expect(parse('range=all&interval=hour')).toMatchObject({
			interval: 'hour',
			fromFirstRecord: true
		});
	});

	test.each([
		['', 'site is required, e.g. ?site=demo'],
		['site=Demo!', 'site "Demo!" is not a site id (2–32 lowercase letters, digits or -)'],
		['site=demo&page=/pricing&page=/', 'page is given 2 times; give it once'],
		['site=demo&site=other', 'site is given 2 times; give it once'],
		['site=demo&range=7d&range=30d&range=all', 'range is given 3 times; give it once'],
		// An outside probe: the export took the first of two.
		['site=demo&breakdown=pages&breakdown=sources', 'breakdown is given 2 times; give it once'],
		['site=demo&format=csv&format=json', 'format is given 2 times; give it once']
	])('refuse site in "%s" with 400: %s', (query, message) => {
		expect(refusal(() => parseSiteId(new URLSearchParams(query)))).toEqual({
			status: 400,
			message
		});
	});

	test('a path may be given step by step', () => {
		expect(parseSiteId(new URLSearchParams('site=demo&step=/&step=/pricing'))).toBe('demo');
	});

	// An outside probe: each was answered with the whole site's numbers and `filter: null`.
	test.each(['sorce=newsletter', 'Source=newsletter', 'pages=/a', 'evnt=signup', 'props=plan=pro'])(
		'refuse the parameter no API takes in "%s" with 400 naming it',
		(query) => {
			const name = query.slice(0, query.indexOf('='));
			for (const api of [
				'stats',
				'journeys',
				'paths',
				'sessions',
				'funnels',
				'records',
				'live'
			] as const) {
				const range = (API_PARAMS[api] as readonly string[]).includes('range')
					? '&range=today'
					: '';
				const params = new URLSearchParams(`site=demo${range}&${query}`);
				expect(refusal(() => parseSiteId(params, API_PARAMS[api]))).toEqual({
					status: 400,
					message: `"${name}" is not a parameter of this API: it takes ${API_PARAMS[api].join(', ')}`
				});
			}
		}
	);

	test.each([
		[
			'stats',
			'site=demo&range=custom&from=2026-11-01&to=2026-11-02&tz=UTC&interval=day&limit=5&event=signup&prop=plan=pro'
		],
		['journeys', 'site=demo&page=/&direction=next&source=news&share=s'],
		['paths', 'site=demo&step=/&step=/pricing&source=news'],
		['sessions', 'site=demo&range=7d&page=/&cursor=c&format=csv&limit=1000'],
		['session', 'site=demo&limit=5&after=a'],
		['funnels', 'site=demo&funnel=f&range=7d&cursor=c&format=csv'],
		['records', 'site=demo'],
		['live', 'site=demo&since=s&public=1']
	] as const)('the %s API takes its own parameters: %s', (api, query) => {
		expect(parseSiteId(new URLSearchParams(query), API_PARAMS[api])).toBe('demo');
	});

	test('a parameter of another API is refused, and a breakdown said to be no filter', () => {
		const sessions = new URLSearchParams('site=demo&cursor=c');
		expect(refusal(() => parseSiteId(sessions, API_PARAMS.stats)).message).toMatch(
			/^"cursor" is not a parameter of this API/
		);
		const country = new URLSearchParams('site=demo&country=FR');
		expect(refusal(() => parseSiteId(country, API_PARAMS.sessions)).message).toBe(
			'country is not a filter: numbers are filtered by page, source or event (with prop), one at a time'
		);
		// Funnels refuse every filter with their own message (choice.ts `refuseFilters`).
		expect(parseSiteId(country, API_PARAMS.funnels)).toBe('demo');
	});

	test.each([
		['tz=Europe/berlin', 'Europe/Berlin'],
		['tz=EUROPE/BERLIN', 'Europe/Berlin'],
		['tz=utc', 'UTC'],
		['tz=asia/kolkata', 'Asia/Kolkata'],
		['tz=Asia/Calcutta', 'Asia/Calcutta'],
		['tz=', 'Europe/Berlin'],
		['', 'Europe/Berlin']
	])('read "%s" in the zone named %s', (query, tz) => {
		expect(parse(`range=today&${query}`, 'Europe/Berlin').range.tz).toBe(tz);
	});

	// An outside review: US/Pacific on a site in America/Los_Angeles was read as another zone,
	// and the dashboard said its visitors may count on two days.
	test.each([
		['US/Pacific', 'America/Los_Angeles', 'America/Los_Angeles'],
		['us/pacific', 'America/Los_Angeles', 'America/Los_Angeles'],
		['America/Los_Angeles', 'US/Pacific', 'US/Pacific'],
		['Etc/UTC', 'UTC', 'UTC'],
		['GMT', 'UTC', 'UTC'],
		['Asia/Calcutta', 'Asia/Kolkata', 'Asia/Kolkata'],
		['US/Pacific', 'America/Vancouver', 'US/Pacific']
	])('read tz=%s on a site in %s in the zone named %s', (asked, site, tz) => {
		expect(parse(`range=today&tz=${asked}`, site).range.tz).toBe(tz);
	});

	test.each([
		['from=2026-02-30', 'from "2026-02-30" is not a date written YYYY-MM-DD'],
		['to=tomorrow', 'to "tomorrow" is not a date written YYYY-MM-DD'],
		[
			'from=2026-11-10&to=2026-11-01',
			'the range from 2026-11-10 to 2026-11-01 ends before it starts'
		],
		[
			'from=2000-01-01&to=2026-11-01',
			'the range from 2000-01-01 to 2026-11-01 is 9802 days; the most is 3660'
		],
		['tz=Mars/Olympus', 'tz "Mars/Olympus" is not an IANA time zone like Europe/Paris'],
		[
			'tz=Asia/Kolkata&from=1900-11-01&to=1900-11-01',
			'time zone Asia/Kolkata is at UTC+05:21:10 on 1900-11-01, not a whole number of quarter hours; stats are kept by UTC quarter hour, so such dates cannot be read in this time zone'
		],
		[
			// The range is in IST (+05:30); the 10 days before it start in Madras time.
			'tz=Asia/Kolkata&from=1906-01-02&to=1906-01-11',
			'time zone Asia/Kolkata is at UTC+05:21:10 on 1905-12-23, not a whole number of quarter hours; stats are kept by UTC quarter hour, so such dates cannot be read in this time zone'
		],
		['interval=week', 'interval "week" must be hour, day or month'],
		[
			'range=fortnight',
			'range "fortnight" must be one of today, yesterday, 7d, 28d, 30d, 90d, month, lastmonth, 12mo, year, all, custom'
		],
		[
			'range=7d&from=2026-11-01',
			'range=7d sets the dates itself; give from and to with range=custom or without range'
		],
		[
			'from=2026-01-01&to=2026-11-01&interval=hour',
			'interval hour allows ranges of up to 31 days; the range from 2026-01-01 to 2026-11-01 is 305 days'
		],
		[
			// Once a hang: Date.UTC read the year 0 as 1900.
			'from=0000-01-01&to=0001-01-01',
			'the range from 0000-01-01 to 0001-01-01 and the 367 days before it must lie between 0001-01-01 and 9999-12-30'
		],
		[
			'from=0001-01-01&to=0001-01-01',
			'the range from 0001-01-01 to 0001-01-01 and the 1 day before it must lie between 0001-01-01 and 9999-12-30'
		],
		[
			'from=9999-12-01&to=9999-12-31&interval=month',
			'the range from 9999-12-01 to 9999-12-31 and the period it is compared with (9999-11-01 to 9999-11-30) must lie between 0001-01-01 and 9999-12-30'
		],
		[
			'from=0001-01-01&to=0001-03-05&compare=year',
			'the range from 0001-01-01 to 0001-03-05 and the period it is compared with (0000-01-01 to 0000-03-05) must lie between 0001-01-01 and 9999-12-30'
		],
		[
			'from=2026-11-01&to=2026-11-30&compare=weeks',
			'compare "weeks" must be days (the same number of days just before), month (the same days of the month before) or year (the same dates a year earlier)'
		],
		['limit=0', 'limit "0" must be a whole number from 1 to 9999'],
		['limit=ten', 'limit "ten" must be a whole number from 1 to 9999'],
		['limit=10000', 'limit "10000" must be a whole number from 1 to 9999'],
		['limit=-1', 'limit "-1" must be a whole number from 1 to 9999'],
		['limit=1.5', 'limit "1.5" must be a whole number from 1 to 9999']
	])('refuse %s with 400: %s', (query, message) => {
		expect(refusal(() => parse(query))).toEqual({ status: 400, message });
	});

	test.each([
		['from=2026-02-30', 'from'],
		['to=tomorrow', 'to'],
		['from=2026-11-10&to=2026-11-01', 'to'],
		['from=2000-01-01&to=2026-11-01', 'to']
	])('a bad date or range in %s names the field the range form marks: %s', (query, field) => {
		expect(() => parse(query)).toThrow(expect.objectContaining({ field }));
	});

	test.each(['limit=5000', 'limit=100000', 'limit=99999999999999999999'])(
		'state the one range of a caller’s own limit bounds whatever %s is over it',
		(query) => {
			const bounds = { default: 50, max: 1000 };
			expect(
				refusal(() => parseRangeParams(new URLSearchParams(query), 'UTC', now, bounds))
			).toEqual({ status: 400, message: expect.stringMatching(/from 1 to 1000$/) });
			expect(parseRangeParams(new URLSearchParams('limit=1000'), 'UTC', now, bounds).limit).toBe(
				1000
			);
			expect(parseRangeParams(new URLSearchParams(''), 'UTC', now, bounds).limit).toBe(50);
		}
	);

	test('read the years 0–99 as themselves, not as 1900–1999', () => {
		expect(parse('from=0050-03-01&to=0050-03-02&interval=day').range).toEqual({
			from: '0050-03-01',
			to: '0050-03-02',
			tz: 'UTC'
		});
		expect(parse('from=9999-11-01&to=9999-12-30&interval=month').interval).toBe('month');
	});

	test('answer or refuse with 400 for any range of the years 0000–9999 in every IANA zone', () => {
		const random = seededRandom(12);
		const outcomes = { read: 0, refused: 0 };
		for (const [i, tz] of Intl.supportedValuesOf('timeZone').entries()) {
			for (const from of sampleDates(random, 2)) {
				// Mostly short ranges, and a long one now and then (each costs a day per day).
				const days = i % 100 === 0 ? Math.floor(random() * 3700) : Math.floor(random() * 40);
				const query = new URLSearchParams({ from, to: addDays(from, days), tz });
				try {
					parseRangeParams(query, 'UTC', now);
					outcomes.read++;
				} catch (e) {
					expect(e, `${tz} ${query}`).toBeInstanceOf(CouchstatsError);
					expect((e as CouchstatsError).status).toBe(400);
					outcomes.refused++;
				}
			}
		}
		expect(outcomes.read).toBeGreaterThan(0);
		expect(outcomes.refused).toBeGreaterThan(0);
	}, 60_000);

	describe('filters', () => {
		const filter = (query: string) => parseFilter(new URLSearchParams(query));

		test.each([
			['', null],
			['page=/blog/hello', { kind: 'page', value: '/blog/hello' }],
			['source=news.ycombinator.com', { kind: 'source', value: 'news.ycombinator.com' }],
			['source=(direct)', { kind: 'source', value: '(direct)' }],
			// A host typed in Unicode keeps the sessions of its punycode referrer.
			['source=b%C3%BCcher.example', { kind: 'source', value: 'xn--bcher-kva.example' }],
			['event=signup', { kind: 'event', value: 'signup' }],
			[
				'event=signup&prop=plan=pro',
				{ kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } }
			],
			[
				'event=search&prop=q=a%3Db&prop=x=y',
				{ kind: 'event', value: 'search', prop: { key: 'q', value: 'a=b' } }
			],
			[
				'event=signup&prop=coupon=',
				{ kind: 'event', value: 'signup', prop: { key: 'coupon', value: '' } }
			],
			// As the tracker records them (an outside review: these matched nothing).
			['page=/caf%C3%A9', { kind: 'page', value: '/caf%C3%A9' }],
			['page=/caf%25C3%25A9', { kind: 'page', value: '/caf%C3%A9' }],
			['page=/a%20b/*', { kind: 'page', value: '/a%20b/*' }],
			['source=NEWS.example.com', { kind: 'source', value: 'news.example.com' }],
			['source=www.google.com', { kind: 'source', value: 'google.com' }],
			['source=https://www.Google.com/search?q=x', { kind: 'source', value: 'google.com' }]
		])('"%s" filters by %j', (query, expected) => {
			expect(filter(query)).toEqual(expected);
		});

		test('a page filter on a path longer than records keep is cut where the tracker cuts it', () => {
			// An outside re-check: 121 characters, 1,081 encoded, were refused as "longer than
			// 512 characters", though the tracker records the page cut and the dashboard lists it.
			const path = '/' + '日本語'.repeat(40);
			const recorded = pathOf(new URL('https://blog.example' + path));
			expect(recorded.length).toBeLessThanOrEqual(512);
			expect(filter(`page=${encodeURIComponent(path)}`)).toEqual({ kind: 'page', value: recorded });
		});

		test.each([
			['page=/a&source=x.org', 'only one filter at a time: the request has page and source'],
			// An outside review: these answered the whole site's numbers as if filtered.
			[
				'country=IN',
				'country is not a filter: numbers are filtered by page, source or event (with prop), one at a time'
			],
			[
				'source=x.org&device=mobile',
				'device is not a filter: numbers are filtered by page, source or event (with prop), one at a time'
			],
			['event=', 'event must be a non-empty value without control characters'],
			['event=a%0Ab', 'event must be a non-empty value without control characters'],
			['page=pricing', 'page "pricing" must be a path starting with /'],
			// An outside test: the page the owner typed is told as typed, not percent-encoded.
			['page=%E4%BE%A1%E6%A0%BC', 'page "価格" must be a path starting with /'],
			// A malformed escape is told as given (displayPath leaves what it cannot read).
			['page=%25E4%25BE', 'page "%E4%BE" must be a path starting with /'],
			[
				'page=%2Fa%3Fb%3Dc',
				'page "/a?b=c" must be a path without ? or # (a hash route is #/…): records keep no query string'
			],
			[
				'page=%2Fa%23top',
				'page "/a#top" must be a path without ? or # (a hash route is #/…): records keep no query string'
			],
			[`event=${'e'.repeat(65)}`, 'event is longer than 64 characters'],
			[`source=${'s'.repeat(254)}`, 'source is longer than 253 characters'],
			[
				'prop=plan=pro',
				'prop=key=value goes with event=: it keeps the events of that name with that prop value'
			],
			[
				'page=/a&prop=plan=pro',
				'prop=key=value goes with event=: it keeps the events of that name with that prop value'
			],
			[
				'event=signup&prop=plan',
				'prop "plan" must be key=value without control characters, e.g. prop=plan=pro'
			],
			[
				'event=signup&prop==pro',
				'prop "=pro" must be key=value without control characters, e.g. prop=plan=pro'
			],
			[
				'event=signup&prop=plan=a%0Ab',
				'prop "plan=a\nb" must be key=value without control characters, e.g. prop=plan=pro'
			],
			['event=a|b&prop=plan=pro', 'the event name a|b holds |, so it has no prop filter'],
			['event=a&prop=b|c=pro', 'the prop name b|c holds | or =, so it has no prop filter'],
			[
				`event=a&prop=${'k'.repeat(65)}=v`,
				"prop's name is at most 64 characters and its value at most 256"
			]
		])('refuse "%s" with 400: %s', (query, message) => {
			expect(refusal(() => filter(query))).toEqual({ status: 400, message });
		});
	});
});
