import { expect, test } from 'vitest';
import { ORIGINS_SHOWN, ORIGINS_TRACKED, RefusedOrigins } from './refused-origins';

const HOUR = 3_600_000;

test('counts the records refused per origin over the last day, the most first', () => {
	const refused = new RefusedOrigins();
	refused.note('shop', 'http://localhost:8080', 3, 0);
	refused.note('shop', 'https://www.shop.example', 1, HOUR);
	refused.note('shop', 'http://localhost:8080', 2, 2 * HOUR);
	refused.note('blog', 'https://blog.example', 1, 2 * HOUR);
	expect(refused.list('shop', 3 * HOUR)).toEqual([
		{ origin: 'http://localhost:8080', records: 5, last: 2 * HOUR },
		{ origin: 'https://www.shop.example', records: 1, last: HOUR }
	]);
	// A day after its last refusal an origin is no longer shown, and counts afresh.
	expect(refused.list('shop', 25 * HOUR).map((o) => o.origin)).toEqual(['http://localhost:8080']);
	refused.note('shop', 'https://www.shop.example', 1, 26 * HOUR);
	expect(refused.list('shop', 26 * HOUR)[0]).toEqual({
		origin: 'https://www.shop.example',
		records: 1,
		last: 26 * HOUR
	});
	expect(refused.list('other', 0)).toEqual([]);
});

test(`shows the ${ORIGINS_SHOWN} origins with the most records, the latest first among equals`, () => {
	const refused = new RefusedOrigins();
	for (let i = 0; i < ORIGINS_SHOWN + 3; i++) refused.note('shop', `https://h${i}.example`, 1, i);
	refused.note('shop', 'https://h0.example', 1, 20);
	expect(refused.list('shop', 30).map((o) => o.origin)).toEqual([
		'https://h0.example',
		...Array.from(
			{ length: ORIGINS_SHOWN - 1 },
			(_, i) => `https://h${ORIGINS_SHOWN + 2 - i}.example`
		)
	]);
});

test('forged requests naming other origins do not push a real one off the list, and what is counted stays bounded', () => {
	const refused = new RefusedOrigins();
	refused.note('shop', 'http://localhost:8080', 3, 0);
	// An outside re-check pushed the real entry off with 5 such requests when the list kept the latest.
	for (let i = 0; i < 10 * ORIGINS_TRACKED; i++) {
		refused.note('shop', `http://127.0.0.1:${20_000 + i}`, 1, 1 + i);
	}
	const listed = refused.list('shop', 10 * ORIGINS_TRACKED + 1);
	expect(listed[0]).toEqual({ origin: 'http://localhost:8080', records: 3, last: 0 });
	expect(listed).toHaveLength(ORIGINS_SHOWN);
	// Only the most recent of the forged ones are still counted: the oldest made room.
	refused.note('shop', 'http://127.0.0.1:20000', 1, 10 * ORIGINS_TRACKED + 2);
	expect(refused.list('shop', 10 * ORIGINS_TRACKED + 2)[0].records).toBe(3);
	expect(refused.list('shop', 10 * ORIGINS_TRACKED + 2)[1]).toEqual({
		origin: 'http://127.0.0.1:20000',
		records: 1,
		last: 10 * ORIGINS_TRACKED + 2
	});
});
