import { describe, expect, test } from 'vitest';
import { record, runMap, scoped, type Emitted } from './fake-emit';
import { map, reduce } from './dimensions.js';

/** The rows of the hour bucket of one scope, as [dimension, value, sessions, visitors]. */
function hourRows(fields: Record<string, unknown>, segment?: string) {
	return scoped(runMap(map, record(fields)), segment)
		.filter(([key]) => (key as string[])[1] === 'h')
		.map(([key, value]) => [...(key as string[]).slice(3), ...(value as number[])]);
}

const tech = {
	browser: 'Firefox',
	os: 'Linux',
	device: 'desktop',
	country: 'FR',
	screen: 'laptop'
};

/** The rows of a visitor counted by technology only (with `tech`). */
const visitorByTech = [
	['browser', 'Firefox', 0, 1],
	['os', 'Linux', 0, 1],
	['device', 'desktop', 0, 1],
	['country', 'FR', 0, 1],
	['screen', 'laptop', 0, 1]
];

describe('the dimensions view', () => {
	test('sums its vectors with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('an entry pageview without a source counts a session by referrer host, UTM and technology', () => {
		expect(
			hourRows({
				type: 'pageview',
				entry: true,
				firstOfDay: true,
				ref: 'https://www.News.example.com:443/item?id=1',
				utm: { source: 'newsletter', medium: 'email', campaign: 'launch' },
				...tech
			})
		).toEqual([
			['referrer', 'news.example.com', 1, 1],
			['utm_source', 'newsletter', 1, 1],
			['utm_medium', 'email', 1, 1],
			['utm_campaign', 'launch', 1, 1],
			['browser', 'Firefox', 1, 1],
			['os', 'Linux', 1, 1],
			['device', 'desktop', 1, 1],
			['country', 'FR', 1, 1],
			['screen', 'laptop', 1, 1]
		]);
	});

	test('an entry pageview counts by its session’s source, its referrer’s host only without one (made before records carried it)', () => {
		// The source of a tagged visit is its utm_source (records.ts sourceOf): an outside
		// review found a newsletter's visitors counted as (direct).
		const rows = hourRows({
			type: 'pageview',
			entry: true,
			firstOfDay: true,
			ref: 'https://l.facebook.com/l.php',
			src: 'newsletter',
			utm: { source: 'Newsletter' }
		});
		expect(rows.filter(([dimension]) => dimension === 'referrer')).toEqual([
			['referrer', 'newsletter', 1, 1]
		]);
	});

	test('an entry pageview without a referrer is direct, unknown technology is (unknown)', () => {
		expect(hourRows({ type: 'pageview', entry: true, firstOfDay: false })).toEqual([
			['referrer', '(direct)', 1, 0],
			['browser', '(unknown)', 1, 0],
			['os', '(unknown)', 1, 0],
			['device', '(unknown)', 1, 0],
			['country', '(unknown)', 1, 0],
			['screen', '(unknown)', 1, 0]
		]);
	});

	test('a return that opens its session (resumed on a page left open) counts the session by its source and technology, no visitor', () => {
		const resumed = {
			type: 'pageview',
			path: '/a',
			entry: true,
			revisit: true,
			firstOfDay: false,
			firstEver: false,
			pathFirstOfDay: false,
			src: '(direct)',
			...tech
		};
		const session = visitorByTech.map(([dim, value]) => [dim, value, 1, 0]);
		expect(hourRows(resumed)).toEqual([['referrer', '(direct)', 1, 0], ...session]);
		expect(hourRows(resumed, 'page:/a')).toEqual([['referrer', '(direct)', 1, 0], ...session]);
	});

	test('a first-of-day pageview inside a session counts a visitor by its session’s source and technology', () => {
		expect(
			hourRows({
				type: 'pageview',
				entry: false,
				firstOfDay: true,
				ref: 'https://y.org/',
				src: 'x.org',
				...tech
			})
		).toEqual([['referrer', 'x.org', 0, 1], ...visitorByTech]);
		// Without a source (a record made before records carried it): by technology only.
		expect(
			hourRows({ type: 'pageview', entry: false, firstOfDay: true, ref: 'https://x.org/', ...tech })
		).toEqual(visitorByTech);
	});

	test('emits each row in the quarter-hour, hour, day, week, month and year bucket', () => {
		const rows: Emitted[] = scoped(runMap(map, record({ type: 'pageview', entry: true, ...tech })));
		const keys = rows.map(([key]) => (key as string[]).slice(0, 3).join(' '));
		expect(new Set(keys)).toEqual(
			new Set([
				'demo q 2026-11-21T14:00',
				'demo h 2026-11-21T14',
				'demo d 2026-11-21',
				'demo w 2026-11-16',
				'demo m 2026-11',
				'demo y 2026'
			])
		);
		expect(keys.length).toBe(6 * 6);
	});

	test.each([
		[
			'a bot-flagged entry pageview',
			{ type: 'pageview', entry: true, firstOfDay: true, bot: true }
		],
		[
			'a pageview that is neither entry nor first of day',
			{ type: 'pageview', entry: false, firstOfDay: false }
		],
		['an event that is neither first of the session nor of the day', { type: 'event', name: 'x' }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});

	describe('filtered rows', () => {
		test('a session’s rows repeat under its source', () => {
			const fields = { type: 'pageview', entry: true, firstOfDay: true, src: 'x.org', ...tech };
			expect(hourRows(fields, 'source:x.org')).toEqual(hourRows(fields));
		});

		test('a visitor counts by referrer and UTM, and under the source, as first of the day from that source (srcFirstOfDay), by technology as first of the day', () => {
			// An outside review: a visitor who came back the same day from another source was
			// no visitor of it.
			const fields = {
				type: 'pageview',
				entry: true,
				firstOfDay: false,
				srcFirstOfDay: true,
				ref: 'https://x.org/',
				src: 'x.org',
				utm: { campaign: 'launch' },
				...tech
			};
			const sessionByTech = visitorByTech.map(([dim, value]) => [dim, value, 1, 0]);
			expect(hourRows(fields)).toEqual([
				['referrer', 'x.org', 1, 1],
				['utm_campaign', 'launch', 1, 1],
				...sessionByTech
			]);
			expect(hourRows(fields, 'source:x.org')).toEqual([
				['referrer', 'x.org', 1, 1],
				['utm_campaign', 'launch', 1, 1],
				...visitorByTech.map(([dim, value]) => [dim, value, 1, 1])
			]);
			// First of the day, but not from this source: by technology only.
			expect(hourRows({ ...fields, entry: false, firstOfDay: true, srcFirstOfDay: false })).toEqual(
				visitorByTech
			);
		});

		/** A visitor's first view of /a that day, later in a session. */
		const laterView = {
			type: 'pageview',
			path: '/a',
			entry: false,
			firstOfDay: false,
			pathFirstOfDay: true,
			...tech
		};

		test('a page’s visitor who did not land on it counts by the session’s source too (an outside review: referrers left them out)', () => {
			expect(hourRows({ ...laterView, src: 'x.org', utm: { source: 'nl' } }, 'page:/a')).toEqual([
				['referrer', 'x.org', 0, 1],
				...visitorByTech
			]);
		});

		test('a pageview counts its page’s landing sessions and visitors', () => {
			expect(hourRows(laterView, 'page:/a')).toEqual(visitorByTech);
		});

		test('an event converting for a prop value counts by source and technology under it', () => {
			const event = {
				type: 'event',
				name: 'signup',
				src: 'x.org',
				props: { plan: 'pro' },
				...tech
			};
			const value = (fields: object) => hourRows({ ...event, ...fields }, 'prop:signup|plan=pro');
			expect(value({ propFirstOfDay: ['plan'], firstOfSession: true })).toEqual([
				['referrer', 'x.org', 0, 1],
				['browser', 'Firefox', 0, 1],
				['os', 'Linux', 0, 1],
				['device', 'desktop', 0, 1]
			]);
			// Converting under the name but not the value; and recorded before prop flags.
			expect(value({ propFirstOfDay: ['other'], firstOfSession: true })).toEqual([]);
		});

		test('a converting event counts by its session’s source and its technology', () => {
			expect(
				hourRows(
					{
						type: 'event',
						name: 'signup',
						firstOfSession: true,
						firstOfDay: false,
						src: 'x.org',
						...tech
					},
					'event:signup'
				)
			).toEqual([
				['referrer', 'x.org', 1, 0],
				['browser', 'Firefox', 1, 0],
				['os', 'Linux', 1, 0],
				['device', 'desktop', 1, 0]
			]);
		});
	});

	describe('by host', () => {
		const hostRows = (fields: Record<string, unknown>) =>
			runMap(map, record({ type: 'pageview', entry: false, firstOfDay: false, ...fields }))
				.filter(([key]) => (key as unknown[])[3] === 'host')
				.map(([key, value]) => [...(key as unknown[]).slice(0, 2), (key as unknown[])[4], value]);

		test('an entry pageview counts a session and, first on its host that day, a visitor of it in every bucket', () => {
			expect(
				hostRows({ entry: true, firstOfDay: true, hostFirstOfDay: true, host: 'www.example.com' })
			).toEqual(['q', 'h', 'd', 'w', 'm', 'y'].map((g) => ['demo', g, 'www.example.com', [1, 1]]));
		});

		test('a later pageview first on a second host counts a visitor of it, and nothing else', () => {
			const rows = runMap(
				map,
				record({
					type: 'pageview',
					entry: false,
					firstOfDay: false,
					srcFirstOfDay: false,
					pathFirstOfDay: true,
					hostFirstOfDay: true,
					host: 'shop.example.com',
					src: 'google.com',
					...tech
				})
			);
			expect(
				scoped(rows).map(([key, value]) => [
					...(key as string[]).slice(1, 2),
					...(key as string[]).slice(3),
					value
				])
			).toEqual(['q', 'h', 'd', 'w', 'm', 'y'].map((g) => [g, 'host', 'shop.example.com', [0, 1]]));
		});

		test('no filter scope has host rows, and a pageview without a host or any first has none', () => {
			const page = { entry: true, firstOfDay: true, hostFirstOfDay: true, host: 'www.example.com' };
			const filtered = runMap(map, record({ type: 'pageview', src: 'x.org', path: '/a', ...page }))
				.filter(([key]) => Array.isArray((key as unknown[])[0]))
				.filter(([key]) => (key as unknown[])[3] === 'host');
			expect(filtered).toEqual([]);
			expect(hostRows({ entry: true, firstOfDay: true })).toEqual([]);
			expect(hostRows({ host: 'www.example.com', hostFirstOfDay: false })).toEqual([]);
			expect(hostRows({ ...page, bot: true })).toEqual([]);
		});
	});
});
