import { describe, expect, test, vi } from 'vitest';
import type { Couch } from '$lib/server/couch';
import { sharedPublicStats, titled } from './public-stats';

describe('titled', () => {
	test('a post is named by its title, resolved by its slug', () => {
		expect(titled('/blog/hello-couchstats')).toEqual({
			path: '/blog/hello-couchstats',
			title: 'Hello, couchstats',
			kind: 'post'
		});
	});

	test('a page of content/pages is a page', () => {
		expect(titled('/privacy')).toMatchObject({ kind: 'page' });
	});

	test("the app's own routes keep their path, and the root is Home", () => {
		expect(titled('/about')).toEqual({ path: '/about', title: '/about', kind: 'other' });
		expect(titled('/')).toEqual({ path: '/', title: 'Home', kind: 'other' });
	});

	test('a draft is not resolved: its path is shown as is', () => {
		expect(titled('/blog/draft-notes')).toMatchObject({ kind: 'other' });
	});
});

describe('sharedPublicStats', () => {
	/** A store whose reads of the demo site wait until `answer` lets them fail. */
	function store() {
		let reads = 0;
		const waiting: (() => void)[] = [];
		const couch = {
			sites: {
				get: () => {
					reads++;
					return new Promise((_, reject) => waiting.push(() => reject(new Error('down'))));
				}
			}
		} as unknown as Couch;
		return { couch, reads: () => reads, answer: () => waiting.splice(0).forEach((f) => f()) };
	}

	test('one read at a time: the requests that come while one runs share the next, which begins when it ends', async () => {
		const s = store();
		const first = sharedPublicStats(s.couch);
		const second = sharedPublicStats(s.couch);
		const third = sharedPublicStats(s.couch);
		expect(second).toBe(third);
		expect(second).not.toBe(first);
		expect(s.reads()).toBe(1);
		s.answer();
		await expect(first).rejects.toThrow('down');
		// The second read began once the first ended, failed or not; nothing else waits.
		await vi.waitFor(() => expect(s.reads()).toBe(2));
		s.answer();
		await expect(second).rejects.toThrow('down');
		const fourth = sharedPublicStats(s.couch);
		expect(s.reads()).toBe(3);
		s.answer();
		await expect(fourth).rejects.toThrow('down');
	});
});
