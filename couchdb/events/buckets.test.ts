/**
 * The time-bucketed views each spell out the `buckets` list and its emit loop (a map
 * function is ES5 text with no shared library: the embedded view engine has no
 * `require`, and a change to a view's text rebuilds its index in CouchDB). This test
 * keeps the copies from drifting: every view whose key names a granularity emits each
 * record once per granularity src/lib/stats/buckets.ts gives it (`granularitiesOf`, what
 * its reads cover a range with), in that order, under the bucket key `bucketKey` gives,
 * and says so in its header.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { bucketKey, granularitiesOf } from '../../src/lib/stats/buckets';
import { oneOfEach } from '../../tests/support/ingest-records';
import { runMap } from './views/fake-emit';

const viewsDir = path.join(import.meta.dirname, 'views');
const files = fs.readdirSync(viewsDir).filter((f) => f.endsWith('.js'));
const headerKey = (file: string) =>
	/^\/\/ key: +(.*)$/m.exec(fs.readFileSync(path.join(viewsDir, file), 'utf8'))?.[1] ?? '';
const bucketed = files.filter((file) => headerKey(file).includes('granularity'));
const granularities = (file: string) => granularitiesOf(file.replace(/\.js$/, ''));

/**
 * Where a view's header puts the granularity and the bucket among the key's elements
 * (most views `[scope, granularity, bucket, …]`; `paths` has its trail between them).
 */
function bucketPlaces(file: string): { g: number; bucket: number } {
	const elements: string[] = [''];
	let depth = 0;
	for (const ch of headerKey(file).trim().slice(1, -1)) {
		if ('([{'.includes(ch)) depth++;
		if (')]}'.includes(ch)) depth--;
		if (ch === ',' && depth === 0) elements.push('');
		else elements[elements.length - 1] += ch;
	}
	const at = (word: string) => elements.findIndex((e) => e.trim().startsWith(word));
	return { g: at('granularity'), bucket: at('UTC bucket') };
}

/** Instants in each quarter of an hour, at the edges of a day, a week, a month and a year. */
const INSTANTS = [
	Date.UTC(2026, 10, 22, 23, 59, 59, 999),
	Date.UTC(2026, 10, 23),
	Date.UTC(1969, 11, 31, 12),
	Date.UTC(2026, 10, 21, 14, 5, 30),
	Date.UTC(2026, 10, 21, 14, 29, 59, 999),
	Date.UTC(2026, 10, 30, 23, 30),
	Date.UTC(2026, 11, 31, 23, 59, 59, 999),
	Date.UTC(2027, 0, 1, 0, 15)
];

/** Every record type, with the fields each view reads (a 404 pageview with `from` too). */
function records(ts: number): Record<string, unknown>[] {
	const all = oneOfEach(ts);
	return [...all, { ...all[0], _id: `${all[0]._id}-404`, notFound: true, from: '/old' }];
}

describe('the time-bucketed views', () => {
	test('are the views whose key names a granularity', () => {
		expect(bucketed.length).toBeGreaterThanOrEqual(10);
		for (const file of files) {
			const text = fs.readFileSync(path.join(viewsDir, file), 'utf8');
			expect(/var buckets = \[/.test(text), file).toBe(bucketed.includes(file));
		}
	});

	test.each(bucketed)('%s names the granularities of buckets.ts in its header', (file) => {
		const names = granularities(file)
			.map((g) => `'${g}'`)
			.join(' | ');
		expect(headerKey(file)).toContain(`granularity (${names})`);
	});

	test.each(bucketed)(
		'%s emits each row once per granularity of buckets.ts, under its bucket key',
		async (file) => {
			const { map } = await import(/* @vite-ignore */ path.join(viewsDir, file));
			const places = bucketPlaces(file);
			expect(places.g, 'the header names the granularity').toBeGreaterThan(0);
			expect(places.bucket, 'the header names the UTC bucket').toBeGreaterThan(places.g);
			let emitted = 0;
			for (const ts of INSTANTS) {
				for (const doc of records(ts)) {
					// Rows that differ only in granularity and bucket are one row's copies.
					const copies = new Map<string, [unknown, unknown][]>();
					for (const [key, value] of runMap(map, doc)) {
						const k = key as unknown[];
						const rest = k.filter((_, i) => i !== places.g && i !== places.bucket);
						const id = JSON.stringify([rest, value]);
						copies.set(id, [...(copies.get(id) ?? []), [k[places.g], k[places.bucket]]]);
						emitted++;
					}
					// A milestone counts at its session's start, `since` before it (metrics.js).
					const at = doc.type == 'milestone' && typeof doc.since == 'number' ? ts - doc.since : ts;
					for (const buckets of copies.values()) {
						expect(buckets).toEqual(granularities(file).map((g) => [g, bucketKey(g, at)]));
					}
				}
			}
			expect(emitted, 'the records make the view emit').toBeGreaterThan(0);
		}
	);
});
