import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './dimensions.js';

/** The rows of the hour bucket only, as [dimension, value, sessions, visitors]. */
function hourRows(fields: Record<string, unknown>) {
	return runMap(map, record(fields))
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

describe('the dimensions view', () => {
	test('sums its vectors with _sum', () => {
		expect(reduce).toBe('_sum');
	});

	test('an entry pageview counts a session by referrer host, UTM and technology', () => {
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

	test('a first-of-day pageview inside a session counts a visitor by technology only', () => {
		expect(
			hourRows({ type: 'pageview', entry: false, firstOfDay: true, ref: 'https://x.org/', ...tech })
		).toEqual([
			['browser', 'Firefox', 0, 1],
			['os', 'Linux', 0, 1],
			['device', 'desktop', 0, 1],
			['country', 'FR', 0, 1],
			['screen', 'laptop', 0, 1]
		]);
	});

	test('emits each row in the hour, day and month bucket', () => {
		const keys = runMap(map, record({ type: 'pageview', entry: true, ...tech })).map(([key]) =>
			(key as string[]).slice(0, 3).join(' ')
		);
		expect(new Set(keys)).toEqual(
			new Set(['demo h 2026-11-21T14', 'demo d 2026-11-21', 'demo m 2026-11'])
		);
		expect(keys.length).toBe(3 * 6);
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
		['an event', { type: 'event', name: 'x', entry: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
