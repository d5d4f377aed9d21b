/**
 * The built app as `npm start` runs it: start, restart on the same data, an external
 * COUCHDB_URL, and every kind of bad configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, test, vi } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { readDesignDocs } from '../../src/lib/server/boot/design-docs';
import { ensureSetup, toCouchDesign } from '../../src/lib/server/boot/setup';
import { redact } from '../../src/lib/server/boot/config';
import { connectForScript } from '../../src/lib/server/boot/connect';
import { pageview } from '../support/ingest-records';
import { SESSION_LIFETIME_S } from '../../src/lib/server/accounts/session-token';
import { forgeAuthSession } from './forge-session';
import {
	TEST_ADMIN_PASSWORD,
	basicAuth,
	embeddedOnly,
	firstAccountFor,
	freePort,
	freshPrefix,
	postLogin,
	runAppToExit,
	startApp,
	tempDir,
	testAccount
} from './harness';
import type { RunningApp } from '../support/app';
import { embeddedUrl } from '../support/app';
import { runTool } from '../support/scripts';

/** Posts the login form as the app's first account. */
const postAdminLogin = (app: RunningApp, password: string) =>
	postLogin(app.url, app.adminName, password);

/** Forges session cookies with the embedded store's secret, read from the data directory. */
const forgesCookies = embeddedOnly(
	'it forges session cookies with the embedded store’s secret from the data directory'
);

