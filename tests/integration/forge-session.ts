/**
 * Forges CouchDB `AuthSession` values as someone holding a store's cookie secret could,
 * the way CouchDB and pouchdb-auth compute them: base64url of `name:TIMESTAMP:` and the
 * HMAC-SHA1 of `name:TIMESTAMP` keyed with the secret followed by the account's salt.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCouch } from '../../src/lib/server/couch';
import { CREDENTIALS_FILE } from '../../src/lib/server/embedded/server';

/**
 * An AuthSession value for `name`, issued at `issuedAt` (seconds), signed with the
 * secret of the embedded store in `dataDir`.
 * @param couchUrl The store's URL with admin credentials, to read the account's salt.
 */
export async function forgeAuthSession(
	dataDir: string,
	couchUrl: URL,
	name: string,
	issuedAt: number
): Promise<string> {
	const { secret } = JSON.parse(fs.readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8'));
	const users = createCouch(couchUrl, 'unused').server.use<{ salt: string }>('_users');
	const { salt } = await users.get(`org.couchdb.user:${name}`);
	const data = `${name}:${Math.floor(issuedAt).toString(16).toUpperCase()}`;
	const hmac = createHmac('sha1', secret + salt)
		.update(data)
		.digest();
	return Buffer.concat([new Uint8Array(Buffer.from(`${data}:`)), new Uint8Array(hmac)]).toString(
		'base64url'
	);
}
