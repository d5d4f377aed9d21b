import { afterAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '$lib/server/couch';
import { demoSite } from '$lib/server/accounts/sites';
import { startSiteCache } from '$lib/server/ingest/site-cache';
import { load } from './+layout.server';

/** A sites database holding the demo site, counting every read of it. */
function sitesDb() {
	const site = { ...demoSite(0), timeZone: 'Europe/Paris' };
	const db = {
		reads: 0,
		list: async () => (db.reads++, { rows: [{ doc: site }] }),
		get: async () => (db.reads++, site)
	};
	return db;
}

afterAll(() => setCouch(undefined));

describe('the root layout', () => {
	test('gives demo pages the demo site’s time zone from the cached site list, no read per page', async () => {
		const db = sitesDb();
		setCouch({ sites: db } as unknown as Couch);
		startSiteCache(60_000);
		const page = () => load({ route: { id: '/(demo)/blog/[slug]' } } as never);
		expect(await page()).toMatchObject({ demoTimeZone: 'Europe/Paris' });
		// The list the ingest keeps is read once per TTL; pages after the first read nothing.
		expect(db.reads).toBe(1);
		for (let i = 0; i < 3; i++)
			expect(await page()).toMatchObject({ demoTimeZone: 'Europe/Paris' });
		expect(db.reads).toBe(1);
	});
});
