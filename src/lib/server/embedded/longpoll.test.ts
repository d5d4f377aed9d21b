import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { answerLongpoll, Writes } from './longpoll';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** Serves `handler` on a loopback port; returns its origin. */
async function serve(handler: http.RequestListener): Promise<string> {
	const server = http.createServer(handler);
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a waiting longpoll looks again as soon as a write is answered, not at its next interval', async () => {
	// A store stand-in whose plain `_changes` lists one change once it has been written.
	let written = false;
	const looked: string[] = [];
	const store = await serve((req, res) => {
		looked.push(req.url!);
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ results: written ? [{ id: 'a' }] : [], last_seq: written ? 2 : 1 }));
	});
	const writes = new Writes();
	// An hour between looks: only the write can end the wait within the test's time.
	const front = await serve((req, res) => void answerLongpoll(req, res, store, writes, 3_600_000));
	const answer = fetch(`${front}/db/_changes?feed=longpoll&since=1&timeout=60000`).then((r) =>
		r.json()
	);
	await expect.poll(() => looked.length).toBe(1);
	written = true;
	writes.done();
	expect(await answer).toEqual({ results: [{ id: 'a' }], last_seq: 2 });
	expect(looked).toEqual(['/db/_changes?since=1', '/db/_changes?since=1']);
});

test('a write answered while the longpoll was looking is not missed', async () => {
	let written = false;
	const writes = new Writes();
	const store = await serve((_req, res) => {
		const answer = { results: written ? [{ id: 'b' }] : [], last_seq: 1 };
		// The write lands while this look is on its way: its answer is already empty.
		if (!written) {
			written = true;
			writes.done();
		}
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify(answer));
	});
	const front = await serve((req, res) => void answerLongpoll(req, res, store, writes, 3_600_000));
	const answer = await fetch(`${front}/db/_changes?feed=longpoll&since=0`).then((r) => r.json());
	expect(answer.results).toEqual([{ id: 'b' }]);
});
