import { describe, expect, test } from 'vitest';
import { TokenBuckets, takeAll } from './rate-limit';

function clock(start = 0) {
	const c = { t: start, now: () => c.t };
	return c;
}

const one = (key: string, n = 1) => new Map([[key, n]]);

describe('TokenBuckets', () => {
	test('allows a burst, then refuses with the seconds until a token is back', () => {
		const c = clock();
		const buckets = new TokenBuckets({ burst: 3, perSecond: 0.5 }, c.now);
		expect([1, 2, 3].map(() => buckets.take(one('a')).ok)).toEqual([true, true, true]);
		expect(buckets.take(one('a'))).toEqual({ ok: false, retryAfterSeconds: 2 });
		c.t = 2000;
		expect(buckets.take(one('a'))).toEqual({ ok: true });
	});

	test('keeps keys apart', () => {
		const buckets = new TokenBuckets({ burst: 1, perSecond: 1 }, clock().now);
		expect(buckets.take(one('a')).ok).toBe(true);
		expect(buckets.take(one('b')).ok).toBe(true);
		expect(buckets.take(one('a')).ok).toBe(false);
	});

	test('takes from several buckets all or nothing', () => {
		const buckets = new TokenBuckets({ burst: 10, perSecond: 1 }, clock().now);
		expect(buckets.take(one('a', 8)).ok).toBe(true);
		expect(
			buckets.take(
				new Map([
					['a', 5],
					['b', 5]
				])
			)
		).toEqual({ ok: false, retryAfterSeconds: 3 });
		expect(buckets.available('b')).toBe(10);
		expect(buckets.available('a')).toBe(2);
	});

	test('lets a cost above the burst through on a full bucket and leaves it in debt', () => {
		const c = clock();
		const buckets = new TokenBuckets({ burst: 10, perSecond: 10 }, c.now);
		expect(buckets.take(one('a', 25)).ok).toBe(true);
		expect(buckets.available('a')).toBe(-15);
		expect(buckets.take(one('a', 25))).toEqual({ ok: false, retryAfterSeconds: 3 });
	});

	test('forgets refilled buckets and never holds more than maxKeys', () => {
		const c = clock();
		const buckets = new TokenBuckets({ burst: 2, perSecond: 1 }, c.now, 3);
		for (const key of ['a', 'b', 'c', 'd', 'e']) buckets.take(one(key));
		expect(buckets.size).toBe(3);
		c.t = 10_000;
		buckets.take(one('f'));
		buckets.take(one('g'));
		buckets.take(one('h'));
		buckets.take(one('i'));
		expect(buckets.size).toBe(3);
		expect(buckets.available('i')).toBe(1);
	});

	test('takes from buckets of several families all or nothing', () => {
		const c = clock();
		const perClient = new TokenBuckets({ burst: 3, perSecond: 1 }, c.now);
		const perSession = new TokenBuckets({ burst: 10, perSecond: 1 }, c.now);
		const batch = (n: number) =>
			takeAll([
				[perClient, one('203.0.113.7', n)],
				[perSession, one(`session-${n}`, n)]
			]);
		expect(batch(3)).toEqual({ ok: true });
		expect(batch(2)).toEqual({ ok: false, retryAfterSeconds: 2 });
		expect(perSession.available('session-2')).toBe(10);
		c.t = 2000;
		expect(batch(2)).toEqual({ ok: true });
	});
});
