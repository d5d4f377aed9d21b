import { expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { readSearch } from '../../src/lib/server/accounts/listed-sites';
import { createSite, findSite, siteForOwner } from '../../src/lib/server/accounts/site-admin';
import { useCouch } from './harness';

const owner: User = { name: 'hosts-owner', roles: [], isAdmin: false };

test('a host name typed in Unicode finds the site whose host is stored in punycode, as the store’s search view reads it', async () => {
	const { couch } = await useCouch();
	// As the site form stores them (site-admin.test.ts): in punycode.
	const sites = [
		{ id: 'buecher', name: 'Bücher Laden', hostnames: ['xn--bcher-kva.example'] },
		{ id: 'cafe', name: 'Café', hostnames: ['*.xn--caf-dma.example:8080'] },
		{ id: 'tokyo', name: 'Tokyo', hostnames: ['xn--r8jz45g.jp'] },
		{ id: 'plain', name: 'Plain', hostnames: ['plain.example'] }
	];
	for (const site of sites) await createSite(couch, owner, { ...site, timeZone: 'UTC' });
	const found = async (q: string) =>
		(await readSearch(couch, owner, q)).found.map((site) => site.id);
	expect(await found('bücher.example')).toEqual(['buecher']);
	expect(await found('BÜCHER')).toEqual(['buecher']);
	expect(await found('café.example')).toEqual(['cafe']);
	expect(await found('例え.jp')).toEqual(['tokyo']);
	// Stored and typed in punycode, and a name in its own script, as before.
	expect(await found('xn--bcher')).toEqual(['buecher']);
	expect(await found('bücher laden')).toEqual(['buecher']);
	expect(await found('plain')).toEqual(['plain']);
	// The owner's pages show the Unicode form beside the stored one.
	const cafe = await findSite(couch, 'cafe');
	expect(siteForOwner(cafe!)).toMatchObject({
		hostnames: ['*.xn--caf-dma.example:8080'],
		unicodeHosts: { '*.xn--caf-dma.example:8080': '*.café.example:8080' }
	});
	const plain = await findSite(couch, 'plain');
	expect(siteForOwner(plain!).unicodeHosts).toEqual({});
});
