/**
 * The owned-sites cap on the built app, under concurrent requests: an account one site
 * short of MAX_OWNED posting several "Add site" forms at once ends with MAX_OWNED sites
 * (each creation claims its place on one document first: `claimOwned` in
 * src/lib/server/accounts/site-admin.ts).
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { RunningApp } from '../support/app';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import {
	addOwner,
	createSite,
	listSites,
	MAX_OWNED
} from '../../src/lib/server/accounts/site-admin';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import {
	freshPrefix,
	postAction,
	sessionCookie,
	startApp,
	testAccount,
	TEST_ADMIN_PASSWORD
} from './harness';

const store = new URL(inject('couchUrl'));
const prefix = freshPrefix();
const adminName = testAccount('owned-admin');
const ownerName = testAccount('owned-owner');
const adminUser: User = { name: adminName, roles: ['couchstats:admin'], isAdmin: true };
const ownerUser: User = { name: ownerName, roles: [], isAdmin: false };
let app: RunningApp;
let couch: Couch;

beforeAll(async () => {
	app = await startApp({
		env: {
			COUCHDB_URL: store.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: adminName,
			COUCHSTATS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD
		}
	});
	couch = createCouch(store, prefix);
	await createSite(couch, adminUser, {
		id: 'owned-1',
		name: 'One',
		hostnames: ['owned-1.example'],
		timeZone: 'UTC'
	});
	await addOwner(couch, adminUser, 'owned-1', ownerName, 'owner-password');
});
afterAll(async () => {
	await app?.stop();
});

test('concurrent site creations by an account one short of MAX_OWNED leave it MAX_OWNED sites', async () => {
	// `owned-2` … up to one short of the limit, written straight into the store.
	const docs = Array.from({ length: MAX_OWNED - 2 }, (_, i) =>
		siteRecord(
			{ id: `owned-${i + 2}`, name: `Site ${i + 2}`, hostnames: [], timeZone: 'UTC' },
			[ownerName],
			Date.now()
		)
	);
	await couch.sites.bulk({ docs });
	expect(await listSites(couch, ownerUser)).toHaveLength(MAX_OWNED - 1);
	const cookie = await sessionCookie(app.url, ownerName, 'owner-password');
	const answers = await Promise.all(
		['a', 'b', 'c', 'd', 'e', 'f'].map(async (x) => {
			const res = await postAction(app.url, cookie, '/sites?/create', {
				id: `owned-new-${x}`,
				name: `New ${x}`,
				hostnames: `new-${x}.example`,
				timeZone: 'UTC'
			});
			return (await res.json()) as { type: string; status: number };
		})
	);
	expect(answers.filter((a) => a.type === 'redirect')).toHaveLength(1);
	expect(answers.filter((a) => a.type === 'failure' && a.status === 400)).toHaveLength(5);
	expect(await listSites(couch, ownerUser)).toHaveLength(MAX_OWNED);
});
