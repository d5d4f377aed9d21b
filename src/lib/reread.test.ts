import { afterEach, describe, expect, test, vi } from 'vitest';
import { reread } from './reread';

describe('reread', () => {
	afterEach(() => vi.unstubAllGlobals());

	/** Answers every fetch with `answer` (a response, or a thrown error). */
	function serve(answer: () => Response) {
		const asked: [string, RequestInit | undefined][] = [];
		vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
			asked.push([url, init]);
			return answer();
		});
		return asked;
	}

	test('gives the JSON answer to apply, asking for JSON past any cache', async () => {
		const asked = serve(() => Response.json({ totals: 3 }));
		const apply = vi.fn();
		const refused = vi.fn(async () => {});
		expect(await reread('/api/v1/dashboard?site=demo&part=live', apply, refused)).toBe('read');
		expect(apply).toHaveBeenCalledWith({ totals: 3 });
		expect(refused).not.toHaveBeenCalled();
		expect(asked).toEqual([
			[
				'/api/v1/dashboard?site=demo&part=live',
				{ cache: 'no-store', headers: { accept: 'application/json' } }
			]
		]);
	});

	test.each([
		['an unreachable server', () => Promise.reject(new TypeError('Failed to fetch'))],
		['a server error', () => new Response('oops', { status: 502 })],
		['an answer cut off', () => new Response('{"totals":', { status: 200 })],
		[
			'too many reads (429)',
			() => Response.json({ error: 'too_many_requests', message: 'retry in 2 s' }, { status: 429 })
		]
	])('leaves the numbers as they are on %s', async (_name, answer) => {
		vi.stubGlobal('fetch', answer);
		const apply = vi.fn();
		const refused = vi.fn(async () => {});
		expect(await reread('/stats.json', apply, refused)).toBe('failed');
		expect(apply).not.toHaveBeenCalled();
		expect(refused).not.toHaveBeenCalled();
	});

	test.each([401, 403, 404])(
		'hands a refusal (%i) over to the page’s loads, applying nothing',
		async (status) => {
			serve(() => Response.json({ error: 'x', message: 'y' }, { status }));
			const apply = vi.fn();
			const refused = vi.fn(async () => {});
			expect(await reread('/api/v1/dashboard?site=demo&part=live', apply, refused)).toBe('refused');
			expect(refused).toHaveBeenCalledTimes(1);
			expect(apply).not.toHaveBeenCalled();
		}
	);

	test('applies no answer read for a page that has loaded anew meanwhile', async () => {
		serve(() => Response.json({ totals: 3 }));
		let loaded = { range: '7d' };
		const apply = vi.fn();
		const refused = vi.fn(async () => {});
		const read = reread('/stats.json', apply, refused, () => loaded);
		loaded = { range: '30d' }; // a navigation to another range, before the answer
		expect(await read).toBe('read');
		expect(apply).not.toHaveBeenCalled();
		// The same page still loaded: applied.
		expect(await reread('/stats.json', apply, refused, () => loaded)).toBe('read');
		expect(apply).toHaveBeenCalledWith({ totals: 3 });
	});
});
