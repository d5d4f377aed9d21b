import { expect, test } from 'vitest';
import {
	ADDRESSES_KEPT,
	IDS_KEPT,
	ORIGINS_SHOWN,
	ORIGINS_TRACKED,
	RefusedOrigins,
	stillRefused
} from './refused-origins';

const HOUR = 3_600_000;

/** `n` record ids of their own. */
let made = 0;
const ids = (n: number) => Array.from({ length: n }, () => `record-${++made}`);

test('counts the records refused per origin over the last day, the most first', () => {
	const refused = new RefusedOrigins();
	refused.note('shop', 'http://localhost:8080', ids(3), 0, 'a');
	refused.note('shop', 'https://www.shop.example', ids(1), HOUR, 'a');
	refused.note('shop', 'http://localhost:8080', ids(2), 2 * HOUR, 'a');
	refused.note('blog', 'https://blog.example', ids(1), 2 * HOUR, 'a');
	expect(refused.list('shop', 3 * HOUR)).toEqual([
		{ origin: 'http://localhost:8080', records: 5, last: 2 * HOUR },
		{ origin: 'https://www.shop.example', records: 1, last: HOUR }
	]);
	// A day after its last refusal an origin is no longer shown, and counts afresh.
	expect(refused.list('shop', 25 * HOUR).map((o) => o.origin)).toEqual(['http://localhost:8080']);
	refused.note('shop', 'https://www.shop.example', ids(1), 26 * HOUR, 'a');
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
		refused.note('shop', `https://h${i}.example`, ids(1), i, 'a');
	refused.note('shop', 'https://h0.example', ids(1), 20, 'a');
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
	refused.note('shop', 'http://localhost:8080', ids(3), 0, 'a');
	// An outside re-check pushed the real entry off with 5 such requests when the list kept the latest.
	for (let i = 0; i < 10 * ORIGINS_TRACKED; i++) {
		refused.note('shop', `http://127.0.0.1:${20_000 + i}`, ids(1), 1 + i, 'a');
	}
	const listed = refused.list('shop', 10 * ORIGINS_TRACKED + 1);
	expect(listed[0]).toEqual({ origin: 'http://localhost:8080', records: 3, last: 0 });
	expect(listed).toHaveLength(ORIGINS_SHOWN);
	// Only the most recent of the forged ones are still counted: the oldest made room.
	refused.note('shop', 'http://127.0.0.1:20000', ids(1), 10 * ORIGINS_TRACKED + 2, 'a');
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
	refused.note('shop', 'http://127.0.0.2:8080', sent.slice(0, 5), 0, 'a');
	refused.note('shop', 'http://127.0.0.2:8080', sent, 1, 'a');
	refused.note('shop', 'http://127.0.0.2:8080', sent.slice(3), 2, 'a');
	expect(refused.list('shop', 3)).toEqual([
		{ origin: 'http://127.0.0.2:8080', records: 9, last: 2 }
	]);
	// Past the ids it keeps, records count as they come: never fewer than were refused.
	refused.note('shop', 'http://127.0.0.2:8080', ids(IDS_KEPT + 10), 3, 'a');
	refused.note('shop', 'http://127.0.0.2:8080', sent, 4, 'a');
	expect(refused.list('shop', 5)[0].records).toBe(9 + IDS_KEPT + 10);
});

test('origins refused to more client addresses come first: one address forging many records cannot push a real one off', () => {
	// An outside re-check: 5 requests of 10 well-formed records each, from 5 made-up
	// origins, pushed off a real origin whose 9 records came from three visitors.
	const refused = new RefusedOrigins();
	for (const visitor of ['v1', 'v2', 'v3'])
		refused.note('shop', 'http://127.0.0.1:47313', ids(3), 0, visitor);
	for (let i = 0; i < ORIGINS_SHOWN; i++)
		refused.note('shop', `https://forged-${i}.example`, ids(10), 1 + i, 'forger');
	const listed = refused.list('shop', 10);
	expect(listed[0]).toEqual({ origin: 'http://127.0.0.1:47313', records: 9, last: 0 });
	expect(listed.slice(1).map((o) => o.records)).toEqual(Array(ORIGINS_SHOWN - 1).fill(10));
	// Addresses kept are bounded: past them, an origin ranks as seen from that many.
	for (let i = 0; i < ADDRESSES_KEPT + 50; i++)
		refused.note('shop', 'https://www.shop.example', ids(1), 20, `visitor-${i}`);
	for (let i = 0; i < ADDRESSES_KEPT + 50; i++)
		refused.note('shop', 'https://shop.example', ids(2), 21, `other-${i}`);
	expect(refused.list('shop', 30).map((o) => o.origin)).toEqual([
		'https://shop.example',
		'https://www.shop.example',
		'http://127.0.0.1:47313',
		'https://forged-4.example',
		'https://forged-3.example'
	]);
});

test('a refusal is shown while the site still refuses its origin or host', () => {
	const site = {
		id: 'shop',
		hostnames: ['www.shop.example', '*.shop.example', '!dev.shop.example']
	};
	const shown = (origin: string) => stillRefused(site, { origin, records: 1, last: 0 });
	expect(
		[
			'https://staging.example',
			'https://cart.shop.example',
			'staging.example',
			'cart.shop.example',
			'dev.shop.example'
		].map(shown)
	).toEqual([true, false, true, false, true]);
});
