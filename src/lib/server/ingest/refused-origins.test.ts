import { expect, test } from 'vitest';
import { ORIGINS_KEPT, RefusedOrigins } from './refused-origins';

const HOUR = 3_600_000;

test('counts the records refused per origin over the last day, the latest first', () => {
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

test(`keeps the ${ORIGINS_KEPT} origins refused last for a site`, () => {
	const refused = new RefusedOrigins();
	for (let i = 0; i < ORIGINS_KEPT + 3; i++) refused.note('shop', `https://h${i}.example`, 1, i);
	expect(refused.list('shop', 10).map((o) => o.origin)).toEqual(
		Array.from({ length: ORIGINS_KEPT }, (_, i) => `https://h${ORIGINS_KEPT + 2 - i}.example`)
	);
});
