import { describe, expect, test } from 'vitest';
import { NOW_HEADER, ZONE_HEADER, type ClientRecord } from '../records.ts';
import { post, type RequestClock } from './network.ts';

/** A fetch answering 201 with the server's clock and `zone`. */
const answering = (zone: string) => async () =>
	new Response('[]', { status: 201, headers: { [NOW_HEADER]: '1000', [ZONE_HEADER]: zone } });

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
	test('takes the time zone an answer tells as the zone of the site whose records it carried', async () => {
		// A security probe: two sites on one origin share the journal, so a page of one sent
		// the other's records, and took that site's zone as its own.
		expect(await told(['shop'])).toEqual([[1000, { site: 'shop', zone: 'Asia/Tokyo' }]]);
		expect(await told(['shop', 'blog'])).toEqual([[1000, undefined]]);
	});

	test.each([
		[201, '[]', true],
		// The ingest's answer when the store did not answer in time (store-limit.ts).
		[
			503,
			'{"error":"unavailable","reason":"the database did not answer within 20 s; try again in a moment"}',
			false
		]
	])(
		'an answer %i is delivery when it is 2xx only: a 503 leaves the records to be sent again',
		async (status, body, delivered) => {
			const clock: RequestClock = { sent: 900, answered: () => undefined };
			const answer = async () => new Response(body, { status });
			const docs = [{ site: 'shop' } as ClientRecord];
			expect(
				await post(answer as typeof fetch, 'https://stats.example/api/ingest', docs, clock)
			).toBe(delivered);
		}
	);
});
