import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test, vi } from 'vitest';
import { createCouch } from '../couch';
import { ACTIVE_WINDOW_MS } from '../../stats/active';
import {
	ChangesFollower,
	REPLAY_MARGIN_MS,
	couchChangesSource,
	type ChangesPage,
	type ChangesSource
} from './follower';

afterEach(() => vi.useRealTimers());

const doc = (site: string, path: string, extra: Record<string, unknown> = {}) => ({
	id: `${site}${path}`,
	doc: { site, type: 'pageview', path, ts: 1_800_000_000_000, ...extra }
});

/** A fake network: answers queued pages or errors, and records each `since` asked for. */
function scripted(answers: (ChangesPage | Error)[]) {
	const asked: (string | number)[] = [];
	const source: ChangesSource = (since, signal) => {
		asked.push(since);
		if (!answers.length) {
			return new Promise((_, reject) =>
				signal.addEventListener('abort', () => reject(new Error('aborted')))
			);
		}
		const next = answers.shift();
		return next instanceof Error ? Promise.reject(next) : Promise.resolve(next!);
	};
	return { source, asked };
}

test('delivers a site’s new records in one debounced batch, skipping bots, other sites and design docs', async () => {
	vi.useFakeTimers();
	const { source } = scripted([
		{
			results: [
				doc('demo', '/a'),
				doc('other', '/x'),
				doc('demo', '/b', { bot: true }),
				{ id: '_design/stats', doc: { site: 'demo', path: '/' } },
				doc('demo', '/c', { type: 'event', name: 'signup' })
			],
			last_seq: 7
		}
	]);
	const follower = new ChangesFollower(source, { debounceMs: 200 });
	const batches: unknown[] = [];
	follower.subscribe('demo', (records) => batches.push(records));
	await vi.advanceTimersByTimeAsync(199);
	expect(batches).toEqual([]);
	await vi.advanceTimersByTimeAsync(1);
	expect(batches).toEqual([
		[
			{ type: 'pageview', path: '/a', ts: 1_800_000_000_000 },
			{ type: 'event', path: '/c', name: 'signup', ts: 1_800_000_000_000 }
		]
	]);
	expect(follower.since).toBe(7);
	await follower.stop();
});

test("a follower that never polled starts at its first listener's sequence, not at now; later listeners change nothing", async () => {
	// flaky16: from `now`, a record stored between a stream's missedSince and the first
	// poll reaching the store was in neither.
	vi.useFakeTimers();
	const { source, asked } = scripted([{ results: [doc('demo', '/between')], last_seq: 9 }]);
	const follower = new ChangesFollower(source, { debounceMs: 0 });
	const batches: unknown[] = [];
	follower.subscribe('demo', (records) => batches.push(records), '7-g1AAAA');
	follower.subscribe('demo', () => {}, '3-g1AAAA');
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['7-g1AAAA', 9]);
	expect(batches).toEqual([[{ type: 'pageview', path: '/between', ts: 1_800_000_000_000 }]]);
	await follower.stop();
	// Once it has polled, it resumes from its own sequence, whatever a listener saw.
	follower.subscribe('demo', () => {}, '2-g1AAAA');
	await vi.advanceTimersByTimeAsync(1);
	expect(asked.at(-1)).toBe(9);
	await follower.stop();
});

test('a follower without a listener sequence starts at now', async () => {
	vi.useFakeTimers();
	const { source, asked } = scripted([]);
	const follower = new ChangesFollower(source);
	follower.subscribe('demo', () => {});
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['now']);
	await follower.stop();
});

test('a listener is not sent what was received well before it came: a page read those (the follower resumes after a quiet spell)', async () => {
	vi.useFakeTimers();
	const came = 1_800_000_100_000;
	const { source } = scripted([
		{
			results: [
				doc('demo', '/long-before', { receivedAt: came - REPLAY_MARGIN_MS - 1 }),
				doc('demo', '/just-before', { receivedAt: came - REPLAY_MARGIN_MS }),
				doc('demo', '/after', { receivedAt: came + 5 }),
				doc('demo', '/unknown')
			],
			last_seq: 9
		}
	]);
	const follower = new ChangesFollower(source, { debounceMs: 0, now: () => came });
	const batches: { path: string }[][] = [];
	follower.subscribe('demo', (records) => batches.push(records));
	await vi.advanceTimersByTimeAsync(1);
	expect(batches.map((b) => b.map((r) => r.path))).toEqual([
		['/just-before', '/after', '/unknown']
	]);
	await follower.stop();
});

