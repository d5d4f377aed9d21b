import { describe, expect, test } from 'vitest';
import { ID_PATTERN, REV_PATTERN, revisionFor } from '../../records';
import { Classifier, LineParser, parseCsvLine, parseTimestamp, uuidv7From } from './backfill';

function classifyAll(lines: string[], options: { milestones?: boolean; tz?: string } = {}) {
	const parser = new LineParser();
	const classifier = new Classifier({
		defaultSite: 'demo',
		timeZoneOf: () => options.tz ?? 'UTC',
		milestones: options.milestones,
		receivedAt: 1
	});
	return lines.flatMap((line, i) => {
		const row = parser.parse(line, i + 1);
		return row ? classifier.classify(row, i + 1) : [];
	});
}

const pick = (r: Record<string, unknown>) =>
	[r.type, r.path, r.entry, r.firstOfDay, r.firstEver, r.from, r.milestone].filter(
		(x) => x !== undefined
	);

describe('backfill', () => {
	test('classifies a visit like the tracker would: entry, first of day, first ever, from', () => {
		const records = classifyAll(
			[
				'timestamp,path,visitor_id,referrer',
				'2026-11-01T10:00:00Z,/,alice,https://google.com/',
				'2026-11-01T10:05:00Z,/docs,alice,',
				// 40 minutes later: a new session, same day
				'2026-11-01T10:45:00Z,/,alice,',
				// the next day
				'2026-11-02T09:00:00Z,/,alice,'
			],
			{ milestones: false }
		);
		expect(records.map((r) => pick(r as never))).toEqual([
			['pageview', '/', true, true, true],
			['pageview', '/docs', false, false, false, '/'],
			['pageview', '/', true, false, false],
			['pageview', '/', true, true, false]
		]);
		expect(records[0]).toMatchObject({
			ref: 'https://google.com/',
			site: 'demo',
			v: 1,
			receivedAt: 1
		});
		expect(new Set(records.map((r) => r.sid)).size).toBe(3);
		expect(new Set(records.map((r) => r.vid)).size).toBe(1);
	});

	test('marks the first pageview of each path in the visitor’s day, for page visitors', () => {
		const records = classifyAll(
			[
				'timestamp,path,visitor_id',
				'2026-11-01T10:00:00Z,/,alice',
				'2026-11-01T10:05:00Z,/docs,alice',
				'2026-11-01T10:06:00Z,/,alice',
				'2026-11-01T18:00:00Z,/docs,alice',
				'2026-11-02T09:00:00Z,/docs,alice'
			],
			{ milestones: false }
		);
		expect(
			records.map((r) => [r.path, (r as { pathFirstOfDay?: boolean }).pathFirstOfDay])
		).toEqual([
			['/', true],
			['/docs', true],
			['/', false],
			['/docs', false],
			['/docs', true]
		]);
	});

	test('decides first of day in the site time zone', () => {
		const records = classifyAll(
			[
				'{"timestamp":"2026-11-01T22:30:00Z","path":"/","visitor_id":"bob"}',
				'{"timestamp":"2026-11-01T23:30:00Z","path":"/","visitor_id":"bob"}'
			],
			{ tz: 'Europe/Paris', milestones: false }
		);
		// 23:30 and 00:30 in Paris: two local days, so both pageviews are first of their day.
		expect(records.map((r) => (r as { firstOfDay: boolean }).firstOfDay)).toEqual([true, true]);
		const utc = classifyAll(
			[
				'{"timestamp":"2026-11-01T22:30:00Z","path":"/","visitor_id":"bob"}',
				'{"timestamp":"2026-11-01T23:30:00Z","path":"/","visitor_id":"bob"}'
			],
			{ tz: 'UTC', milestones: false }
		);
		expect(utc.map((r) => (r as { firstOfDay: boolean }).firstOfDay)).toEqual([true, false]);
	});

	test('uses given session ids, and events and heartbeats join their session', () => {
		const records = classifyAll([
			'{"timestamp":1762000000000,"path":"/a","session_id":"s1","visitor_id":"v1"}',
			'{"timestamp":1762000005000,"path":"/a","session_id":"s1","visitor_id":"v1","engaged_ms":12000}',
			'{"timestamp":1762000006000,"path":"/a","session_id":"s1","visitor_id":"v1","event":"signup","props":{"plan":"pro","n":2}}'
		]);
		expect(records.map((r) => pick(r as never))).toEqual([
			['pageview', '/a', true, true, true],
			['heartbeat', '/a'],
			['milestone', '/a', 'actual'],
			['milestone', '/a', 'nonbounce'],
			['event', '/a'],
			['milestone', '/a', 'engaged']
		]);
		expect(records[4]).toMatchObject({ name: 'signup', props: { plan: 'pro', n: 2 } });
		expect(new Set(records.map((r) => r.sid)).size).toBe(1);
	});

	test('makes valid, deterministic UUIDv7 ids whose time bits are the event time', () => {
		const lines = ['{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"alice"}'];
		const [a] = classifyAll(lines);
		const [b] = classifyAll(lines);
		expect(a._id).toBe(b._id);
		expect(a._id).toMatch(ID_PATTERN);
		expect(a.sid).toMatch(ID_PATTERN);
		expect(a._rev).toBe(revisionFor(a._id));
		expect(a._rev).toMatch(REV_PATTERN);
		expect(parseInt(a._id.replaceAll('-', '').slice(0, 12), 16)).toBe(
			Date.parse('2026-11-01T10:00:00Z')
		);
		expect(a.vid).toMatch(/^[0-9A-Za-z_-]{16,64}$/);
	});

	test('gives identical lines different ids, so true repeats are all kept', () => {
		const line =
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"alice","event":"click"}';
		const records = classifyAll([line, line], { milestones: false });
		expect(records[0]._id).not.toBe(records[1]._id);
	});

	test('takes the path and UTM parameters from a full url', () => {
		const [record] = classifyAll([
			'{"timestamp":"2026-11-01T10:00:00Z","url":"https://x.org/p?utm_source=nl&utm_medium=email#top","visitor_id":"a"}'
		]);
		expect(record).toMatchObject({ path: '/p', utm: { source: 'nl', medium: 'email' } });
	});

	test.each([
		[
			'{"path":"/","visitor_id":"a"}',
			'line 1: timestamp must be ISO 8601 (2026-11-21T14:05:00Z) or epoch milliseconds'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"x","visitor_id":"a"}',
			'line 1: path must start with / (or give a full url)'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/"}',
			'line 1: needs a visitor_id or a session_id'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","engaged_ms":500000}',
			'line 1: engaged_ms must be a whole number from 0 to 120000'
		],
		[
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a","type":"dropped"}',
			'line 1: type must be pageview, event or heartbeat'
		],
		['[1,2]', 'line 1: is not a JSON object (NDJSON: one object per line)']
	])('refuses %s: %s', (line, message) => {
		expect(() => classifyAll([line])).toThrow(message);
	});

	test('refuses lines out of time order for one visitor', () => {
		expect(() =>
			classifyAll([
				'{"timestamp":"2026-11-01T10:00:00Z","path":"/","visitor_id":"a"}',
				'{"timestamp":"2026-11-01T09:00:00Z","path":"/","visitor_id":"a"}'
			])
		).toThrow(
			'line 2: is earlier than the previous line of the same visitor; sort the file by timestamp'
		);
	});

	test('splits CSV lines with quotes', () => {
		expect(parseCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
	});

	test.each([
		['2026-11-01T10:00:00Z', Date.parse('2026-11-01T10:00:00Z')],
		['2026-11-01T11:00:00+01:00', Date.parse('2026-11-01T10:00:00Z')],
		[1762000000000, 1762000000000],
		['1762000000', 1762000000000],
		['yesterday', undefined]
	])('reads the timestamp %s', (value, expected) => {
		expect(parseTimestamp(value)).toBe(expected);
	});

	test('derives UUIDv7 variants and versions from any seed', () => {
		for (const seed of ['a', 'b', 'c', 'd', 'e']) expect(uuidv7From(0, seed)).toMatch(ID_PATTERN);
	});
});
