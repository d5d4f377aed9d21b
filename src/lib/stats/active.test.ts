import { describe, expect, test } from 'vitest';
import { LATEST_MAX, activeNow, latestActivity, liveRecord, newestListed } from './active';

const now = Date.parse('2026-11-21T14:05:00Z');
const row = (sid: string, path: string, secondsAgo: number) => ({
	key: ['demo', '2026-11-21T14:0x', sid, path],
	value: { max: now - secondsAgo * 1000 }
});

describe('active now', () => {
	test('counts each session once, at the path of its latest activity', () => {
		expect(
			activeNow(
				[row('a', '/', 100), row('a', '/docs', 20), row('b', '/', 5), row('c', '/docs', 119)],
				now
			)
		).toEqual({
			visitors: 3,
			byPath: [
				{ path: '/docs', visitors: 2 },
				{ path: '/', visitors: 1 }
			],
			sessions: [],
			latest: []
		});
	});

	test('leaves out sessions idle for more than 2 minutes', () => {
		expect(activeNow([row('a', '/', 121), row('b', '/x', 60)], now)).toEqual({
			visitors: 1,
			byPath: [{ path: '/x', visitors: 1 }],
			sessions: [],
			latest: []
		});
	});

	test('is empty without rows', () => {
		expect(activeNow([], now)).toEqual({ visitors: 0, byPath: [], sessions: [], latest: [] });
	});

	test('lists each active session at its latest path, latest activity first', () => {
		expect(
			latestActivity(
				[row('a', '/', 100), row('a', '/docs', 20), row('b', '/', 5), row('c', '/x', 121)],
				now
			)
		).toEqual([
			{ sid: 'b', path: '/', at: now - 5000 },
			{ sid: 'a', path: '/docs', at: now - 20_000 }
		]);
	});

	test('a record is listed by its type, a revisit as a return, with its event name only', () => {
		expect(liveRecord({ type: 'pageview', path: '/a', revisit: true }, 5)).toEqual({
			type: 'return',
			path: '/a',
			ts: 5
		});
		expect(liveRecord({ type: 'pageview', path: '/a' }, 5)).toEqual({
			type: 'pageview',
			path: '/a',
			ts: 5
		});
		expect(liveRecord({ type: 'event', path: '/a', name: 'buy' }, 6)).toEqual({
			type: 'event',
			path: '/a',
			name: 'buy',
			ts: 6
		});
	});

	test('the latest-events list keeps pageviews, returns and events, the newest first, at most LATEST_MAX', () => {
		const records = [
			{ type: 'heartbeat', path: '/', ts: 100 },
			{ type: 'milestone', path: '/', ts: 99 },
			{ type: 'return', path: '/', ts: 98 },
			...Array.from({ length: LATEST_MAX + 3 }, (_, i) => ({ type: 'pageview', path: '/p', ts: i }))
		];
		const listed = newestListed(records);
		expect(listed).toHaveLength(LATEST_MAX);
		expect(listed[0]).toEqual({ type: 'return', path: '/', ts: 98 });
		expect(listed.slice(1).map((r) => r.ts)).toEqual(
			Array.from({ length: LATEST_MAX - 1 }, (_, i) => LATEST_MAX + 2 - i)
		);
	});
});
