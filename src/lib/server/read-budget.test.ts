import { describe, expect, test } from 'vitest';
import {
	READ_BUDGET,
	READS_AT_ONCE,
	ReadBudget,
	readerOf,
	tooManyReads,
	type Started
} from './read-budget';

const request = (routeId: string, over: Partial<Parameters<typeof readerOf>[0]> = {}) =>
	readerOf({
		method: 'GET',
		routeId,
		params: {},
		url: new URL('http://app.test/x'),
		authorization: null,
		address: () => '203.0.113.9',
		...over
	});

describe('readerOf', () => {
	test('names the credential a read comes with: a share link from its address, else a token', () => {
		expect(request('/api/v1/stats', { authorization: 'Bearer cst_abc' })).toBe('token cst_abc');
		const shared = new URL('http://app.test/api/v1/stats?share=shr_x');
		expect(request('/api/v1/stats/export', { url: shared, authorization: 'Bearer cst_abc' })).toBe(
			'share shr_x from 203.0.113.9'
		);
		expect(request('/share/[secret]/sessions', { params: { secret: 'shr_y' } })).toBe(
			'share shr_y from 203.0.113.9'
		);
		expect(
			request('/sites/[site]/(dashboard)', {
				authorization: 'Bearer cst_abc',
				address: () => '::1'
			})
		).toBe('token cst_abc');
	});

	test("covers no write, stream, ingest, visitor endpoint, public page, account's read or request without credentials", () => {
		const authorization = 'Bearer cst_abc';
		expect(request('/sites/[site]/settings', { authorization, method: 'POST' })).toBeUndefined();
		expect(request('/api/v1/live', { authorization })).toBeUndefined();
		expect(request('/api/v1/visitor', { authorization })).toBeUndefined();
		expect(request('/api/ingest/[...path]', { authorization })).toBeUndefined();
		expect(request('/(demo)/stats', { authorization })).toBeUndefined();
		expect(request('/sites', { authorization })).toBeUndefined();
		// An account's session (a cookie) names no reader: only the read's own checks.
		expect(request('/sites/[site]/(dashboard)')).toBeUndefined();
		expect(request('/api/v1/stats')).toBeUndefined();
	});
});

describe('ReadBudget', () => {
	test('a reader spends its read time: refused once it is spent, until enough came back; others read on', () => {
		let now = 0;
		const budget = new ReadBudget(READ_BUDGET, () => now);
		const read = (reader: string, ms: number) => {
			const started = budget.start(reader);
			if (!started.ok) return started.retryAfterSeconds;
			now += ms;
			started.end();
			return 'read';
		};
		// 10 s when full, and half of the time read back: 19 reads of a second in a row pass.
		let reads = 0;
		while (read('share a', 1000) === 'read') reads++;
		expect(reads).toBe(19);
		expect(read('share a', 1000)).toBe(1);
		expect(read('user b', 1000)).toBe('read');
		now += 2;
		expect(read('share a', 1000)).toBe('read');
		// That read left it half a second in debt: a second to wait.
		expect(read('share a', 10)).toBe(1);
		now += 1000;
		expect(read('share a', 10)).toBe('read');
		// A read dearer than a full bucket passes, and leaves it in debt: 20 s, paid back in 40.
		expect(read('token c', 30_000)).toBe('read');
		expect(read('token c', 10)).toBe(41);
	});

	test('reads that run together are each charged their share of the time', () => {
		let now = 0;
		const budget = new ReadBudget({ burst: 1000, perSecond: 0 }, () => now);
		const [a, b] = [budget.start('share a'), budget.start('user b')];
		now = 1000;
		for (const read of [a, b]) if (read.ok) read.end();
		// Half of the second each: half of a's bucket is left, for one more read of 500 ms.
		const again = budget.start('share a');
		expect(again.ok).toBe(true);
		now += 500;
		if (again.ok) again.end();
		expect(budget.start('share a').ok).toBe(false);
		expect(budget.start('user b').ok).toBe(true);
	});

	test(`at most ${READS_AT_ONCE} reads of one reader run at once`, () => {
		const budget = new ReadBudget(READ_BUDGET, () => 0);
		const running = Array.from({ length: READS_AT_ONCE }, () => budget.start('token t'));
		expect(running.every((r) => r.ok)).toBe(true);
		expect(budget.start('token t')).toEqual({ ok: false, retryAfterSeconds: 1 });
		expect(budget.start('user u').ok).toBe(true);
		const [first] = running;
		if (first.ok) {
			first.end();
			first.end(); // Ending twice frees one place only.
		}
		expect(budget.start('token t').ok).toBe(true);
		expect(budget.start('token t').ok).toBe(false);
	});
});