describe('the built app', () => {
	embeddedOnly('it checks the data directory, its store and the tools that share it')(
		'serves / and /healthz, and a restart reuses the data without redeploying',
		async () => {
			const dataDir = tempDir();
			const first = await startApp({ dataDir, env: { COUCHSTATS_ADMIN_PASSWORD: undefined } });
			try {
				expect((await fetch(first.url + '/')).status).toBe(200);
				const health = await fetch(first.url + '/healthz');
				expect(health.status).toBe(200);
				expect(await health.json()).toEqual({ ok: true, couchdb: 'ok' });
				expect(first.output()).toContain('deployed couchstats-events/_design/stats');
				expect(first.output()).toMatch(/created account "admin" with password \S+ — save it now/);
			} finally {
				expect(await first.stop()).toBe(0);
			}
			// A start and a stop say when, as every line of the running server does (an outside
			// probe: a log kept in a file did not say when the app restarted).
			expect(first.output()).toMatch(/^\S+Z Listening on http:\/\//m);
			expect(first.output()).toMatch(/^\S+Z couchstats: store closed$/m);
			expect(fs.existsSync(path.join(dataDir, 'db'))).toBe(true);

			// A command-line tool (bundled differently from the app) deploys nothing either.
			const tool = await connectForScript({ COUCHSTATS_DATA_DIR: dataDir });
			try {
				const stats = await tool.couch.events.get('_design/stats');
				expect(stats._rev).toMatch(/^1-/);
			} finally {
				await tool.close();
			}

			const second = await startApp({ dataDir, env: { COUCHSTATS_ADMIN_PASSWORD: undefined } });
			try {
				expect((await fetch(second.url + '/healthz')).status).toBe(200);
				expect(second.output()).not.toContain('deployed');
				expect(second.output()).not.toContain('created');
				expect(second.output()).not.toContain('password');
			} finally {
				await second.stop();
			}
		}
	);

	embeddedOnly('it opens the embedded store’s data directory a second time')(
		'a second app or npm run couch on a data directory in use stops with one line, and the running app goes on',
		async () => {
			const app = await startApp();
			try {
				const storeUrl = embeddedUrl(app.dataDir)!.toString();
				const inUse = new RegExp(
					`^couchstats: data directory ${app.dataDir} is in use by another process ` +
						`\\(pid ${app.process.pid}, its store on 127\\.0\\.0\\.1:${app.couchUrl!.port}\\) — `
				);
				const second = await runAppToExit({
					PORT: String(await freePort()),
					COUCHSTATS_DATA_DIR: app.dataDir
				});
				expect(second.code).toBe(1);
				expect(second.stderr.trim()).toMatch(inUse);
				expect(second.stderr.trim()).toMatch(
					/— stop that process first, or set COUCHSTATS_DATA_DIR to another directory$/
				);
				expect(second.stderr.trim().split('\n')).toHaveLength(1);

				const couch = runTool('couch.ts', [], { COUCHSTATS_DATA_DIR: app.dataDir });
				expect(await couch.exit).toBe(1);
				const line = couch.stderr().trim();
				expect(line).toMatch(inUse);
				expect(line).toContain('its start log names the URL');
				expect(line.split('\n')).toHaveLength(1);
				expect(app.output()).toContain('embedded CouchDB-compatible store at http://');

				// The running app still writes and reads, and still says where its store is.
				const stored = await fetch(`${app.url}/api/ingest/_bulk_docs`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ docs: [pageview(Date.now())], new_edits: false })
				});
				expect(await stored.json()).toEqual([]);
				expect((await fetch(app.url + '/healthz')).status).toBe(200);
				expect(embeddedUrl(app.dataDir)?.toString()).toBe(storeUrl);
			} finally {
				expect(await app.stop()).toBe(0);
			}
			// Stopped, the directory is free again.
			const again = await startApp({ dataDir: app.dataDir });
			expect(await again.stop()).toBe(0);
		}
	);

	embeddedOnly('it copies the embedded store’s data directory')(
		'a tool on a copy of a running app’s data directory uses the copy, not the app’s store',
		async () => {
			const app = await startApp();
			const copy = tempDir();
			try {
				// What a copy taken while the app ran holds: its running file and credentials.
				for (const file of ['couchdb-running.json', 'couchdb-admin.json']) {
					fs.copyFileSync(path.join(app.dataDir, file), path.join(copy, file));
				}
				const tool = await connectForScript({ COUCHSTATS_DATA_DIR: copy });
				try {
					expect(tool.store).toContain(`the embedded store in ${copy} `);
					expect(tool.store).toContain('started by this tool');
				} finally {
					await tool.close();
				}
				// On the app's own directory a tool still uses the running app.
				const onApp = await connectForScript({ COUCHSTATS_DATA_DIR: app.dataDir });
				expect(onApp.store).toContain(`the running app's embedded store in ${app.dataDir}`);
				await onApp.close();
			} finally {
				await app.stop();
			}
		}
	);

	embeddedOnly('the data directory holds the embedded store’s files and secret')(
		'keeps every file of a fresh data dir owner-only, after the first start and a restart',
		async () => {
			const dataDir = tempDir();
			// Group- and world-readable entries, as a data dir from before had them.
			const exposed = () =>
				walk(dataDir)
					.map((entry) => ({ entry, mode: fs.lstatSync(entry).mode & 0o777 }))
					.filter(({ mode }) => mode & 0o077);
			const first = await startApp({ dataDir });
			try {
				// Records written while the store runs land in files leveldb creates then.
				const docs = Array.from({ length: 50 }, () => pageview(Date.now()));
				const stored = await fetch(`${first.url}/api/ingest/_bulk_docs`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ docs, new_edits: false })
				});
				expect(await stored.json()).toEqual([]);
				expect(walk(dataDir).length).toBeGreaterThan(10);
				expect(exposed()).toEqual([]);
				// A tool run beside the app (an import, retention) rewrites the lock's leveldb
				// log as it finds the directory taken: an outside probe found it 0644.
				// Spawned with a common umask: this process's own may be the store's 077.
				const umask = process.umask(0o022);
				const tool = runTool('couch.ts', [], { COUCHSTATS_DATA_DIR: dataDir });
				process.umask(umask);
				expect(await tool.exit).toBe(1);
				expect(exposed()).toEqual([]);
			} finally {
				await first.stop();
			}
			for (const entry of walk(dataDir)) {
				fs.chmodSync(entry, fs.statSync(entry).isDirectory() ? 0o755 : 0o644);
			}
			const second = await startApp({ dataDir });
			try {
				expect(exposed()).toEqual([]);
			} finally {
				await second.stop();
			}
			expect(exposed()).toEqual([]);
		}
	);

	test('logs in through CouchDB _session with the generated password, and refuses a wrong one', async () => {
		const app = await startApp({ env: { COUCHSTATS_ADMIN_PASSWORD: undefined } });
		try {
			const password = /with password (\S+) —/.exec(app.output())?.[1];
			expect(password).toBeTruthy();
			const post = (pw: string) => postAdminLogin(app, pw);
			const wrong = await post('wrong-password');
			expect(wrong.status).toBe(401);
			expect(await wrong.text()).toContain('Wrong account name or password.');
			expect(wrong.headers.get('set-cookie')).toBeNull();

			const right = await post(password!);
			expect(right.status).toBe(303);
			const cookie = right.headers.get('set-cookie') ?? '';
			expect(cookie).toMatch(/^couchstats_session=[^;]+;.*HttpOnly/i);
			const page = await fetch(app.url + '/login', { headers: { cookie: cookie.split(';')[0] } });
			expect(await page.text()).toContain(`You are logged in as <strong>${app.adminName}</strong>`);
		} finally {
			await app.stop();
		}
	});

	test('on https the session cookie is __Host-: only this origin sets it, and a plain one is no session', async () => {
		// An outside review: a page of another service on the same host name (another
		// port) replaced the owner's session cookie with one of its own choosing.
		const origin = 'https://stats.example';
		const app = await startApp({ env: { ORIGIN: origin } });
		try {
			const login = await fetch(`${app.url}/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					origin,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({ name: app.adminName, password: 'test-admin-password' })
			});
			expect(login.status).toBe(303);
			const cookie = login.headers.get('set-cookie') ?? '';
			expect(cookie).toMatch(/^__Host-couchstats_session=[^;]+;/);
			expect(cookie).toMatch(/; Path=\/(;|$)/i);
			expect(cookie).toMatch(/; Secure(;|$)/i);
			expect(cookie).not.toMatch(/Domain=/i);
			const token = cookie.split(';')[0].split('=').slice(1).join('=');
			const page = (cookie: string) =>
				fetch(`${app.url}/login`, { headers: { cookie } }).then((r) => r.text());
			const loggedIn = `You are logged in as <strong>${app.adminName}</strong>`;
			expect(await page(`__Host-couchstats_session=${token}`)).toContain(loggedIn);
			expect(await page(`couchstats_session=${token}`)).not.toContain(loggedIn);
		} finally {
			await app.stop();
		}
	});

	forgesCookies('keeps a session for the one documented lifetime, as the cookie says', async () => {
		const app = await startApp();
		try {
			const now = Math.floor(Date.now() / 1000);
			// The store's default idle timeout was 600 s: owners were sent to /login.
			expect(await forgedLogin(app, now - 11 * 60)).toBe(true);
			expect(await forgedLogin(app, now - SESSION_LIFETIME_S + 3600)).toBe(true);
			expect(await forgedLogin(app, now - SESSION_LIFETIME_S - 60)).toBe(false);
			const login = await postAdminLogin(app, 'test-admin-password');
			expect(login.headers.get('set-cookie')).toContain(`Max-Age=${SESSION_LIFETIME_S}`);
		} finally {
			await app.stop();
		}
	});

	forgesCookies(
		'refuses a session cookie forged with a timestamp in the future, in the app and the store',
		async () => {
			const app = await startApp();
			try {
				// With the secret and a far-future timestamp, such a cookie would never expire.
				const future = Math.floor(Date.now() / 1000) + 10 * 365 * 24 * 3600;
				expect(await forgedLogin(app, future)).toBe(false);
				const forged = await forgeAuthSession(app.dataDir, app.couchUrl!, app.adminName, future);
				const direct = await fetch(`${app.couchUrl!.origin}/_session`, {
					headers: { cookie: `AuthSession=${forged}` }
				});
				expect(await direct.json()).not.toMatchObject({ userCtx: { name: app.adminName } });
			} finally {
				await app.stop();
			}
		}
	);

	embeddedOnly(
		'Apache CouchDB locks a name after 5 failed logins from one address unless [chttpd_auth_lockout] mode = off'
	)(
		'slows down repeated wrong passwords for an account, and not the right one after a success',
		async () => {
			const app = await startApp();
			try {
				const attempt = async (password: string) => {
					const started = Date.now();
					const res = await postAdminLogin(app, password);
					return { status: res.status, waited: Date.now() - started };
				};
				const wrong = [];
				for (let i = 0; i < 5; i++) wrong.push(await attempt('wrong-password'));
				expect(wrong.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
				// Three free attempts, then 1 s and 2 s before the password is even checked.
				expect(wrong[3].waited).toBeGreaterThanOrEqual(1000);
				expect(wrong[4].waited).toBeGreaterThanOrEqual(2000);
				const right = await attempt('test-admin-password');
				expect(right.status).toBe(303);
				expect((await attempt('wrong-password')).waited).toBeLessThan(1000);
			} finally {
				await app.stop();
			}
		}
	);

	test('uses COUCHDB_URL when set and starts no embedded store', async () => {
		const couchUrl = inject('couchUrl');
		const dataDir = tempDir();
		const prefix = freshPrefix();
		const app = await startApp({
			dataDir,
			env: {
				COUCHDB_URL: couchUrl,
				COUCHSTATS_DB_PREFIX: prefix,
				COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix)
			}
		});
		try {
			expect((await fetch(app.url + '/healthz')).status).toBe(200);
			expect(app.output()).toContain(`couchstats: CouchDB at ${redact(new URL(couchUrl))}`);
			expect(app.output()).not.toContain('embedded');
			expect(fs.readdirSync(dataDir)).toEqual([]);
			const { origin } = new URL(couchUrl);
			const dbs = (await (
				await fetch(`${origin}/_all_dbs`, {
					headers: { authorization: basicAuth(new URL(couchUrl)) }
				})
			).json()) as string[];
			expect(dbs).toEqual(expect.arrayContaining([`${prefix}-events`, `${prefix}-sites`]));
		} finally {
			await app.stop();
		}
	});

	test('stages a changed _design/stats on start and makes it live once its index is built', async () => {
		const couchUrl = inject('couchUrl');
		const prefix = freshPrefix();
		const couch = createCouch(new URL(couchUrl), prefix);
		// A previous version: one map differs by a space, so its index does too.
		const designs = readDesignDocs();
		const stats = designs.events.find((d) => d._id === '_design/stats')!;
		const current = toCouchDesign(stats).couchstats_hash;
		const metrics = stats.views!.metrics;
		await ensureSetup(couch, {
			adminName: firstAccountFor(prefix),
			designs: {
				...designs,
				events: designs.events.map((d) =>
					d === stats
						? { ...d, views: { ...d.views, metrics: { ...metrics, map: metrics.map + ' ' } } }
						: d
				)
			}
		});
		const scope = couch.server.use<{ couchstats_hash: string }>(couch.names.events);
		expect((await scope.get('_design/stats')).couchstats_hash).not.toBe(current);
		const app = await startApp({
			env: {
				COUCHDB_URL: couchUrl,
				COUCHSTATS_DB_PREFIX: prefix,
				COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix)
			}
		});
		try {
			expect(app.output()).toContain(
				`couchstats: building the changed views of ${couch.names.events}/_design/stats in the background`
			);
			await vi.waitFor(
				async () => expect((await scope.get('_design/stats')).couchstats_hash).toBe(current),
				{ timeout: 60_000, interval: 50 }
			);
			await vi.waitFor(
				() =>
					expect(app.output()).toContain('_design/stats: the changed views are built and now live'),
				{ timeout: 10_000, interval: 50 }
			);
			await expect(scope.get('_design/stats-next')).rejects.toMatchObject({ statusCode: 404 });
		} finally {
			await app.stop();
		}
	});
});

/** Whether the app takes a session cookie forged for its first account, issued at `issuedAt` (s). */
async function forgedLogin(app: RunningApp, issuedAt: number): Promise<boolean> {
	const forged = await forgeAuthSession(app.dataDir, app.couchUrl!, app.adminName, issuedAt);
	const page = await fetch(`${app.url}/login`, {
		headers: { cookie: `couchstats_session=${forged}` }
	});
	return (await page.text()).includes(`You are logged in as <strong>${app.adminName}</strong>`);
}

/** The directory and every entry below it. */
function walk(dir: string): string[] {
	return [
		dir,
		...fs
			.readdirSync(dir, { recursive: true, encoding: 'utf8' })
			.map((name) => path.join(dir, name))
	];
}

/** The app started through `npm start`'s launcher: the launcher's pid and the app's. */
async function launched(env?: Record<string, string>) {
	const app = await startApp({ viaStart: true, timeoutMs: 120_000, env });
	const pid = app.process.pid!;
	const [child] = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ');
	return { app, pid, child };
}

describe('bad configuration exits non-zero with one clear line', () => {
	test.each([
		[
			'a malformed PORT',
			() => ({ PORT: 'eighty' }),
			/^couchstats: PORT is not a whole number \(got "eighty"\) — use e\.g\. PORT=3000$/
		],
		[
			'a COUCHDB_URL without a scheme',
			() => ({ COUCHDB_URL: 'couch.internal:5984' }),
			/^couchstats: COUCHDB_URL must start with http:\/\/ or https:\/\/ — /
		],
		[
			'a COUCHDB_URL that is no URL',
			() => ({ COUCHDB_URL: 'not a url' }),
			/^couchstats: COUCHDB_URL is not a URL — /
		],
		[
			'an unreachable COUCHDB_URL',
			async () => ({ COUCHDB_URL: `http://admin:pw@127.0.0.1:${await freePort()}` }),
			/^couchstats: CouchDB at http:\/\/127\.0\.0\.1:\d+ is unreachable \(.+\) — start CouchDB or correct COUCHDB_URL/
		],
		[
			'wrong CouchDB credentials',
			() => {
				const url = new URL(inject('couchUrl'));
				// Not the server admin's name: CouchDB locks a name after 5 failed logins.
				url.username = testAccount('nobody');
				url.password = 'wrong';
				return { COUCHDB_URL: url.toString() };
			},
			/^couchstats: CouchDB at http:\/\/[^/\s]+ rejected the credentials in COUCHDB_URL — check the user name and password/
		],
		[
			'an ORIGIN that is no URL',
			() => ({ ORIGIN: 'notaurl' }),
			/^couchstats: ORIGIN is not an http:\/\/ or https:\/\/ URL \(got "notaurl"\) — set it to the public URL of the app/
		],
		[
			'a BODY_SIZE_LIMIT that is no size',
			() => ({ BODY_SIZE_LIMIT: 'lots' }),
			/^couchstats: BODY_SIZE_LIMIT is not a size in bytes \(got "lots"\) — use e\.g\. BODY_SIZE_LIMIT=1M/
		],
		[
			'a negative rate limit, which is a number out of range',
			() => ({ COUCHSTATS_INGEST_IP_BURST: '-1' }),
			/^couchstats: COUCHSTATS_INGEST_IP_BURST must be greater than 0 and at most 1000000000 \(got "-1"\) — /
		],
		[
			'a HOST that is no address of this machine',
			() => ({ HOST: '192.0.2.1', COUCHSTATS_DATA_DIR: tempDir(), COUCHSTATS_MEMORY: '1' }),
			/^couchstats: cannot listen on 192\.0\.2\.1:\d+ \(EADDRNOTAVAIL\) — set HOST to an address of this machine/
		],
		[
			'an unwritable data directory',
			() => ({ COUCHSTATS_DATA_DIR: '/etc/hostname/couchstats' }),
			/^couchstats: data directory \/etc\/hostname\/couchstats is not writable \(ENOTDIR\) — set COUCHSTATS_DATA_DIR/
		],
		[
			// An outside probe was told "not writable (EEXIST)".
			'a data directory that is a file',
			() => ({ COUCHSTATS_DATA_DIR: '/etc/hostname' }),
			/^couchstats: data directory \/etc\/hostname is a file, not a directory — set COUCHSTATS_DATA_DIR/
		]
	])('%s', async (_name, env, expected) => {
		const result = await runAppToExit({ PORT: String(await freePort()), ...(await env()) });
		expect(result.code).toBe(1);
		expect(result.stderr.trim()).toMatch(expected);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
	});

	test.runIf(process.platform === 'linux')(
		'npm start runs the app with two malloc arenas, announces it at its ORIGIN, and passes a SIGTERM on',
		async () => {
			// The extra process start and the build check take a while at a high load.
			const port = await freePort();
			const origin = `http://127.0.0.1:${port}`;
			const app = await startApp({
				viaStart: true,
				port,
				env: { MALLOC_ARENA_MAX: undefined, ORIGIN: `${origin}/` },
				timeoutMs: 120_000
			});
			try {
				const pid = app.process.pid!;
				const [child] = fs
					.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
					.trim()
					.split(' ');
				const environ = fs.readFileSync(`/proc/${child}/environ`, 'utf8').split('\0');
				expect(environ).toContain('MALLOC_ARENA_MAX=2');
				// An outside review: it said http://localhost:PORT/ whatever ORIGIN was.
				expect(app.output()).toMatch(
					new RegExp(
						`^\\S+Z couchstats: open ${origin}/ \\(owners log in at ${origin}/login\\)$`,
						'm'
					)
				);
			} finally {
				expect(await app.stop()).toBe(0);
			}
		}
	);

	test.runIf(process.platform === 'linux').each([
		['start', 'couchstats: open', 'couchstats: store closed'],
		['couch', 'couchstats: press Ctrl-C to stop', undefined]
	])(
		'a SIGTERM to npm alone (npm run %s), as a supervisor sends it, stops every process it started',
		async (script, ready, closing) => {
			// An outside operations review: npm runs the script through `sh -c`, which passed
			// no signal on, so the app went on running, orphaned, with its data locked.
			const { spawn } = await import('node:child_process');
			const npm = spawn('npm', ['run', script], {
				cwd: path.resolve(import.meta.dirname, '../..'),
				// Its own process group, for the cleanup below; the signal goes to npm alone.
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
				env: {
					...process.env,
					COUCHDB_URL: undefined,
					COUCHSTATS_DATA_DIR: tempDir(),
					COUCHSTATS_ADMIN_PASSWORD: 'a-long-test-password',
					PORT: String(await freePort()),
					HOST: '127.0.0.1'
				}
			});
			let output = '';
			npm.stdout.on('data', (chunk) => (output += chunk));
			npm.stderr.on('data', (chunk) => (output += chunk));
			// Every process holding the output has ended.
			let closed = false;
			npm.once('close', () => (closed = true));
			try {
				await vi.waitFor(() => expect(output).toContain(ready), {
					timeout: 120_000,
					interval: 100
				});
				process.kill(npm.pid!, 'SIGTERM');
				await vi.waitFor(() => expect(closed).toBe(true), { timeout: 60_000, interval: 100 });
				if (closing) expect(output).toContain(closing);
			} finally {
				try {
					process.kill(-npm.pid!, 'SIGKILL');
				} catch {
					// Gone already.
				}
			}
		},
		200_000
	);

	test('behind a proxy set up wrong (XFF_DEPTH counting a hop too many), logins work and the log says what is wrong', async () => {
		// An outside operations review: every login answered 500.
		const app = await startApp({ env: { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '2' } });
		try {
			const res = await postLogin(app.url, app.adminName, TEST_ADMIN_PASSWORD);
			expect(res.status).toBe(303);
			expect(app.output()).toContain(
				'couchstats: a request came without a usable client address ('
			);
			expect(app.output()).not.toMatch(/\(500\)/);
			// On this machine only (the test's HOST): nothing to warn of.
			expect(app.output()).not.toContain('ADDRESS_HEADER is set');
		} finally {
			await app.stop();
		}
	});

	test('trusting a proxy header on every interface, the app says at start that a client can claim any address', async () => {
		// An outside probe behind nginx: requests straight to the app's port set
		// X-Forwarded-For as they liked and took another address's rate limits.
		const app = await startApp({ env: { ADDRESS_HEADER: 'x-forwarded-for', HOST: '0.0.0.0' } });
		try {
			expect(app.output()).toContain(
				'couchstats: ADDRESS_HEADER is set and the app listens on 0.0.0.0: a client that reaches its port without the proxy can claim any address in x-forwarded-for'
			);
		} finally {
			await app.stop();
		}
	});

	test.runIf(process.platform === 'linux')(
		'the app stops and closes its store when its launcher is killed with no signal to pass on',
		async () => {
			// An outside operations review: after `kill -9` of the launcher the app ran on,
			// orphaned, with its data directory locked.
			const { app, pid, child } = await launched();
			process.kill(pid, 'SIGKILL');
			await vi.waitFor(() => expect(fs.existsSync(`/proc/${child}`)).toBe(false), {
				timeout: 60_000,
				interval: 100
			});
			expect(app.output()).toContain('couchstats: store closed');
		},
		200_000
	);

	test.runIf(process.platform === 'linux')(
		'a SIGHUP (a closed terminal) to the launcher stops the app as cleanly as a SIGTERM',
		async () => {
			// An outside re-check: the hang-up ended the processes without closing the store.
			const { app, pid } = await launched();
			process.kill(pid, 'SIGHUP');
			await vi.waitFor(() => expect(app.process.exitCode).not.toBeNull(), {
				timeout: 60_000,
				interval: 100
			});
			expect(app.output()).toContain('couchstats: store closed');
			expect(app.output()).not.toContain('the app was killed');
		},
		200_000
	);

	test.runIf(process.platform === 'linux')(
		'a SIGHUP ends the live streams at once: they do not hold the stop until SHUTDOWN_TIMEOUT',
		async () => {
			// An outside read of the docs: only SIGTERM and SIGINT ended them.
			const { app, pid } = await launched({ SHUTDOWN_TIMEOUT: '900' });
			const res = await fetch(`${app.url}/api/v1/live?site=demo&public=1`);
			expect(res.status).toBe(200);
			const reader = res.body!.getReader();
			await reader.read();
			process.kill(pid, 'SIGHUP');
			await vi.waitFor(() => expect(app.process.exitCode).not.toBeNull(), {
				timeout: 90_000,
				interval: 100
			});
			expect(app.output()).toContain('couchstats: store closed');
			await reader.cancel().catch(() => {});
		},
		200_000
	);

	test.runIf(process.platform === 'linux')(
		'the launcher says so when the app is killed by a signal it did not pass on',
		async () => {
			const { app, child } = await launched();
			process.kill(Number(child), 'SIGKILL');
			await vi.waitFor(() => expect(app.process.exitCode).toBe(1), {
				timeout: 60_000,
				interval: 100
			});
			expect(app.output()).toContain('couchstats: the app was killed (SIGKILL)');
		},
		200_000
	);

	test('npm start announces the address only once the app listens, never before refusing a setting', async () => {
		const { spawnSync } = await import('node:child_process');
		const result = spawnSync(process.execPath, ['scripts/start.js'], {
			env: { ...process.env, PORT: 'abc', COUCHSTATS_DATA_DIR: tempDir(), COUCHDB_URL: '' },
			encoding: 'utf8'
		});
		expect(result.status).toBe(1);
		expect(result.stdout).not.toContain('open http');
		expect(result.stderr.trim()).toBe(
			'couchstats: PORT is not a whole number (got "abc") — use e.g. PORT=3000'
		);
	});

	test.each([
		// An outside operations review: a stack trace from the launcher's port probe.
		[
			'a PORT past 65535',
			{ PORT: '70000' },
			'couchstats: PORT must be 1–65535 (got "70000") — use e.g. PORT=3000'
		],
		// The same review: found only once the first account's one-time password was printed.
		[
			'a HOST of no interface of this machine',
			{ HOST: '192.0.2.1', PORT: '3000' },
			'couchstats: cannot listen on 192.0.2.1:3000 (EADDRNOTAVAIL) — set HOST to an address of this machine (0.0.0.0 for all, 127.0.0.1 for this machine only) and PORT to a port this user may use'
		]
	])('%s, through npm start: one line, before anything is set up', async (_name, env, line) => {
		const { spawnSync } = await import('node:child_process');
		const dataDir = tempDir();
		fs.rmSync(dataDir, { recursive: true, force: true });
		const result = spawnSync(process.execPath, ['scripts/start.js'], {
			env: { ...process.env, ...env, COUCHSTATS_DATA_DIR: dataDir, COUCHDB_URL: '' },
			encoding: 'utf8'
		});
		expect(result.status).toBe(1);
		expect(result.stderr.trim()).toBe(line);
		expect(result.stdout).not.toContain('created account');
		expect(fs.existsSync(dataDir)).toBe(false);
	});

	test('a port in use, through npm start', async () => {
		const { spawnSync } = await import('node:child_process');
		const net = await import('node:net');
		const blocker = net.createServer().listen(0, '0.0.0.0');
		await new Promise((resolve) => blocker.once('listening', resolve));
		const port = (blocker.address() as import('node:net').AddressInfo).port;
		try {
			const result = spawnSync(process.execPath, ['scripts/start.js'], {
				env: { ...process.env, PORT: String(port), COUCHSTATS_DATA_DIR: tempDir() },
				encoding: 'utf8'
			});
			expect(result.status).toBe(1);
			expect(result.stderr.trim()).toBe(
				`couchstats: port ${port} is already in use — stop the other process or set PORT to a free port`
			);
		} finally {
			blocker.close();
		}
	});
});
