/**
 * A funnel's sessions read by key span of `session-records` (read-sessions.ts), from the
 * embedded store. All times are November 10 2026, UTC. The funnel: `/` → `/pricing` → the
 * event `signup`. Sessions in session id order (their start):
 *
 * | sessions | when                 | records                                              | steps on Nov 10  |
 * | -------- | -------------------- | ---------------------------------------------------- | ---------------- |
 * | P        | Nov 9 23:55–00:06    | / on Nov 9, / and /pricing after midnight            | none (entered    |
 * |          |                      |                                                      | Nov 9)           |
 * | L        | 07:00–13:30          | / at 07:00 and again at 08:05 (among D's), /pricing, | 3                |
 * |          |                      | signup hours later                                   |                  |
 * | D0–D99   | 08:00–08:16:30, 10 s | / then, by i % 4: /pricing, signup (3); /pricing     | 25 × 3, 50 × 2,  |
 * |          | apart                | (2); / again (1, named twice); signup, /pricing (2)  | 25 × 1           |
 * |          |                      | after every tenth, 20 sessions of one /about         |                  |
 * | S1–S6    | 12:00–12:30          | /, /pricing, signup for S1, S3, S5; S1 and S2, S4 and | 3 × 3, 3 × 2     |
 * |          |                      | S5 adjacent, 20 one-record sessions between S2 and   |                  |
 * |          |                      | S3, S3 and S4, S5 and S6 (every tenth /pricing)      |                  |
 *
 * Nov 10: step 1 = L, D, S = 107; step 2 = 1 + 75 + 6 = 82; step 3 = 1 + 25 + 3 = 29.
 * Rows of / on Nov 10: P 1, L 2, D 125, S 6 = 134, naming 108 sessions.
 *
 * The default bounds read all of these as dense spans; small bounds (4 rows per session,
 * 8 sessions a span) refuse the spans around the filler sessions and split them.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import type { StoredRecord } from '../../src/lib/records';
import { untilIndexed } from '../../src/lib/server/stats/still-indexing';
import { createViewReader } from '../../src/lib/server/stats/view-reader';
import { readFunnel } from '../../src/lib/server/funnels/read-funnel';
import {
	readSessions,
	SPAN_BOUNDS,
	type SpanBounds
} from '../../src/lib/server/funnels/read-sessions';
import type { Funnel, SessionRecord } from '../../src/lib/stats/funnels';
import { sessionRecords, uuidv7At, type SessionFields } from '../support/golden';
import { storeRecords, useCouch } from './harness';

const t = (h: number, m = 0, s = 0, day = 10) => Date.UTC(2026, 10, day, h, m, s);
const SITE = 'spans';

const funnel: Funnel = {
	id: 'f1',
	name: 'Signup',
	steps: [
		{ kind: 'page', path: '/' },
		{ kind: 'page', path: '/pricing' },
		{ kind: 'event', name: 'signup' }
	]
};

/** A pageview; the funnel reads neither the entry nor the first-visit flags. */
const pv = (ts: number, path: string): SessionFields => ({
	type: 'pageview',
	ts,
	path,
	entry: false,
	firstOfDay: false,
	firstEver: false
});
const signup = (ts: number): SessionFields => ({
	type: 'event',
	ts,
	path: '/pricing',
	name: 'signup'
});

let serial = 0;
const all: StoredRecord[] = [];
/** Stores a session's records (when `beforeAll` runs) and returns its id. */
function session(start: number, list: (ts: number) => SessionFields[]): string {
	const sid = uuidv7At(start, ++serial);
	all.push(...sessionRecords(SITE, sid, `v${serial}`, { browser: 'Firefox' }, list(start)));
	return sid;
}
/** `n` sessions of one record each, a second apart from `start`. */
const fillers = (start: number, n: number) =>
	Array.from({ length: n }, (_, i) =>
		session(start + i * 1_000, (ts) => [pv(ts, i % 10 === 9 ? '/pricing' : '/about')])
	);

const P = session(t(23, 55, 0, 9), (ts) => [
	pv(ts, '/'),
	pv(t(0, 5), '/'),
	pv(t(0, 6), '/pricing')
]);
const L = session(t(7), (ts) => [
	pv(ts, '/'),
	pv(t(8, 5), '/'),
	pv(t(13), '/pricing'),
	signup(t(13, 30))
]);
const D: string[] = [];
for (let i = 0; i < 100; i++) {
	const start = t(8) + i * 10_000;
	const steps = [
		(ts: number) => [pv(ts + 1_000, '/pricing'), signup(ts + 2_000)],
		(ts: number) => [pv(ts + 1_000, '/pricing')],
		(ts: number) => [
			pv(ts + 1_000, '/'),
			{ type: 'heartbeat' as const, ts: ts + 2_000, path: '/', engagedMs: 2_000 }
		],
		(ts: number) => [signup(ts + 1_000), pv(ts + 2_000, '/pricing')]
	][i % 4];
	D.push(session(start, (ts) => [pv(ts, '/'), ...steps(ts)]));
	if (i % 10 === 9) fillers(start + 5_000, 20);
}
const whole = (ts: number) => [pv(ts, '/'), pv(ts + 5_000, '/pricing'), signup(ts + 10_000)];
const half = (ts: number) => [pv(ts, '/'), pv(ts + 5_000, '/pricing')];
const S: string[] = [];
S.push(session(t(12), whole), session(t(12, 0, 1), half));
fillers(t(12, 0, 2), 20);
S.push(session(t(12, 10), whole));
fillers(t(12, 10, 1), 20);
S.push(session(t(12, 20), half), session(t(12, 20, 1), whole));
fillers(t(12, 20, 2), 20);
S.push(session(t(12, 30), half));

