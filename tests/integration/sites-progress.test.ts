/**
 * The sites page's progress re-read (`/sites/progress.json`) on the built app: what the
 * page's load reads, as JSON, for the signed-in owner only, and never a token's or the
 * share link's hash.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import type { User } from '../../src/lib/server/accounts/auth';
import { createCouch } from '../../src/lib/server/couch';
import { addToken, enableShareLink } from '../../src/lib/server/accounts/site-admin';
import { hashToken } from '../../src/lib/server/accounts/tokens';
import { postLogin, startApp } from './harness';

let app: RunningApp;

async function signIn(): Promise<string> {
	const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
	return login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
}

beforeAll(async () => {
	app = await startApp();
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

test('answers the signed-in owner the sites page’s list and deletions, and nobody else', async () => {
	const anonymous = await fetch(`${app.url}/sites/progress.json`, { redirect: 'manual' });
	expect([anonymous.status, await anonymous.json()]).toEqual([
		401,
		{ error: 'unauthorized', message: 'log in' }
	]);

	const cookie = await signIn();
	const res = await fetch(`${app.url}/sites/progress.json?deleted=gone`, { headers: { cookie } });
	expect(res.status).toBe(200);
	expect(res.headers.get('cache-control')).toBe('private, no-store');
	const body = await res.json();
	expect(body.sites.map((s: { id: string }) => s.id)).toEqual(['demo']);
	// No deletion runs, and none of "gone" finished in this process.
	expect(body.deleting).toEqual([]);
	expect(body.finished).toBeUndefined();
});

test('shows the owner no hash of a token or of the share link, nor CouchDB’s _id and _rev', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin: User = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const { secret: token } = await addToken(couch, admin, 'demo', 'report');
	const share = await enableShareLink(couch, admin, 'demo');
	const hashes = [hashToken(token), hashToken(share)];
	const cookie = await signIn();

	const json = await fetch(`${app.url}/sites/progress.json`, { headers: { cookie } });
	const body = await json.json();
	expect(Object.keys(body.sites[0]).sort()).toEqual([
		'funnels',
		'goals',
		'hostnames',
		'id',
		'invited',
		'name',
		'owners',
		// Who made the share link (an account name, no secret).
		'shareBy',
		'shareSessions',
		'shared',
		'timeZone',
		'tokens'
	]);
	expect(body.sites[0]).toMatchObject({
		id: 'demo',
		shared: true,
		tokens: [{ id: `tok_${hashes[0].slice(0, 8)}`, label: 'report', createdAt: expect.any(Number) }]
	});
	expect(Object.keys(body.sites[0].tokens[0]).sort()).toEqual(['by', 'createdAt', 'id', 'label']);

	// The page's own data (embedded in its HTML) and the settings page's hold no hash either.
	for (const path of ['/sites', '/sites/demo/settings']) {
		const page = await fetch(`${app.url}${path}`, { headers: { cookie } });
		expect(page.status).toBe(200);
		const html = await page.text();
		for (const hash of hashes) expect(html).not.toContain(hash);
		expect(html).not.toMatch(/shareHash|_rev|"?_id"?:/);
	}
	const text = JSON.stringify(body);
	for (const hash of hashes) expect(text).not.toContain(hash);
});
