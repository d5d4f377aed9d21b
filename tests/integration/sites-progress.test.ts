/**
 * The sites page's progress re-read (`/sites/progress.json`) on the built app: what the
 * page's load reads, as JSON, for the signed-in owner only.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { postLogin, startApp } from './harness';

let app: RunningApp;

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

	const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
	const cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	const res = await fetch(`${app.url}/sites/progress.json?deleted=gone`, { headers: { cookie } });
	expect(res.status).toBe(200);
	expect(res.headers.get('cache-control')).toBe('private, no-store');
	const body = await res.json();
	expect(body.sites.map((s: { id: string }) => s.id)).toEqual(['demo']);
	// No deletion runs, and none of "gone" finished in this process.
	expect(body.deleting).toEqual([]);
	expect(body.finished).toBeUndefined();
});
