import crypto from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { PASSWORD_ITERATIONS } from './passwords';
import { closeTempStores, startTempStore } from './test-store';

afterEach(closeTempStores);

const key = (password: string, salt: string, rounds: number) =>
	crypto.pbkdf2Sync(password, salt, rounds, 20, 'sha1').toString('hex');

test('a hash of 10 rounds is made again with PASSWORD_ITERATIONS at a successful login, and its session stays valid', async () => {
	const temp = await startTempStore({ memory: true, viewEngine: false });
	const name = 'older-owner';
	const id = `/_users/org.couchdb.user:${name}`;
	const salt = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
	// As pouchdb-auth wrote every account's hash before 2026-12-05.
	const written = await temp.call('PUT', id, {
		name,
		type: 'user',
		roles: [],
		password_scheme: 'pbkdf2',
		iterations: 10,
		salt,
		derived_key: key('the-password', salt, 10)
	});
	expect(written.status).toBe(201);
	// As the app logs in: as the store admin (guard.ts), for the form's account.
	const logIn = (password: string) =>
		fetch(`${temp.origin}/_session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: temp.admin },
			body: JSON.stringify({ name, password })
		});

	expect((await logIn('a-wrong-password')).status).toBe(401);
	expect((await temp.call<{ iterations: number }>('GET', id)).body.iterations).toBe(10);

	const first = await logIn('the-password');
	expect(first.status).toBe(200);
	const stored = (
		await temp.call<{ iterations: number; salt: string; derived_key: string }>('GET', id)
	).body;
	expect(stored).toMatchObject({ iterations: PASSWORD_ITERATIONS, salt });
	expect(stored.derived_key).toBe(key('the-password', salt, PASSWORD_ITERATIONS));

	// The login's cookie was signed with the salt, which stayed.
	const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0];
	const session = await fetch(`${temp.origin}/_session`, { headers: { cookie } });
	expect(((await session.json()) as { userCtx: { name: string } }).userCtx.name).toBe(name);

	expect((await logIn('the-password')).status).toBe(200);
	expect((await logIn('a-wrong-password')).status).toBe(401);
	const again = (await temp.call<{ _rev: string }>('GET', id)).body;
	expect(again._rev.startsWith('2-')).toBe(true);
});
