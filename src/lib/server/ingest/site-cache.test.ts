import type { DocumentScope } from 'nano';
import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { demoSite, type SiteRecord } from '../accounts/sites';
import { SiteCache, SiteList } from './site-cache';

/** A sites database answering `list` from an array, counting reads. */
function sitesDb(docs: unknown[], fail = false) {
	const db = {
		reads: 0,
		docs,
		list: async () => {
			db.reads++;
			if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { statusCode: undefined });
			return { rows: db.docs.map((doc) => ({ doc })) };
		}
	};
	return db;
}

describe('SiteCache', () => {
	test('reads the sites once per TTL, sharing one read between concurrent callers', async () => {
		let now = 0;
		const db = sitesDb([demoSite(0), { _id: '_design/x', views: {} }]);
		const cache = new SiteCache(
			() => db as unknown as DocumentScope<SiteRecord>,
			5000,
			() => now
		);
		const [a, b] = await Promise.all([cache.sites(), cache.sites()]);
		expect(a).toBe(b);
		expect(db.reads).toBe(1);
		expect(a.get('demo')).toEqual({
			id: 'demo',
			hostnames: ['localhost', '127.0.0.1'],
			timeZone: 'UTC'
		});
		expect(a.allowsOrigin('http://localhost:4173')).toBe(true);

		db.docs = [];
		now = 4999;
		expect((await cache.sites()).get('demo')).toBeDefined();
		now = 5000;
		expect((await cache.sites()).get('demo')).toBeUndefined();
		expect(db.reads).toBe(2);
	});

	test('after invalidate reads again at once, and keeps no read begun before it', async () => {
		const db = sitesDb([demoSite(0)]);
		const cache = new SiteCache(() => db as unknown as DocumentScope<SiteRecord>, 60_000);
		expect((await cache.sites()).get('demo')).toBeDefined();
		const before = cache.sites();
		expect(await before).toBe(await cache.sites());
		// A read under way when the site is deleted: it answers, but is not cached.
		cache.invalidate();
		const racing = cache.sites();
		db.docs = [];
		cache.invalidate();
		expect((await racing).get('demo')).toBeDefined();
		expect((await cache.sites()).get('demo')).toBeUndefined();
		expect(db.reads).toBe(3);
		expect((await cache.sites()).get('demo')).toBeUndefined();
		expect(db.reads).toBe(3);
	});

	test('leaves out a site being deleted, so the ingest takes no more records for it', async () => {
		const db = sitesDb([
			{ ...demoSite(0), deleting: 1 },
			{ ...demoSite(0), id: 'kept' }
		]);
		const cache = new SiteCache(() => db as unknown as DocumentScope<SiteRecord>, 0);
		const sites = await cache.sites();
		expect(sites.get('demo')).toBeUndefined();
		expect(sites.get('kept')).toBeDefined();
	});

	test('turns an unreachable sites database into a 503 and tries again on the next call', async () => {
		const db = sitesDb([], true);
		const cache = new SiteCache(() => db as unknown as DocumentScope<SiteRecord>, 5000);
		await expect(cache.sites()).rejects.toEqual(
			new CouchstatsError(503, 'the sites database is not reachable; retry later')
		);
		await expect(cache.sites()).rejects.toBeInstanceOf(CouchstatsError);
		expect(db.reads).toBe(2);
	});
});

describe('SiteList', () => {
	test("walks the sites' host names once per origin, and answers alike after", () => {
		let walked = 0;
		const site = (id: string, hostname: string) => ({
			id,
			timeZone: 'UTC',
			get hostnames() {
				walked++;
				return [hostname];
			}
		});
		const list = new SiteList([site('a', 'a.example'), site('b', '*.b.example')]);
		expect(list.allowsOrigin('https://shop.b.example')).toBe(true);
		expect(list.allowsOrigin('https://evil.example')).toBe(false);
		const once = walked;
		for (let i = 0; i < 10; i++) {
			expect(list.allowsOrigin('https://shop.b.example')).toBe(true);
			expect(list.allowsOrigin('https://evil.example')).toBe(false);
		}
		expect(walked).toBe(once);
		// Many origins: the answers kept stay bounded, and stay right.
		for (let i = 0; i < 1500; i++) list.allowsOrigin(`https://x${i}.example`);
		expect(list.allowsOrigin('https://a.example')).toBe(true);
		expect(list.allowsOrigin('https://x1.example')).toBe(false);
	});
});