test('a record made before the active window when it was received is not sent: the listener is told records came', async () => {
	vi.useFakeTimers();
	const came = 1_800_000_100_000;
	const received = came + 5;
	const made = (ago: number) => ({ ts: received - ago, receivedAt: received });
	const sent = async (...results: ChangesPage['results']) => {
		const { source } = scripted([{ results, last_seq: 3 }]);
		const follower = new ChangesFollower(source, { debounceMs: 0, now: () => came });
		const batches: [string[], boolean][] = [];
		follower.subscribe('demo', (records, late) => batches.push([records.map((r) => r.path), late]));
		await vi.advanceTimersByTimeAsync(1);
		await follower.stop();
		return batches;
	};
	expect(
		await sent(
			doc('demo', '/imported', made(ACTIVE_WINDOW_MS + 1)),
			doc('demo', '/edge', made(ACTIVE_WINDOW_MS)),
			doc('demo', '/now', made(0))
		)
	).toEqual([[['/edge', '/now'], true]]);
	expect(await sent(doc('demo', '/offline', made(3_600_000)))).toEqual([[[], true]]);
	expect(await sent(doc('demo', '/now', made(0)))).toEqual([[['/now'], false]]);
});

test('resumes from its last sequence after errors, with growing backoff', async () => {
	vi.useFakeTimers();
	const errors: unknown[] = [];
	const { source, asked } = scripted([
		{ results: [doc('demo', '/a')], last_seq: '3-x' },
		new Error('ECONNREFUSED'),
		new Error('ECONNREFUSED'),
		{ results: [doc('demo', '/b')], last_seq: '5-y' }
	]);
	const follower = new ChangesFollower(source, { onError: (e) => errors.push(e) });
	const paths: string[] = [];
	follower.subscribe('demo', (records) => paths.push(...records.map((r) => r.path)));
	await vi.advanceTimersByTimeAsync(499);
	expect(asked).toEqual(['now', '3-x']);
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['now', '3-x', '3-x']);
	await vi.advanceTimersByTimeAsync(999);
	expect(asked).toEqual(['now', '3-x', '3-x']);
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['now', '3-x', '3-x', '3-x', '5-y']);
	await vi.advanceTimersByTimeAsync(300);
	expect(paths).toEqual(['/a', '/b']);
	expect(errors).toHaveLength(2);
	await follower.stop();
});

test('polls only while someone listens, and re-polls an idle longpoll the server did not end', async () => {
	vi.useFakeTimers();
	const { source, asked } = scripted([]);
	const follower = new ChangesFollower(source, { pollTimeoutMs: 1000 });
	const stop = follower.subscribe('demo', () => undefined);
	await vi.advanceTimersByTimeAsync(6001);
	expect(asked).toEqual(['now', 'now']);
	stop();
	await vi.advanceTimersByTimeAsync(20_000);
	expect(asked).toHaveLength(2);
	expect(follower.listenerCount).toBe(0);
});

test('keeps its sequence over leave/rejoin rounds when an aborted longpoll answers an empty body', async () => {
	vi.useFakeTimers();
	// Apache CouchDB sends a longpoll's headers and `{"results":[` before it waits;
	// aborting then makes nano resolve the cut-off body as ''.
	const asked: (string | number)[] = [];
	const pages: ChangesPage[] = [1, 2, 3].map((round) => ({
		results: [doc('demo', `/round-${round}`)],
		last_seq: `${round}-g1AAAA`
	}));
	const source: ChangesSource = (since, signal) => {
		asked.push(since);
		const page = asked.length % 2 === 1 ? pages.shift() : undefined;
		if (page) return Promise.resolve(page);
		return new Promise((resolve) => signal.addEventListener('abort', () => resolve('' as never)));
	};
	const follower = new ChangesFollower(source);
	const received: string[][] = [];
	for (let round = 1; round <= 3; round++) {
		const paths: string[] = [];
		const leave = follower.subscribe('demo', (records) =>
			paths.push(...records.map((r) => r.path))
		);
		await vi.advanceTimersByTimeAsync(300);
		leave();
		await vi.advanceTimersByTimeAsync(0);
		received.push(paths);
	}
	expect(received).toEqual([['/round-1'], ['/round-2'], ['/round-3']]);
	expect(asked).toEqual(['now', '1-g1AAAA', '1-g1AAAA', '2-g1AAAA', '2-g1AAAA', '3-g1AAAA']);
	expect(follower.since).toBe('3-g1AAAA');
});

test.each([
	['an empty body', ''],
	['no results', { last_seq: 9 }],
	['no last_seq', { results: [] }],
	['an undefined last_seq', { results: [], last_seq: undefined }],
	['null', null]
])('takes an answer with %s as a failed poll and resumes from its sequence', async (_, answer) => {
	vi.useFakeTimers();
	const errors: unknown[] = [];
	const { source, asked } = scripted([
		{ results: [], last_seq: 4 },
		answer as ChangesPage,
		{ results: [doc('demo', '/after')], last_seq: 5 }
	]);
	const follower = new ChangesFollower(source, { onError: (e) => errors.push(e) });
	const paths: string[] = [];
	follower.subscribe('demo', (records) => paths.push(...records.map((r) => r.path)));
	await vi.advanceTimersByTimeAsync(800);
	expect(asked).toEqual(['now', 4, 4, 5]);
	expect(paths).toEqual(['/after']);
	expect(errors).toEqual([new Error('CouchDB sent an incomplete _changes answer')]);
	await follower.stop();
});

