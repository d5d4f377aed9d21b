import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { StoredRecord } from '../records.ts';
import { eraseMine, readMine } from './visitor.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const VISITOR = '019a8f00-0000-7000-8000-000000000001';

/** A fetch that records each request and answers with the next of `answers`. */
function server(...answers: Response[]) {
	const requests: { url: string; init: RequestInit; body: Record<string, unknown> }[] = [];
	const fetch = async (url: string | URL | Request, init?: RequestInit) => {
		requests.push({ url: String(url), init: init!, body: JSON.parse(String(init!.body)) });
		return answers.shift()!;
	};
	return { requests, fetch: fetch as typeof globalThis.fetch };
}

const page = (ids: string[], next?: string) =>
	Response.json({ total: 3, records: ids.map((_id) => ({ _id })), next });

test('reads every page from the visitor endpoint beside the ingest, the id in the body, without cookies', async () => {
	const s = server(page(['a', 'b'], '1_x'), page(['c']));
	const records = await readMine(s.fetch, 'https://stats.example/api/ingest', 'blog', VISITOR);
	expect(records.map((r: StoredRecord) => r._id)).toEqual(['a', 'b', 'c']);
	expect(s.requests.map((r) => r.url)).toEqual([
		'https://stats.example/api/v1/visitor',
		'https://stats.example/api/v1/visitor'
	]);
	expect(s.requests.map((r) => r.body)).toEqual([
		{ site: 'blog', visitor: VISITOR, action: 'read' },
		{ site: 'blog', visitor: VISITOR, action: 'read', after: '1_x' }
	]);
	expect(s.requests[0].init).toMatchObject({ method: 'POST', credentials: 'omit' });
	// A string body goes as text/plain: no CORS preflight.
	expect(typeof s.requests[0].init.body).toBe('string');
});

test('erases and answers how many records the server deleted', async () => {
	const s = server(Response.json({ deleted: 7 }));
	expect(await eraseMine(s.fetch, 'https://blog.example/stats/api/ingest', 'blog', VISITOR)).toBe(
		7
	);
	expect(s.requests[0].url).toBe('https://blog.example/stats/api/v1/visitor');
	expect(s.requests[0].body).toEqual({ site: 'blog', visitor: VISITOR, action: 'erase' });
});

test('waits for a short Retry-After and asks again; a longer one fails with the server’s message', async () => {
	const limited = (seconds: number) =>
		Response.json(
			{ error: 'too_many_requests', message: `too many requests; retry in ${seconds} s` },
			{ status: 429, headers: { 'retry-after': String(seconds) } }
		);
	const s = server(limited(2), Response.json({ deleted: 1 }));
	const erased = eraseMine(s.fetch, 'https://stats.example/api/ingest', 'blog', VISITOR);
	await vi.advanceTimersByTimeAsync(1999);
	expect(s.requests).toHaveLength(1);
	await vi.advanceTimersByTimeAsync(1);
	expect(await erased).toBe(1);

	const slow = server(limited(60));
	await expect(
		readMine(slow.fetch, 'https://stats.example/api/ingest', 'blog', VISITOR)
	).rejects.toThrow('too many requests; retry in 60 s');
	const refused = server(
		Response.json({ error: 'forbidden', message: 'no' }, { status: 403 }),
		new Response('<html>', { status: 502 })
	);
	await expect(
		eraseMine(refused.fetch, 'https://s.example/api/ingest', 'b1', VISITOR)
	).rejects.toThrow('no');
	await expect(
		eraseMine(refused.fetch, 'https://s.example/api/ingest', 'b1', VISITOR)
	).rejects.toThrow('HTTP 502');
});

test("writes its requests with the core's stringify, so that a page is told once that it replaced JSON.stringify", async () => {
	// The deferred bundle had its own copy of json.ts, and so its own said-once record.
	const written: unknown[] = [];
	const stringify = (value: unknown) => (written.push(value), JSON.stringify(value));
	const s = server(Response.json({ deleted: 2 }));
	expect(
		await eraseMine(s.fetch, 'https://stats.example/api/ingest', 'blog', VISITOR, stringify)
	).toBe(2);
	expect(written).toEqual([{ site: 'blog', visitor: VISITOR, action: 'erase' }]);
});

test('answers a core of an earlier version, which calls without its stringify', async () => {
	// The standalone files are cached apart for an hour: a core and a deferred part of two
	// versions meet. A review: with the calls taking the core's Host, myData() and erase()
	// failed for that hour.
	const s = server(page(['a']), Response.json({ deleted: 1 }));
	const [fetch, ingest] = [s.fetch, 'https://stats.example/api/ingest'];
	expect((await readMine(fetch, ingest, 'blog', VISITOR)).map((r) => r._id)).toEqual(['a']);
	expect(await eraseMine(fetch, ingest, 'blog', VISITOR)).toBe(1);
	expect(s.requests.map((r) => r.body)).toEqual([
		{ site: 'blog', visitor: VISITOR, action: 'read' },
		{ site: 'blog', visitor: VISITOR, action: 'erase' }
	]);
});
