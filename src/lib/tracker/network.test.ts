import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { HOSTS_HEADER, NOW_HEADER, ZONE_HEADER, type ClientRecord } from '../records.ts';
import { post, type RequestClock } from './network.ts';

/** A fetch answering 201 with the server's clock, `zone` and the site's host names. */
const answering = (zone: string) => async () =>
	new Response('[]', {
		status: 201,
		headers: { [NOW_HEADER]: '1000', [ZONE_HEADER]: zone, [HOSTS_HEADER]: 'shop.test *.shop.test' }
	});

/** Posts records of `sites` and returns what the answer told the clock. */
async function told(sites: string[]) {
	const heard: Parameters<RequestClock['answered']>[] = [];
	const clock: RequestClock = { sent: 900, answered: (...args) => heard.push(args) };
	const docs = sites.map((site) => ({ site }) as ClientRecord);
	await post(
		answering('Asia/Tokyo') as typeof fetch,
		'https://stats.example/api/ingest',
		docs,
		clock
	);
	return heard;
}

describe('post', () => {
	test('takes the time zone and host names an answer tells as those of the site whose records it carried', async () => {
		// A security probe: two sites on one origin share the journal, so a page of one sent
		// the other's records, and took that site's zone as its own.
		expect(await told(['shop'])).toEqual([
			[1000, { site: 'shop', zone: 'Asia/Tokyo', hosts: 'shop.test *.shop.test' }]
		]);
		expect(await told(['shop', 'blog'])).toEqual([[1000, undefined]]);
	});

	test.each([
		[201, '[]', 'sent'],
		[201, '[{"id":"a","index":0,"error":"forbidden","reason":"not this site"}]', 'sent'],
		// The ingest's answer when the store did not answer in time (store-limit.ts).
		[
			503,
			'{"error":"unavailable","reason":"the database did not answer within 20 s; try again in a moment"}',
			'failed'
		],
		// The ingest's (or a proxy's readable) refusal of a body over its limit: fewer next time.
		[413, '{"error":"too_large","reason":"the body is over 1048576 bytes"}', 'large']
	])(
		'an answer %i is delivery when it is 2xx only: a 503 leaves the records to be sent again, a 413 to be sent in smaller requests',
		async (status, body, outcome) => {
			const clock: RequestClock = { sent: 900, answered: () => undefined };
			const answer = async () => new Response(body, { status, headers: { [NOW_HEADER]: '1000' } });
			const docs = [{ site: 'shop' } as ClientRecord];
			expect(
				await post(answer as typeof fetch, 'https://stats.example/api/ingest', docs, clock)
			).toBe(outcome);
		}
	);

	test.each([
		['a captive portal answering 200 with its page', 200, '<html><title>Log in</title>', {}],
		[
			"a proxy's 200 page that copies the ingest's headers",
			200,
			'<html>',
			{ [NOW_HEADER]: '1000' }
		],
		["a 200 JSON answer that is not the ingest's", 200, '{"ok":true}', {}]
	])(
		'%s is no delivery: the records wait to be sent again, and the console says so once',
		async (_, status, body, headers) => {
			// An outside probe: a portal's 200 (or a followed 302) counted as delivery, and the
			// outbox purged 25 events and 5 page views the ingest never got.
			vi.resetModules();
			const { post } = await import('./network.ts'); // a fresh page: nothing said yet
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			const clock: RequestClock = { sent: 900, answered: () => undefined };
			const answer = async () => new Response(body, { status, headers });
			const docs = [{ site: 'shop' } as ClientRecord];
			const ingest = 'https://stats.example/api/ingest';
			expect(await post(answer as typeof fetch, ingest, docs, clock)).toBe('failed');
			expect(await post(answer as typeof fetch, ingest, docs, clock)).toBe('failed');
			expect(warn.mock.calls).toEqual([
				[
					'couchstats:',
					`the endpoint answered HTTP 200 with something other than the ingest's answer (a captive portal or a proxy?); records wait`
				]
			]);
			warn.mockRestore();
		}
	);
});