describe("share links' reads, all readers together", () => {
	const publicReads = { atOnce: 2, waiting: 2 };
	/** Whether a turn has come (true), was dropped (false) or is still awaited (undefined). */
	const turnOf = async (started: Started): Promise<boolean | undefined> => {
		if (!started.ok) throw new Error('refused');
		let turn: boolean | undefined;
		void started.turn.then((t) => (turn = t));
		// Settled turns answer within a few microtasks.
		for (let i = 0; i < 5; i++) await Promise.resolve();
		return turn;
	};

	test('run a few at once whatever their addresses; the next wait their turn, in order, and past the line are refused', async () => {
		const budget = new ReadBudget(READ_BUDGET, () => 0, publicReads);
		const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((at) => budget.start(`share s from ${at}`));
		expect(await turnOf(a)).toBe(true);
		expect(await turnOf(b)).toBe(true);
		expect(await turnOf(c)).toBeUndefined();
		expect(await turnOf(d)).toBeUndefined();
		expect(budget.start('share s from e')).toEqual({ ok: false, retryAfterSeconds: 1 });
		// Owners' reads have no reader; a token's read never waits in that line.
		expect(await turnOf(budget.start('token t'))).toBe(true);
		if (a.ok) a.end();
		expect(await turnOf(c)).toBe(true);
		expect(await turnOf(d)).toBeUndefined();
		// A read whose client left while it waited leaves the line, and makes room in it.
		if (d.ok) d.end();
		expect(await turnOf(d)).toBe(false);
		const e = budget.start('share s from e');
		expect(await turnOf(e)).toBeUndefined();
		if (b.ok) b.end();
		expect(await turnOf(e)).toBe(true);
	});

	test("a read waiting its turn is charged nothing, and counts among its reader's reads at once", async () => {
		let now = 0;
		const budget = new ReadBudget({ burst: 1000, perSecond: 0 }, () => now, {
			atOnce: 1,
			waiting: 10
		});
		const first = budget.start('share s from a');
		const waiting = budget.start('share s from b');
		now = 1000;
		if (first.ok) first.end();
		expect(await turnOf(waiting)).toBe(true);
		now = 1500;
		if (waiting.ok) waiting.end();
		// b ran half a second of the 1.5 s it was started: half of its bucket is left.
		expect(budget.start('share s from a').ok).toBe(false);
		const again = budget.start('share s from b');
		expect(again.ok).toBe(true);
		if (again.ok) again.end();
		const held = new ReadBudget(READ_BUDGET, () => 0, { atOnce: 0, waiting: 10 });
		for (let i = 0; i < READS_AT_ONCE; i++) expect(held.start('share s from a').ok).toBe(true);
		expect(held.start('share s from a').ok).toBe(false);
	});
});

describe('tooManyReads', () => {
	test('answers 429 with Retry-After: JSON for the APIs and page data, the error page for a page', async () => {
		const read = (url: string, accept: string | null = null, isDataRequest = false) => ({
			url: new URL(url),
			accept,
			isDataRequest
		});
		const api = tooManyReads(read('http://app.test/api/v1/stats?site=a'), 3);
		expect(api.status).toBe(429);
		expect(api.headers.get('retry-after')).toBe('3');
		expect(await api.json()).toEqual({
			error: 'too_many_requests',
			message: 'too many reads with these credentials at once or in a short time; retry in 3 s'
		});
		// SvelteKit's event.url of a page's data is the page's.
		const data = tooManyReads(read('http://app.test/share/shr_x', '*/*', true), 1);
		expect(data.headers.get('content-type')).toContain('application/json');
		const page = tooManyReads(read('http://app.test/share/shr_x', 'text/html'), 1);
		expect(page.headers.get('content-type')).toContain('text/html');
		expect(page.headers.get('retry-after')).toBe('1');
		const html = await page.text();
		expect(html).toContain('<title>Error 429 · couchstats</title>');
		expect(html).toContain('retry in 1 s');
		expect(html).not.toContain('%sveltekit');
	});
});
