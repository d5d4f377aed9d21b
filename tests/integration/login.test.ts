/**
 * Logging in and out of the BUILT app, over HTTP: the throttle against parallel
 * guesses, where the browser is sent afterwards, what CouchDB's lockout (a 403 from
 * `_session`, as Apache CouchDB 3.5 answers) turns into, that a server admin's name
 * never reaches `_session`, and that logging out ends the session server-side.
 *
 * The app runs with COUCHDB_URL pointing at the suite's CouchDB (the embedded store, or
 * COUCHSTATS_TEST_COUCHDB_URL) through a small HTTP proxy that counts `_session` logins
 * and, when told to, answers them as CouchDB's lockout does; every other request passes
 * through unchanged. Its first account has a name of its own, since logging out ends
 * every session of an account and other test files log in as theirs meanwhile.
 */
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { delayAfter } from '../../src/lib/server/accounts/login-throttle';
import { NAME_MAX } from '../../src/lib/account-limits';
import { STACK_LINE, type RunningApp } from '../support/app';
import { storeProxy, type StoreProxy } from '../support/store-proxy';
import {
	TEST_ADMIN_PASSWORD,
	embeddedOnly,
	freshPrefix,
	postAction,
	postLogin,
	sessionCookie,
	startApp,
	testAccount
} from './harness';

/** The suite's CouchDB, with admin credentials. */
const store = new URL(inject('couchUrl'));
/** The app's first account. */
const owner = testAccount('login-owner');
let proxy: StoreProxy;
let app: RunningApp;
const proxied = { lockout: false, logins: [] as string[], inFlight: 0, mostInFlight: 0 };

beforeAll(async () => {
	proxy = await storeProxy(store, (req, res, body) => {
		if (req.method !== 'POST' || req.url !== '/_session') return false;
		// nano sends the form encoding; CouchDB also takes JSON.
		const text = body.toString();
		const name = text.startsWith('{')
			? JSON.parse(text).name
			: new URLSearchParams(text).get('name');
		proxied.logins.push(String(name));
		proxied.inFlight++;
		proxied.mostInFlight = Math.max(proxied.mostInFlight, proxied.inFlight);
		res.once('close', () => proxied.inFlight--);
		if (!proxied.lockout) return false;
		res.writeHead(403, { 'content-type': 'application/json' });
		res.end(
			'{"error":"forbidden","reason":"Account is temporarily locked due to multiple authentication failures"}'
		);
		return true;
	});
	app = await startApp({
		env: {
			COUCHDB_URL: proxy.url.toString(),
			COUCHSTATS_DB_PREFIX: freshPrefix(),
			COUCHSTATS_ADMIN_NAME: owner
		}
	});
});

afterAll(async () => {
	await app?.stop();
	await proxy?.close();
});

const login = (name: string, password: string, query = '') =>
	postLogin(app.url, name, password, query);

