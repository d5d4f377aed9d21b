import { describe, expect, test } from 'vitest';
import { refusal } from './guard';

const credentials = { user: 'couchdb-admin', password: 'pw' };
const admin = 'Basic ' + Buffer.from('couchdb-admin:pw').toString('base64');
const local = '127.0.0.1';

describe('the embedded store guard', () => {
	test.each([
		['GET', '/db/_changes?filter=_selector', admin, 400],
		['POST', '/db/_changes?feed=longpoll&filter=_selector', admin, 400],
		['GET', '/db/_changes?feed=continuous', admin, 400],
		['GET', '/db/_changes?feed=eventsource', admin, 400],
		['PUT', '/newdb', undefined, 401],
		['PUT', '/newdb', 'Basic ' + Buffer.from('couchdb-admin:wrong').toString('base64'), 401]
	])('refuses %s %s (known to crash express-pouchdb)', (method, url, authorization, status) => {
		expect(refusal({ method, url, remoteAddress: local, authorization }, credentials)?.status).toBe(
			status
		);
	});

	test.each([
		['PUT', '/_replicator/x'],
		['POST', '/_replicate'],
		['PUT', '/db/doc1'],
		['GET', '/_users/_all_docs'],
		['POST', '/'],
		['GET', '/%5Fsession/../_users'],
		['GET', '/_session/../_users/org.couchdb.user:admin'],
		// An outside re-check: the parsed path drops `..`, express-pouchdb routes it as sent
		// (one GET of this form crashed the app), and PUT /_session crashed it too.
		['GET', '/_users/x/../../_session'],
		['GET', '/_users/_local/x/..%2F..%2F_session'],
		['PUT', '/_session'],
		['GET', '/_session/x'],
		['GET', '//_session'],
		// An outside review guessed 41 passwords a second here, outside the app's throttle:
		// the app logs in as the store admin.
		['POST', '/_session']
	])('refuses %s %s to anyone but the store admin', (method, url) => {
		// An outside review: one anonymous PUT of a _replicator document crashed the app,
		// and once restarted the replication ran with the admin's rights.
		expect(refusal({ method, url, remoteAddress: local }, credentials)).toEqual({
			status: 401,
			error: 'unauthorized',
			reason:
				'the embedded store serves only its admin; anyone may ask who a session is (GET /_session), end it and read its welcome'
		});
	});

	test.each([
		['GET', '/_session'],
		['GET', '/'],
		['HEAD', '/'],
		['DELETE', '/_session'],
		['PUT', '/db/doc1']
	])('refuses %s %s with Basic credentials not the admin’s', (method, url) => {
		// An outside re-check guessed 84 passwords a second on the open paths: express-pouchdb
		// checks any Basic credentials it is sent.
		const member = 'Basic ' + Buffer.from('member:pw').toString('base64');
		for (const authorization of [member, 'Bearer x', '']) {
			expect(refusal({ method, url, remoteAddress: local, authorization }, credentials)).toEqual({
				status: 401,
				error: 'unauthorized',
				reason: "the embedded store takes only its admin's credentials"
			});
		}
	});

	test.each([
		['GET', '/db/_changes?feed=longpoll&since=now', admin],
		['PUT', '/newdb', admin],
		['PUT', '/db/doc1', admin],
		['GET', '/_session', undefined],
		['POST', '/_session', admin],
		['DELETE', '/_session', undefined],
		['GET', '/_session?basic=true', undefined],
		['GET', '/', undefined],
		['GET', '/_users/x/../../_session', admin]
	])('lets %s %s through', (method, url, authorization) => {
		expect(refusal({ method, url, remoteAddress: local, authorization }, credentials)).toBe(
			undefined
		);
	});

	test.each([
		['127.0.0.1:5984', undefined],
		['localhost:41234', undefined],
		['[::1]:5984', undefined],
		['rebind.attacker.example:5984', 403],
		['127.0.0.1.attacker.example', 403]
	])('a request whose Host is %s: %s', (host, status) => {
		// A page whose DNS name an attacker points at loopback sends its own name.
		expect(
			refusal(
				{ method: 'GET', url: '/', remoteAddress: local, host, authorization: admin },
				credentials
			)?.status
		).toBe(status);
	});

	test('refuses any request that does not come from loopback', () => {
		expect(
			refusal(
				{ method: 'GET', url: '/', remoteAddress: '10.0.0.5', authorization: admin },
				credentials
			)?.status
		).toBe(403);
	});
});

describe('session cookies at the embedded store', () => {
	const now = Date.parse('2026-11-21T12:00:00Z');
	const cookie = (seconds: number) =>
		'AuthSession=' +
		Buffer.from(`admin:${Math.floor(seconds).toString(16).toUpperCase()}:hmac`).toString(
			'base64url'
		);

	test.each([
		['issued ten years ahead', now / 1000 + 10 * 365 * 86400, 401],
		['issued two minutes ahead', now / 1000 + 120, 401],
		['issued eight days ago', now / 1000 - 8 * 86400, 401],
		['issued a minute ago', now / 1000 - 60, undefined],
		['issued six days ago', now / 1000 - 6 * 86400, undefined]
	])('a cookie %s: %s', (_, seconds, status) => {
		expect(
			refusal(
				{ method: 'GET', url: '/_session', remoteAddress: local, cookie: cookie(seconds) },
				credentials,
				now
			)?.status
		).toBe(status);
	});
});

test.each([
	['a body of 4,097 bytes', { contentLength: 4097 }, 413],
	['a chunked body', { chunked: true }, 413],
	['a body of 40 bytes', { contentLength: 40 }, undefined]
])('a DELETE /_session without the admin’s credentials with %s: %s', (_, body, status) => {
	// An outside re-check wrote 60 MB through the open path.
	expect(
		refusal({ method: 'DELETE', url: '/_session', remoteAddress: local, ...body }, credentials)
			?.status
	).toBe(status);
	const asAdmin = {
		method: 'POST',
		url: '/db/_bulk_docs',
		remoteAddress: local,
		authorization: admin
	};
	expect(refusal({ ...asAdmin, ...body }, credentials)).toBe(undefined);
});
