import { describe, expect, test } from 'vitest';
import type { Couch } from '$lib/server/couch';
import { SHARED_MS, sharedPublicStats, titled } from './public-stats';

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

	test('requests while a read runs, or within SHARED_MS of its start, share it; a failed read is not kept', async () => {
		let t = Date.UTC(2026, 11, 5);
		const now = () => t;
		const s = store();
		const first = sharedPublicStats(s.couch, now);
		t += SHARED_MS - 1;
		const second = sharedPublicStats(s.couch, now);
		expect(second).toBe(first);
		expect(s.reads()).toBe(1);
		s.answer();
		await expect(first).rejects.toThrow('down');
		// Failed: the next request reads again, whenever it comes.
		const third = sharedPublicStats(s.couch, now);
		expect(third).not.toBe(first);
		expect(s.reads()).toBe(2);
		// A read in flight is shared however long it takes.
		t += 10 * SHARED_MS;
		expect(sharedPublicStats(s.couch, now)).toBe(third);
		expect(s.reads()).toBe(2);
		s.answer();
		await expect(third).rejects.toThrow('down');
	});
});