describe('post without an answer', () => {
	const clock: RequestClock = { sent: 900, answered: () => undefined };
	const ingest = 'https://stats.example/api/ingest';

	test("a network error (or a proxy's refusal without CORS headers, which the page sees as one) is lost, not failed", async () => {
		const down = async () => {
			throw new TypeError('Failed to fetch');
		};
		expect(await post(down, ingest, [{ site: 'shop' } as ClientRecord], clock)).toBe('lost');
	});

	test('keepalive goes with a body under 60,000 bytes, counted in bytes, not characters', async () => {
		// 20 records of 1,000 CJK characters: 20,000 characters, 60,000 bytes and more. Over
		// keepalive's 64 KiB, Chromium refuses the request outright.
		const kept: boolean[] = [];
		const fetch = async (_: unknown, init?: RequestInit) => {
			kept.push(!!init?.keepalive);
			return new Response('[]', { status: 201 });
		};
		const docs = (text: string) =>
			Array.from({ length: 20 }, () => ({ site: 'shop', title: text }) as unknown as ClientRecord);
		await post(fetch, ingest, docs('a'.repeat(1000)), clock, true);
		await post(fetch, ingest, docs('統'.repeat(1000)), clock, true);
		expect(kept).toEqual([true, false]);
	});
});

describe('post on a page whose scripts get in the way', () => {
	/**
	 * `post()` of a page of its own for each test: what a page said in its console is kept
	 * a page long (say-once.ts), so one test's saying would hide the next one's.
	 */
	let postHere: typeof post;
	beforeEach(async () => {
		vi.resetModules();
		({ post: postHere } = await import('./network.ts'));
	});
	afterEach(() => vi.restoreAllMocks());
	const clock: RequestClock = { sent: 900, answered: () => undefined };
	const docs = [{ site: 'shop', type: 'pageview' } as ClientRecord];
	const ingest = 'https://stats.example/api/ingest';

	test('a fetch that throws at once fails the request, as a network would: nothing reaches the page, which is told once', async () => {
		// An outside probe: `post()` called fetch outside its catch, and the page's error
		// escaped into the page.
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const throwing = () => {
			throw new Error('fetch blocked by page');
		};
		for (let i = 0; i < 2; i++)
			expect(await postHere(throwing as typeof fetch, ingest, docs, clock)).toBe('failed');
		// No response at all: as a network error.
		const notPromise = () => undefined;
		expect(await postHere(notPromise as unknown as typeof fetch, ingest, docs, clock)).toBe('lost');
		expect(warn.mock.calls).toEqual([
			['couchstats:', 'sending records threw on this page: Error: fetch blocked by page; they wait']
		]);
	});

	test('a JSON.stringify that throws fails the request without throwing', async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		vi.spyOn(JSON, 'stringify').mockImplementation(() => {
			throw new TypeError('broken');
		});
		const fetch = vi.fn();
		expect(await postHere(fetch, ingest, docs, clock)).toBe('failed');
		expect(fetch).not.toHaveBeenCalled();
	});

	test.each([
		[
			400,
			'{"error":"bad_request","reason":"the body is not valid JSON"}',
			'a script on this page changed how JSON is written (JSON.stringify or a toJSON)'
		],
		[
			405,
			'{"error":"method_not_allowed","reason":"use POST, OPTIONS"}',
			"a script on this page wraps fetch and drops the request's method and body"
		]
	])(
		'an answer %i refuses the request as the page made it: refused, said once in the console with its cause',
		async (status, body, cause) => {
			// An outside probe: refused every few seconds, nothing stored, nothing said.
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			const answer = async () => new Response(body, { status });
			expect(await postHere(answer as typeof fetch, ingest, docs, clock)).toBe('refused');
			expect(await postHere(answer as typeof fetch, ingest, docs, clock)).toBe('refused');
			expect(warn.mock.calls).toEqual([
				[
					'couchstats:',
					`the ingest refused this page's request (HTTP ${status} ${body}): ${cause}; its records wait for another page of the site`
				]
			]);
		}
	);
});