/** Bounds small enough for the sessions above to be refused around the fillers. */
const SMALL: SpanBounds = { sessions: 8, rowsPerSession: 4, leastHalf: 1 };

/** The ids of a session's records in the view's order (time, then id). */
function recordIds(sid: string): string[] {
	return all
		.filter((r) => r.sid === sid)
		.sort((a, b) => a.ts - b.ts || (a._id < b._id ? -1 : 1))
		.map((r) => r._id);
}

let couch: Couch;

beforeAll(async () => {
	({ couch } = await useCouch());
	await storeRecords(couch, all);
	for (const view of ['funnel-entries', 'session-records']) {
		await untilIndexed(() => couch.events.view('stats', view, { limit: 1, reduce: false }));
	}
});

/** Reads `sids` as a funnel's batch does; what each session handed over, and the reader. */
async function read(sids: string[], bounds?: SpanBounds) {
	const reader = createViewReader(couch);
	const walked = new Map<string, SessionRecord[]>();
	const walk = (sid: string, records: SessionRecord[]) => {
		expect(walked.has(sid)).toBe(false);
		walked.set(sid, records);
	};
	await readSessions(reader, { site: SITE, sids }, walk, { parallel: 8, bounds });
	return { reader, walked };
}

const own = (sids: string[]) => sids.reduce((sum, sid) => sum + recordIds(sid).length, 0);

/** Checks that each of `sids`, and only they, were handed whole and in order. */
function expectWhole(walked: Map<string, SessionRecord[]>, sids: string[]) {
	expect([...walked.keys()].sort()).toEqual([...sids].sort());
	for (const sid of sids) expect(walked.get(sid)!.map((r) => r.id)).toEqual(recordIds(sid));
}

describe('reading the sessions a batch names by key span', () => {
	test('a dense run of sessions is one count and one read per 64 sessions', async () => {
		// D in another order than the view's, with 180 one-record sessions among them.
		const sids = [...D].reverse();
		const { reader, walked } = await read(sids);
		expectWhole(walked, sids);
		// Two runs (64 and 36 sessions), each a _count then one reduce=false read.
		expect(SPAN_BOUNDS.sessions).toBe(64);
		expect(reader.queries).toBe(4);
		expect(reader.rowsRead).toBe(2 + own(sids) + 180);
	});

	test('a span holding too many other rows is halved down to single sessions', async () => {
		// [S1…S6]: 15 rows + 60 others > 6 × 4, refused; [S1 S2 S3] and [S4 S5 S6] each
		// hold 20 others, refused; [S1 S2] and [S4 S5] are read in one span each (5 rows
		// ≤ 2 × 4), S3 and S6 alone, uncounted.
		const { reader, walked } = await read(S, SMALL);
		expectWhole(walked, S);
		expect(reader.queries).toBe(5 + 4);
		// The five counts' rows and the sessions' own records: no other session's row.
		expect(reader.rowsRead).toBe(5 + own(S));
	});

	test('a refused run under twice the least half is read a session at a time', async () => {
		// [S1…S6] refused and halved (6 ≥ 2 × 2); [S1 S2 S3] and [S4 S5 S6] refused, and
		// under 4 sessions: each session alone.
		const { reader, walked } = await read(S, { ...SMALL, leastHalf: 2 });
		expectWhole(walked, S);
		expect(reader.queries).toBe(3 + 6);
		expect(reader.rowsRead).toBe(3 + own(S));
	});

	test('within the bounds, a span is read with the other sessions it holds', async () => {
		// [S1…S6] holds 15 + 60 rows, under 6 × 64: one count, one read, 60 rows of others.
		const { reader, walked } = await read(S);
		expectWhole(walked, S);
		expect(reader.queries).toBe(2);
		expect(reader.rowsRead).toBe(1 + own(S) + 60);
	});

	test('a session whose records lie around other sessions is read whole', async () => {
		const sids = [L, D[0], D[1], S[2], P];
		const { walked } = await read(sids, SMALL);
		expectWhole(walked, sids);
		expect(walked.get(L)!.map((r) => r.value.path)).toEqual(['/', '/', '/pricing', '/pricing']);
	});
});

describe('a funnel read by spans', () => {
	const range = { from: '2026-11-10', to: '2026-11-10', tz: 'UTC' };
	/** Every batch of the funnel's read; the last one. */
	async function funnelOf(batchRows: number, spans?: SpanBounds) {
		let cursor: string | null = null;
		let batches = 0;
		for (;;) {
			const query = { site: SITE, funnel, range, cursor };
			const body = await readFunnel(couch, query, { batchRows, spans });
			batches++;
			if (!body.next) return { body, batches };
			cursor = body.next;
		}
	}

	// 108 sessions named; in batches, a session named by rows of two is read in each, but
	// in the batch right after one that walked it (it goes on in the cursor as walked).
	test.each([
		[250, 'default', 108, 108],
		[250, 'small', 108, 108],
		[7, 'default', 108, 134],
		[7, 'small', 108, 134],
		[1, 'default', 108, 134]
	] as const)(
		'counts each session once at its entry in batches of %i rows, %s bounds',
		async (batchRows, bounds, fewest, most) => {
			const { body, batches } = await funnelOf(batchRows, bounds === 'small' ? SMALL : undefined);
			// The batch after the last full one finds the end of the rows.
			expect(batches).toBe(Math.floor(134 / batchRows) + 1);
			expect(body.steps.map((s) => s.sessions)).toEqual([107, 82, 29]);
			expect(body.progress).toMatchObject({ read: 134, total: 134, done: true });
			expect(body.progress.sessionsRead).toBeGreaterThanOrEqual(fewest);
			expect(body.progress.sessionsRead).toBeLessThanOrEqual(most);
		}
	);
});
