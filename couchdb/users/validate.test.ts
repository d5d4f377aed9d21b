import { describe, expect, test } from 'vitest';
import { adminsOnly } from './validate.js';

const account = { _id: 'org.couchdb.user:mallory', name: 'mallory', type: 'user', roles: [] };

describe("validate_doc_update for CouchDB's _users", () => {
	// On Apache CouchDB anyone may PUT to _users (self sign-up); the embedded store's guard
	// refuses everyone but its admin before this runs, so only this test reaches it there.
	test.each([
		['anonymous', { name: null, roles: [] }],
		['an account', { name: 'someone', roles: ['couchstats:admin'] }],
		['no user context', null]
	])('refuses a sign-up by %s', (_, userCtx) => {
		expect(() => adminsOnly(account, null, userCtx)).toThrow(
			expect.objectContaining({
				forbidden: 'accounts are created and changed by couchstats admins only'
			})
		);
	});

	test('lets a server admin write accounts', () => {
		expect(adminsOnly(account, null, { roles: ['_admin'] })).toBeUndefined();
	});
});
