import { describe, expect, test, vi } from 'vitest';
import type { Couch } from '$lib/server/couch';
import { emptySums, totalsFrom } from '$lib/stats/metrics';
import type { TimeseriesPoint } from '$lib/stats/response';
import { NOT_READ, readSitesToday, STILL_INDEXING, todayOf } from './site-numbers';

const none = totalsFrom(emptySums());

/** An hour of 2026-11-21 in Europe/Paris (UTC+1) with these visitors and pageviews. */
function hour(h: number, visitors: number): TimeseriesPoint {
	const hh = String(h).padStart(2, '0');
	const start = new Date(Date.UTC(2026, 10, 20, 23 + h)).toISOString();
	return { ...none, period: `2026-11-21T${hh}:00`, start, visitors, pageviews: visitors * 2 };
}

describe('what the sites list shows of a read of today', () => {
	const read = {
		totals: { ok: true as const, value: { ...none, visitors: 5, pageviews: 10 } },
		timeseries: { ok: true as const, value: [hour(0, 2), hour(1, 3)] },
		indexing: false
	};

	test('the visitors today and of each hour, with nothing to note', () => {
		expect(todayOf(read)).toEqual({
			visitors: 5,
			hours: [
				{ period: '2026-11-21T00:00', start: '2026-11-20T23:00:00.000Z', visitors: 2 },
				{ period: '2026-11-21T01:00', start: '2026-11-21T00:00:00.000Z', visitors: 3 }
			],
			note: null
		});
	});

	test('while indexes are being built, the numbers so far and a note saying so', () => {
		expect(todayOf({ ...read, indexing: true })).toMatchObject({
			visitors: 5,
			note: 'Its indexes are still being built; the numbers may be incomplete.'
		});
		expect(STILL_INDEXING).toBe(
			'Its indexes are still being built; the numbers may be incomplete.'
		);
	});

	const failed = { ok: false as const, message: 'This could not be read just now.' };
	test.each([
		['the totals failed', { ...read, totals: failed }],
		['the time series failed', { ...read, timeseries: failed }],
		['the sections are missing', { indexing: false }],
		['the whole read failed', null]
	])('when %s: a dash, and why', (_, failing) => {
		expect(todayOf(failing)).toEqual({
			visitors: null,
			hours: [],
			note: 'Its numbers could not be read just now; reload the page to try again.'
		});
		expect(NOT_READ).toBe('Its numbers could not be read just now; reload the page to try again.');
	});

	test('a read the dashboard refused says what it refused', () => {
		expect(todayOf({ indexing: false, problem: 'tz: not a time zone' })).toEqual({
			visitors: null,
			hours: [],
			note: 'tz: not a time zone'
		});
	});
});

describe('reading the sites’ numbers', () => {
	test('a store that fails every read leaves each site a dash and why, and the page standing', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		// Every client call fails, as nano's do when the server is gone (a rejected promise).
		const gone: () => unknown = new Proxy(() => {}, {
			get: () => gone,
			apply: () => Promise.reject(new Error('the store is gone'))
		});
		const broken = gone as unknown as Couch;
		const sites = ['a', 'b'].map((id) => ({ id, name: id, timeZone: 'UTC', goals: [] }));
		const NOW = Date.UTC(2026, 10, 21, 12);
		const dash = { visitors: null, hours: [], note: NOT_READ };
		expect(await readSitesToday(broken, sites, NOW)).toEqual({
			today: { a: dash, b: dash },
			readAt: NOW
		});
		expect(logged).toHaveBeenCalled();
		logged.mockRestore();
	});
});
