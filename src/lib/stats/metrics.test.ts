import { describe, expect, test } from 'vitest';
import { addVector, change, emptySums, rate, totalsFrom } from './metrics';

describe('metrics', () => {
	test('totals derive engagement rate, bounce rate and average engaged time', () => {
		const sums = addVector(emptySums(), [20, 8, 5, 10, 6, 3, 7, 125_000, 4]);
		expect(totalsFrom(sums)).toEqual({
			pageviews: 20,
			visitors: 8,
			newVisitors: 5,
			sessions: 10,
			actualSessions: 6,
			engagedSessions: 3,
			engagementRate: 0.5,
			bounceRate: 0.3,
			engagedTimeMs: 125_000,
			avgEngagedTimeMs: 12_500,
			events: 4
		});
	});

	test('visitors that do not add up are null, new visitors too', () => {
		const sums = addVector(emptySums(), [20, 8, 5, 10, 6, 3, 7, 125_000, 4]);
		expect(totalsFrom(sums, { visitorsExact: false, firingsOnly: false })).toMatchObject({
			pageviews: 20,
			visitors: null,
			newVisitors: null,
			sessions: 10
		});
	});

	test("an event's firings tell its sessions, visitors and firings, and nothing else", () => {
		// An outside probe: under `event=signup` three sessions, none bounced, read
		// `bounceRate 1`, `pageviews 0`, `newVisitors 0` (all three were new).
		const sums = addVector(emptySums(), [0, 3, 0, 3, 0, 0, 0, 0, 4]);
		expect(totalsFrom(sums, { visitorsExact: true, firingsOnly: true })).toEqual({
			pageviews: null,
			visitors: 3,
			newVisitors: null,
			sessions: 3,
			actualSessions: null,
			engagedSessions: null,
			engagementRate: null,
			bounceRate: null,
			engagedTimeMs: null,
			avgEngagedTimeMs: null,
			events: 4
		});
		expect(totalsFrom(sums, { visitorsExact: false, firingsOnly: true }).visitors).toBeNull();
	});

	test('rates are 0 without sessions, not NaN', () => {
		const totals = totalsFrom(emptySums());
		expect([totals.engagementRate, totals.bounceRate, totals.avgEngagedTimeMs]).toEqual([0, 0, 0]);
	});

	test('vectors add up element by element', () => {
		const sums = addVector(
			addVector(emptySums(), [1, 1, 1, 1, 0, 0, 0, 0, 0]),
			[1, 0, 0, 0, 0, 0, 0, 500, 2]
		);
		expect([sums.pageviews, sums.visitors, sums.engagedTimeMs, sums.events]).toEqual([
			2, 1, 500, 2
		]);
	});

	test('rates round to four decimals', () => {
		expect(rate(1, 3)).toBe(0.3333);
		expect(rate(2, 0)).toBe(0);
	});

	test('change is relative to the previous period, new from none, null from none to none', () => {
		expect(change(15, 10)).toBe(0.5);
		expect(change(5, 10)).toBe(-0.5);
		expect(change(2, 3)).toBe(-0.3333);
		expect(change(5, 0)).toBe('new');
		expect(change(0, 0)).toBeNull();
		expect(change(0, 4)).toBe(-1);
	});
});