test('ignores whatever an aborted request resolves with, even a whole page', async () => {
	vi.useFakeTimers();
	const asked: (string | number)[] = [];
	const source: ChangesSource = (since, signal) => {
		asked.push(since);
		if (asked.length === 1) return Promise.resolve({ results: [], last_seq: 1 });
		return new Promise((resolve) =>
			signal.addEventListener('abort', () =>
				resolve({ results: [doc('demo', '/late')], last_seq: 99 })
			)
		);
	};
	const follower = new ChangesFollower(source);
	const paths: string[] = [];
	const leave = follower.subscribe('demo', (records) => paths.push(...records.map((r) => r.path)));
	await vi.advanceTimersByTimeAsync(10);
	leave();
	await vi.advanceTimersByTimeAsync(1000);
	expect(asked).toEqual(['now', 1]);
	expect(follower.since).toBe(1);
	expect(paths).toEqual([]);
});

test('keeps the newest records by their time when the feed lists them out of write order', async () => {
	vi.useFakeTimers();
	// A sharded CouchDB database: one page lists records in no particular time order.
	const times = [6, 2, 9, 1, 8, 3, 7, 5, 4];
	const { source } = scripted([
		{
			results: times.map((t) => doc('demo', `/t${t}`, { ts: 1_800_000_000_000 + t })),
			last_seq: '9-x'
		}
	]);
	const follower = new ChangesFollower(source, { maxBatch: 4, debounceMs: 10 });
	const batches: string[][] = [];
	follower.subscribe('demo', (records) => batches.push(records.map((r) => r.path)));
	await vi.advanceTimersByTimeAsync(10);
	expect(batches).toEqual([['/t6', '/t7', '/t8', '/t9']]);
	await follower.stop();
});

test('through nano, an aborted CouchDB longpoll leaves the next poll on the last sequence, round after round', async () => {
	// A fake network that answers as Apache CouchDB 3.5 does: a longpoll with news gets
	// a whole page; one that waits gets its headers and `{"results":[` at once.
	// Each round, the follower's first poll finds that round's record and its second
	// waits until the viewer leaves.
	const sinces: string[] = [];
	const waiting = new Set<http.ServerResponse>();
	let seq = 0;
	const server = http.createServer((req, res) => {
		const since = new URL(req.url!, 'http://x').searchParams.get('since')!;
		sinces.push(since);
		if (since !== 'now' && !/^\d+-g1AAAA$/.test(since)) {
			res.writeHead(400, { 'content-type': 'application/json' });
			res.end(
				'{"error":"bad_request","reason":"Malformed sequence supplied in \'since\' parameter."}'
			);
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' });
		if (sinces.length % 2 === 1) {
			seq += 1;
			const change = { seq: `${seq}-g1AAAA`, id: `r${seq}`, doc: doc('demo', `/round-${seq}`).doc };
			res.end(
				`{"results":[\n${JSON.stringify(change)}\n],\n"last_seq":"${seq}-g1AAAA","pending":0}\n`
			);
			return;
		}
		res.write('{"results":[\n\n');
		waiting.add(res);
		res.on('close', () => waiting.delete(res));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const couch = createCouch(new URL(`http://admin:pw@127.0.0.1:${port}/`), 'fake');
	const errors: unknown[] = [];
	const follower = new ChangesFollower(couchChangesSource(couch, 60_000), {
		debounceMs: 1,
		onError: (e) => errors.push(e)
	});
	try {
		const received: string[][] = [];
		for (let round = 1; round <= 3; round++) {
			const paths: string[] = [];
			const leave = follower.subscribe('demo', (records) =>
				paths.push(...records.map((r) => r.path))
			);
			await vi.waitFor(() => expect(paths).toHaveLength(1));
			await vi.waitFor(() => expect(waiting.size).toBe(1));
			leave();
			await vi.waitFor(() => expect(waiting.size).toBe(0));
			received.push(paths);
		}
		expect(received).toEqual([['/round-1'], ['/round-2'], ['/round-3']]);
		expect(sinces.slice(0, 6)).toEqual([
			'now',
			'1-g1AAAA',
			'1-g1AAAA',
			'2-g1AAAA',
			'2-g1AAAA',
			'3-g1AAAA'
		]);
		expect(errors).toEqual([]);
	} finally {
		await follower.stop();
		server.closeAllConnections();
		server.close();
	}
});
