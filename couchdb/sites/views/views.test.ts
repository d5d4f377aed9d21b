import { describe, expect, test } from 'vitest';
import { runMap } from '../../events/views/fake-emit';
import { map as share } from './share.js';
import { map as accounts } from './accounts.js';
import { map as listed } from './listed.js';
import { map as pending } from './pending.js';
import { map as search } from './search.js';
import { matchesSearch, searchStarts } from '../../../src/lib/sites-list';

const site = {
	_id: 'site:blog',
	type: 'site',
	id: 'blog',
	owners: ['alice', 'bob'],
	tokens: [],
	createdAt: 1
};

describe('the share view', () => {
	test("keys a site by its share link's hash", () => {
		expect(runMap(share, { ...site, shareHash: 'abc123' })).toEqual([['abc123', null]]);
	});

	test('has no row for a site without a share link, or one being deleted', () => {
		expect(runMap(share, site)).toEqual([]);
		expect(runMap(share, { ...site, shareHash: 'abc123', deleting: 5 })).toEqual([]);
	});

	test('has no row for a document that is not a site', () => {
		expect(runMap(share, { _id: 'x', shareHash: 'abc123' })).toEqual([]);
	});
});

describe('the accounts view', () => {
	test('keys a site by each of its owners and invited accounts, deleting or not', () => {
		expect(runMap(accounts, { ...site, invited: ['carol'] })).toEqual([
			['alice', 'owner'],
			['bob', 'owner'],
			['carol', 'invited']
		]);
		expect(runMap(accounts, { ...site, owners: ['carol'], deleting: 5 })).toEqual([
			['carol', 'owner']
		]);
	});

	test('skips names that are not strings, lists that are not arrays, documents that are not sites', () => {
		expect(runMap(accounts, { ...site, owners: ['alice', 7, null], invited: 'bob' })).toEqual([
			['alice', 'owner']
		]);
		expect(runMap(accounts, { ...site, owners: 'alice' })).toEqual([]);
		expect(runMap(accounts, { _id: 'x', owners: ['alice'] })).toEqual([]);
	});
});

describe('the listed view', () => {
	test('keys a site by each owner and by null (an admin), with its name', () => {
		expect(runMap(listed, { ...site, name: 'Blog', invited: ['carol'] })).toEqual([
			[[null, 'blog'], 'Blog'],
			[['alice', 'blog'], 'Blog'],
			[['bob', 'blog'], 'Blog']
		]);
	});

	test('has no row for a site being deleted, or a document that is not a site', () => {
		expect(runMap(listed, { ...site, name: 'Blog', deleting: 5 })).toEqual([]);
		expect(runMap(listed, { _id: 'x', id: 'x', owners: ['alice'] })).toEqual([]);
	});

	test('counts a site once for an owner named twice, and skips names that are not strings', () => {
		expect(runMap(listed, { ...site, name: 'Blog', owners: ['alice', 7, 'alice'] })).toEqual([
			[[null, 'blog'], 'Blog'],
			[['alice', 'blog'], 'Blog']
		]);
		expect(runMap(listed, { ...site, name: 'Blog', owners: 'alice' })).toEqual([
			[[null, 'blog'], 'Blog']
		]);
	});
});

describe('the pending view', () => {
	const value = { name: 'Blog', owners: ['alice', 'bob'] };

	test('keys a site being deleted by each owner and by null (an admin), and by no invited account', () => {
		expect(runMap(pending, { ...site, name: 'Blog', invited: ['carol'], deleting: 5 })).toEqual([
			[[null, 'deleting', 'blog'], value],
			[['alice', 'deleting', 'blog'], value],
			[['bob', 'deleting', 'blog'], value]
		]);
	});

	test('keys a site by each account invited to co-own it, once, and by nobody without invitations', () => {
		expect(runMap(pending, { ...site, name: 'Blog', invited: ['carol', 7, 'carol'] })).toEqual([
			[['carol', 'invited', 'blog'], value]
		]);
		expect(runMap(pending, { ...site, name: 'Blog' })).toEqual([]);
		expect(runMap(pending, { _id: 'x', id: 'x', invited: ['carol'] })).toEqual([]);
	});
});

describe('the search view', () => {
	const shop = {
		...site,
		id: 'shop-eu',
		name: 'My Shop',
		hostnames: ['shop.example.de'],
		owners: ['alice']
	};

	test('keys a site by each owner and by null, at each start of its id, name and host names', () => {
		const rows = runMap(search, shop);
		const starts = [...new Set(['shop-eu', 'My Shop', 'shop.example.de'].flatMap(searchStarts))];
		expect(rows).toEqual(
			[null, 'alice'].flatMap((account) =>
				starts.map((start) => [[account, start, 'shop-eu'], 'My Shop'])
			)
		);
		expect(rows.map(([key]) => (key as unknown[])[1])).toEqual(
			expect.arrayContaining(['my shop', 'shop', 'shop-eu', '-eu', 'eu', '.de', 'de'])
		);
	});

	test.each([
		['shop', true],
		['EU', true],
		['my sh', true],
		['example.de', true],
		['.de', true],
		['hop', false],
		['p.ex', false]
	])('finds the site by “%s” as matchesSearch does (%s)', (q, found) => {
		const starts = runMap(search, shop).map(([key]) => (key as unknown[])[1] as string);
		expect(starts.some((start) => start.startsWith(q.toLowerCase()))).toBe(found);
		expect(matchesSearch(shop, q)).toBe(found);
	});

	test('has no row for a site being deleted; skips owners named twice or not strings', () => {
		expect(runMap(search, { ...shop, deleting: 5 })).toEqual([]);
		const keys = runMap(search, { ...shop, owners: ['alice', 7, 'alice'] }).map(
			([key]) => (key as unknown[])[0]
		);
		expect([...new Set(keys)]).toEqual([null, 'alice']);
	});
});