/** Logs in as the first account and returns the session cookie (`name=value`). */
async function logIn(): Promise<string> {
	const res = await login(owner, TEST_ADMIN_PASSWORD);
	expect(res.status).toBe(303);
	return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/** Who the login page says is logged in with this cookie, or null. */
async function loggedInAs(cookie: string): Promise<string | null> {
	const page = await (await fetch(`${app.url}/login`, { headers: { cookie } })).text();
	return /You are logged in as <strong>([^<]+)<\/strong>/.exec(page)?.[1] ?? null;
}

describe('logging in to the built app', () => {
	test.each([
		['%2Fsites%2Fdemo%3Frange%3D30d', '/sites/demo?range=30d'],
		['', '/sites'],
		['%2F%5Cevil.test%2Fx', '/sites'],
		['%2F.%2F%2Fevil.test', '/sites'],
		['%2F%2Fevil.test', '/sites'],
		['https%3A%2F%2Fevil.test%2F', '/sites'],
		['%2F%2F%5C%5Cevil.test', '/sites']
	])(
		'sends the browser to a path of this origin only: redirectTo=%s goes to %s',
		async (to, location) => {
			const res = await login(owner, TEST_ADMIN_PASSWORD, `?redirectTo=${to}`);
			expect(res.status).toBe(303);
			expect(res.headers.get('location')).toBe(location);
		}
	);

	test('a redirectTo with a control character is refused, the browser sent nowhere', async () => {
		const res = await login(owner, TEST_ADMIN_PASSWORD, '?redirectTo=%2F%09%2Fevil.test');
		expect(res.status).toBe(400);
		expect(res.headers.get('location')).toBeNull();
		expect(await res.text()).toContain('control character (U+0009)');
	});

	test('a page whose site id is no site id reaches no document of the store', async () => {
		// An outside security probe: nano leaves an id containing `_local` unencoded, so
		// this path read an account's document as a "site" with the store admin's rights.
		const cookie = await logIn();
		for (const path of [
			`/sites/x_local%2F..%2F..%2F_users%2Forg.couchdb.user%3A${owner}`,
			'/sites/x_local%2F..%2Fsite%3Ademo',
			'/sites/x_local%2F..%2Fsite%3Ademo/settings',
			'/sites/x_local%2F..%2F..%2Fcouchstats-events%2F_all_docs%3Finclude_docs%3Dtrue/sessions'
		]) {
			const res = await fetch(`${app.url}${path}`, { headers: { cookie } });
			expect(res.status, path).toBe(404);
			const page = await res.text();
			expect(page, path).not.toContain(`${owner} ·`);
			// Nor is the path's text shown on the app's origin (content for a phishing page).
			expect(page, path).toContain('no site has that id');
			expect(page, path).not.toContain('x_local');
		}
		const deletion = await fetch(`${app.url}/sites?/finishDeletion`, {
			method: 'POST',
			headers: {
				cookie,
				origin: app.url,
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams({ id: 'x_local/../site:demo' })
		});
		expect(await deletion.text()).toContain('no site');
		expect((await fetch(`${app.url}/sites/demo`, { headers: { cookie } })).status).toBe(200);
	});

	test('logs a refused login as one line with the client address, without the name typed', async () => {
		// An outside operations review: a failed login left no trace for fail2ban and the like.
		const before = app.output().length;
		const typed = testAccount('typo-name');
		expect((await login(typed, 'wrong-password')).status).toBe(401);
		await vi.waitFor(() =>
			expect(app.output().slice(before)).toContain(
				'couchstats: login refused from 127.0.0.1 (401: Wrong account name or password.)'
			)
		);
		expect(app.output().slice(before)).not.toContain(typed);
		expect(app.output().slice(before)).not.toContain('wrong-password');
	});

	embeddedOnly(
		'Apache CouchDB locks a name after 5 failed logins from one address unless [chttpd_auth_lockout] mode = off'
	)('checks parallel wrong passwords one at a time, each after its delay', async () => {
		const guessed = testAccount('parallel');
		proxied.mostInFlight = 0;
		const started = Date.now();
		const answers = await Promise.all(
			Array.from({ length: 10 }, () => login(guessed, 'wrong-password'))
		);
		const elapsed = Date.now() - started;
		const checked = answers.filter((res) => res.status === 401).length;
		// 401 once checked; 429 when more than four already waited behind the running one.
		expect(answers.filter((res) => res.status !== 401 && res.status !== 429)).toEqual([]);
		expect(checked).toBeGreaterThanOrEqual(5);
		expect(proxied.logins.filter((name) => name === guessed)).toHaveLength(checked);
		expect(proxied.mostInFlight).toBe(1);
		// Three free attempts, then 1 s, 2 s, 4 s … before each further check.
		const waited = Array.from({ length: checked }, (_, i) => delayAfter(i)).reduce((a, b) => a + b);
		expect(elapsed).toBeGreaterThanOrEqual(waited);
	});

	test('never sends the name of a CouchDB server admin to _session', async () => {
		const before = proxied.logins.length;
		const res = await login(decodeURIComponent(store.username), decodeURIComponent(store.password));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain('Wrong account name or password.');
		expect(proxied.logins.slice(before)).toEqual([]);
	});

	test('answers a name longer than any account at once with 400, never reaching _session, and echoes none of it', async () => {
		// An outside security probe crashed the app with 500 KB names, each kept by the throttle.
		const before = proxied.logins.length;
		const long = 'n'.repeat(1_000);
		const res = await login(long, 'whatever-password');
		expect(res.status).toBe(400);
		const page = await res.text();
		expect(page).toContain(`An account name has at most ${NAME_MAX} characters`);
		expect(page).not.toContain('n'.repeat(NAME_MAX + 1));
		expect(proxied.logins.slice(before)).toEqual([]);
	});

	test('answers a login body larger than its two fields can be with 413, before parsing it', async () => {
		// An outside security probe: 1 MB login forms of `=&` cost 155 ms of CPU each to parse.
		const before = proxied.logins.length;
		const res = await fetch(`${app.url}/login`, {
			method: 'POST',
			headers: { origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
			body: '=&'.repeat(50_000)
		});
		expect(res.status).toBe(413);
		expect(await res.text()).toContain('the body is larger than 16384 bytes');
		expect(proxied.logins.slice(before)).toEqual([]);
	});

	test("answers any form past the server's BODY_SIZE_LIMIT with 413 naming the limit, not 400", async () => {
		// An outside probe: a 1.5 MB site name was told "its body is not the form its
		// content type says", since `request.formData()` threw adapter-node's 413.
		const cookie = await sessionCookie(app.url, owner, TEST_ADMIN_PASSWORD);
		const res = await postAction(app.url, cookie, '/sites?/create', {
			id: 'big-form',
			name: 'n'.repeat(1_500_000),
			hostnames: 'big-form.test',
			timeZone: 'UTC'
		});
		expect(res.status).toBe(413);
		expect(await res.text()).toContain('the body is larger than 1048576 bytes');
	});

	test.each([
		[
			'text/plain',
			'name=a',
			415,
			'a form is posted as application/x-www-form-urlencoded or multipart/form-data, not text/plain'
		],
		['multipart/form-data', 'name=a', 400, 'the form could not be read'],
		['multipart/form-data; boundary=XX', 'garbage', 400, 'the form could not be read']
	])(
		'answers a form body of type %s it cannot read with %i and a reason, and logs no stack',
		async (type, body, status, reason) => {
			// An outside security probe: each such anonymous request answered 500 and logged a
			// 15-line stack trace.
			const before = app.output().length;
			const res = await fetch(`${app.url}/login`, {
				method: 'POST',
				headers: { origin: app.url, 'content-type': type },
				body
			});
			expect(res.status).toBe(status);
			expect(await res.text()).toContain(reason);
			expect(app.output().slice(before)).not.toMatch(STACK_LINE);
		}
	);

	test('answers 429, never 500, when CouchDB refuses the login with 403 (its lockout)', async () => {
		proxied.lockout = true;
		try {
			const res = await login(owner, TEST_ADMIN_PASSWORD);
			expect(res.status).toBe(429);
			expect(await res.text()).toContain(
				'CouchDB has locked this account for a few minutes after repeated failed logins'
			);
		} finally {
			proxied.lockout = false;
		}
		expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	});
});

describe('sessions of the built app', () => {
	test('end at logout on the server: a copied cookie no longer works', async () => {
		const cookie = await logIn();
		const otherDevice = await logIn();
		expect(await loggedInAs(cookie)).toBe(owner);
		const out = await fetch(`${app.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.url, cookie }
		});
		expect(out.status).toBe(303);
		expect(await loggedInAs(cookie)).toBeNull();
		expect(await loggedInAs(otherDevice)).toBeNull();
		// Logging in again works at once.
		expect(await loggedInAs(await logIn())).toBe(owner);
	});

	test('cannot be ended by another site: a cross-site logout without a content type is refused', async () => {
		const cookie = await logIn();
		const forced = await fetch(`${app.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: 'https://evil.test', cookie }
		});
		expect(forced.status).toBe(403);
		expect(await loggedInAs(cookie)).toBe(owner);
	});
});
