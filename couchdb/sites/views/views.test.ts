import { describe, expect, test } from 'vitest';
import { runMap } from '../../events/views/fake-emit';
import { map as share } from './share.js';
import { map as owners } from './owners.js';

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

describe('the owners view', () => {
	test('keys a site by each of its owners, deleting or not', () => {
		expect(runMap(owners, site)).toEqual([
			['alice', null],
			['bob', null]
		]);
		expect(runMap(owners, { ...site, owners: ['carol'], deleting: 5 })).toEqual([['carol', null]]);
	});

	test('skips owners that are not names and documents that are not sites', () => {
		expect(runMap(owners, { ...site, owners: ['alice', 7, null] })).toEqual([['alice', null]]);
		expect(runMap(owners, { ...site, owners: 'alice' })).toEqual([]);
		expect(runMap(owners, { _id: 'x', owners: ['alice'] })).toEqual([]);
	});
});
