import { describe, expect, test } from 'vitest';
import { activeNow, latestActivity } from './active';

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
			sessions: []
		});
	});

	test('leaves out sessions idle for more than 2 minutes', () => {
		expect(activeNow([row('a', '/', 121), row('b', '/x', 60)], now)).toEqual({
			visitors: 1,
			byPath: [{ path: '/x', visitors: 1 }],
			sessions: []
		});
	});

	test('is empty without rows', () => {
		expect(activeNow([], now)).toEqual({ visitors: 0, byPath: [], sessions: [] });
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
});
