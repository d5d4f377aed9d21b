import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { MAX_READING_BYTES, readCapped, readJson } from './body';

function post(
	body: BodyInit | null,
	type = 'application/json',
	headers: Record<string, string> = {}
) {
	return new Request('http://localhost/api/ingest/_bulk_docs', {
		method: 'POST',
		body,
		headers: { 'content-type': type, ...headers }
	});
}

async function failure(request: Request, max = 100): Promise<[number, string]> {
	try {
		await readJson(request, max);
	} catch (e) {
		if (e instanceof CouchstatsError) return [e.status, e.message];
		throw e;
	}
	throw new Error('expected readJson to fail');
}

describe('readJson', () => {
	test.each([
		['application/json', 'application/json'],
		['text/plain as sendBeacon sends it', 'text/plain;charset=UTF-8']
	])('parses a body sent as %s', async (_, type) => {
		expect(await readJson(post('{"docs":[]}', type), 100)).toEqual({ docs: [] });
	});

	test.each([
		[
			'a form type',
			post('a=1', 'application/x-www-form-urlencoded'),
			[415, 'send the body as application/json or text/plain']
		],
		['no body', post(null), [400, 'the body is empty']],
		['malformed JSON', post('{"docs": ['), [400, 'the body is not valid JSON']],
		[
			'invalid UTF-8',
			post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
			[400, 'the body is not valid UTF-8']
		],
		[
			'a declared length over the cap',
			post('{}', 'application/json', { 'content-length': '101' }),
			[413, 'the body is larger than 100 bytes']
		],
		[
			'a streamed body over the cap',
			post('[' + '1,'.repeat(60) + '1]'),
			[413, 'the body is larger than 100 bytes']
		]
	])('refuses %s', async (_, request, expected) => {
		expect(await failure(request)).toEqual(expected);
	});
});

/** A body sent in `chunks` (no declared length), whose last chunk waits until `end()`. */
function chunked(chunks: Uint8Array[]) {
	let pulled = 0;
	let end = () => {};
	const ended = new Promise<void>((resolve) => (end = resolve));
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (pulled == chunks.length) {
				await ended;
				return controller.close();
			}
			controller.enqueue(chunks[pulled++]);
		}
	});
	const request = new Request('http://localhost/api/ingest/_bulk_docs', {
		method: 'POST',
		body: stream,
		headers: { 'content-type': 'application/json' },
		duplex: 'half'
	} as RequestInit);
	return { request, pulled: () => pulled, end };
}

describe('reading a body without a declared length', () => {
	test('charges it as it arrives: a refusal stops the reading before the rest is buffered', async () => {
		// An outside probe: chunked bodies were charged once read whole, so one address
		// held hundreds of unfinished 1 MB bodies.
		const kb = new Uint8Array(1024).fill(32);
		const body = chunked(Array.from({ length: 10 }, () => kb));
		const told: number[] = [];
		const refused = readJson(body.request, 1 << 20, (bytes) => {
			told.push(bytes);
			if (bytes > 3 * 1024) throw new CouchstatsError(429, 'too many requests; retry in 1 s');
		});
		await expect(refused).rejects.toMatchObject({ status: 429 });
		expect(told).toEqual([1024, 2048, 3072, 4096]);
		expect(body.pulled()).toBeLessThan(10);
	});

	test(`refuses a body (503) while ${MAX_READING_BYTES / 2 ** 20} MB of bodies are being read, and reads it again once they are done`, async () => {
		const big = new Uint8Array(MAX_READING_BYTES / 2 + 1);
		const first = chunked([big]);
		const reading = readCapped(first.request, MAX_READING_BYTES);
		await expect.poll(first.pulled).toBe(1);
		const second = chunked([big]);
		second.end();
		await expect(readCapped(second.request, MAX_READING_BYTES)).rejects.toMatchObject({
			status: 503,
			message: 'the server is receiving too many request bodies at once; retry shortly'
		});
		first.end();
		expect((await reading).byteLength).toBe(big.byteLength);
		const third = chunked([big]);
		third.end();
		expect((await readCapped(third.request, MAX_READING_BYTES)).byteLength).toBe(big.byteLength);
	});
});
