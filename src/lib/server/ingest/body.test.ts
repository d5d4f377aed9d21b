import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { readJson } from './body';

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
