import { expect, test } from 'vitest';
import { IDS_KEPT, ORIGINS_SHOWN, ORIGINS_TRACKED, RefusedOrigins } from './refused-origins';

const HOUR = 3_600_000;

/** `n` record ids of their own. */
let made = 0;
const ids = (n: number) => Array.from({ length: n }, () => `record-${++made}`);

test('counts the records refused per origin over the last day, the most first', () => {
	const refused = new RefusedOrigins();
	refused.note('shop', 'http://localhost:8080', ids(3), 0);
	refused.note('shop', 'https://www.shop.example', ids(1), HOUR);
	refused.note('shop', 'http://localhost:8080', ids(2), 2 * HOUR);
	refused.note('blog', 'https://blog.example', ids(1), 2 * HOUR);
	expect(refused.list('shop', 3 * HOUR)).toEqual([
		{ origin: 'http://localhost:8080', records: 5, last: 2 * HOUR },
		{ origin: 'https://www.shop.example', records: 1, last: HOUR }
	]);
	// A day after its last refusal an origin is no longer shown, and counts afresh.
	expect(refused.list('shop', 25 * HOUR).map((o) => o.origin)).toEqual(['http://localhost:8080']);
	refused.note('shop', 'https://www.shop.example', ids(1), 26 * HOUR);
	expect(refused.list('shop', 26 * HOUR)[0]).toEqual({
		origin: 'https://www.shop.example',
		records: 1,
		last: 26 * HOUR
	});
	expect(refused.list('other', 0)).toEqual([]);
});

test(`shows the ${ORIGINS_SHOWN} origins with the most records, the latest first among equals`, () => {
	const refused = new RefusedOrigins();
	for (let i = 0; i < ORIGINS_SHOWN + 3; i++)
		refused.note('shop', `https://h${i}.example`, ids(1), i);
	refused.note('shop', 'https://h0.example', ids(1), 20);
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
	refused.note('shop', 'http://localhost:8080', ids(3), 0);
	// An outside re-check pushed the real entry off with 5 such requests when the list kept the latest.
	for (let i = 0; i < 10 * ORIGINS_TRACKED; i++) {
		refused.note('shop', `http://127.0.0.1:${20_000 + i}`, ids(1), 1 + i);
	}
	const listed = refused.list('shop', 10 * ORIGINS_TRACKED + 1);
	expect(listed[0]).toEqual({ origin: 'http://localhost:8080', records: 3, last: 0 });
	expect(listed).toHaveLength(ORIGINS_SHOWN);
	// Only the most recent of the forged ones are still counted: the oldest made room.
	refused.note('shop', 'http://127.0.0.1:20000', ids(1), 10 * ORIGINS_TRACKED + 2);
	expect(refused.list('shop', 10 * ORIGINS_TRACKED + 2)[0].records).toBe(3);
	expect(refused.list('shop', 10 * ORIGINS_TRACKED + 2)[1]).toEqual({
		origin: 'http://127.0.0.1:20000',
		records: 1,
		last: 10 * ORIGINS_TRACKED + 2
	});
});

test('counts each record once, however often a page sends it again (an outside re-check: 9 records showed as 51)', () => {
	const refused = new RefusedOrigins();
	const sent = ids(9);
	refused.note('shop', 'http://127.0.0.2:8080', sent.slice(0, 5), 0);
	refused.note('shop', 'http://127.0.0.2:8080', sent, 1);
	refused.note('shop', 'http://127.0.0.2:8080', sent.slice(3), 2);
	expect(refused.list('shop', 3)).toEqual([
		{ origin: 'http://127.0.0.2:8080', records: 9, last: 2 }
	]);
	// Past the ids it keeps, records count as they come: never fewer than were refused.
	refused.note('shop', 'http://127.0.0.2:8080', ids(IDS_KEPT + 10), 3);
	refused.note('shop', 'http://127.0.0.2:8080', sent, 4);
	expect(refused.list('shop', 5)[0].records).toBe(9 + IDS_KEPT + 10);
});
