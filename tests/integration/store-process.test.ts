/**
 * The app runs the embedded store in a process of its own
 * (src/lib/server/embedded/store-process.ts): what happens to each process when the
 * other ends, however it ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, test, vi } from 'vitest';
import {
	DataDirInUseError,
	LOCK_DIR,
	RUNNING_FILE,
	startEmbeddedCouch
} from '../../src/lib/server/embedded/server';
import { startStoreProcess } from '../../src/lib/server/embedded/store-process';
import { embeddedUrl, type RunningApp } from '../support/app';
import { runTool } from '../support/scripts';
import { ADMIN_PASSWORD } from '../support/app';
import { embeddedOnly, freePort, postLogin, startApp, storeOf, tempDir } from './harness';

const embeddedStore = embeddedOnly('it runs the app on its embedded store');

const isGone = (pid: number) => !fs.existsSync(`/proc/${pid}`);

/** Waits until the process `pid` has ended. */
const untilGone = (pid: number) =>
	vi.waitFor(() => expect(isGone(pid)).toBe(true), { timeout: 30_000, interval: 100 });

/** Waits until the app has exited with `code`. */
const untilExit = (app: RunningApp, code: number) =>
	vi.waitFor(() => expect(app.process.exitCode).toBe(code), { timeout: 60_000, interval: 100 });

describe.runIf(process.platform === 'linux')('the embedded store in a process of its own', () => {
	embeddedStore(
		'serves the app from a child process, on the port the running file names',
		async () => {
			const app = await startApp();
			try {
				const store = storeOf(app);
				expect(store).not.toBe(app.process.pid);
				// The app's secrets are none of the store's (an outside security probe).
				const environ = fs.readFileSync(`/proc/${store}/environ`, 'utf8').split('\0');
				expect(environ.some((entry) => entry.startsWith('COUCHSTATS_ADMIN_PASSWORD='))).toBe(false);
				const url = app.couchUrl!;
				const res = await fetch(url.origin + '/', {
					headers: { authorization: 'Basic ' + btoa(`${url.username}:${url.password}`) }
				});
				expect(res.status).toBe(200);
				expect(await res.json()).toMatchObject({ 'express-pouchdb': 'Welcome!' });
			} finally {
				expect(await app.stop()).toBe(0);
			}
			expect(app.output()).toContain('couchstats: store closed');
		},
		120_000
	);

	embeddedStore(
		'a store killed with SIGKILL ends the app; started again, the store has a new password and the old one is refused',
		async () => {
			const dataDir = tempDir();
			const first = await startApp({ dataDir });
			const old = first.couchUrl!;
			process.kill(storeOf(first), 'SIGKILL');
			await untilExit(first, 1);
			// Stamped as every line the running app logs (boot/log-line.js).
			expect(first.output()).toMatch(
				/^\d{4}-\d\d-\d\dT[\d:.]+Z couchstats: the embedded store was killed \(SIGKILL\); the app stops too$/m
			);
			// Whoever took the old port and the password sent to it has nothing to use.
			const second = await startApp({ dataDir });
			try {
				const url = second.couchUrl!;
				expect(url.password).not.toBe(old.password);
				const as = (u: URL) =>
					fetch(url.origin + '/_all_dbs', {
						headers: { authorization: 'Basic ' + btoa(`${u.username}:${u.password}`) }
					});
				expect((await as(old)).status).toBe(401);
				expect((await as(url)).status).toBe(200);
				expect((await fetch(second.url + '/stats')).status).toBe(200);
			} finally {
				expect(await second.stop()).toBe(0);
			}
		},
		120_000
	);

	embeddedStore(
		'an app killed with SIGKILL leaves no store behind, and starts again at once on its data',
		async () => {
			const dataDir = tempDir();
			const first = await startApp({ dataDir });
			const store = storeOf(first);
			first.process.kill('SIGKILL');
			// At once: the new app waits for the store of the one that ended to close.
			const second = await startApp({ dataDir, timeoutMs: 60_000 });
			try {
				expect((await fetch(second.url + '/stats')).status).toBe(200);
				await untilGone(store);
			} finally {
				expect(await second.stop()).toBe(0);
			}
		},
		120_000
	);

	embeddedStore(
		'Ctrl-C reaches both processes: the app finishes, then closes the store',
		async () => {
			const app = await startApp();
			const store = storeOf(app);
			// A terminal sends SIGINT to the whole process group.
			process.kill(store, 'SIGINT');
			process.kill(app.process.pid!, 'SIGINT');
			await untilExit(app, 0);
			expect(app.output()).toContain('couchstats: store closed');
			expect(app.output()).not.toContain('the app stops too');
			await untilGone(store);
		},
		120_000
	);

	embeddedStore(
		'a session is kept while its CouchDB cannot be reached: the cookie is not cleared',
		async () => {
			// A store of its own (`npm run couch`), so that it can end under the app, which
			// goes on: a store restart or a network blip on Apache CouchDB.
			const dataDir = tempDir();
			const store = runTool('couch.ts', [], {
				COUCHDB_URL: undefined,
				COUCHSTATS_DATA_DIR: dataDir,
				COUCHSTATS_ADMIN_PASSWORD: ADMIN_PASSWORD
			});
			await vi.waitFor(() => expect(store.stdout()).toContain('press Ctrl-C'), {
				timeout: 60_000,
				interval: 100
			});
			const app = await startApp({ env: { COUCHDB_URL: embeddedUrl(dataDir)!.toString() } });
			try {
				const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
				expect(login.status).toBe(303);
				const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
				expect(cookie).toMatch(/=./);
				store.child.kill('SIGKILL');
				await store.exit;
				// Not checked since the login (no cached check): the check fails.
				const page = await fetch(app.url + '/sites', {
					headers: { cookie },
					redirect: 'manual'
				});
				expect(page.headers.get('set-cookie') ?? '').not.toContain(cookie.split('=')[0]);
			} finally {
				await app.stop();
			}
		},
		120_000
	);

	embeddedStore(
		'npm run dev stops on one SIGINT, its store with it',
		async () => {
			// An outside re-check: off a terminal the dev server took two (the app's own
			// listener for ending live streams kept the first from stopping it).
			const port = await freePort();
			const dev = spawn(
				process.execPath,
				['node_modules/vite/bin/vite.js', 'dev', '--port', String(port), '--strictPort'],
				{
					cwd: path.resolve(import.meta.dirname, '..', '..'),
					env: { ...process.env, COUCHDB_URL: '', COUCHSTATS_DATA_DIR: tempDir() },
					stdio: ['ignore', 'pipe', 'pipe']
				}
			);
			const exited = new Promise((resolve) => dev.once('exit', resolve));
			try {
				await vi.waitFor(
					async () => expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200),
					{ timeout: 90_000, interval: 250 }
				);
				const pid = dev.pid!;
				const store = fs
					.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
					.trim()
					.split(' ')
					.map(Number)
					.find((child) =>
						fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('store-main')
					);
				expect(store).toBeDefined();
				dev.kill('SIGINT');
				await exited;
				await untilGone(store!);
			} finally {
				dev.kill('SIGKILL');
			}
		},
		150_000
	);

	test('a store process refused its data directory says which app holds it', async () => {
		const dataDir = tempDir();
		const held = new ClassicLevel(path.join(dataDir, LOCK_DIR));
		await held.open();
		fs.writeFileSync(
			path.join(dataDir, RUNNING_FILE),
			JSON.stringify({ port: 1, pid: process.pid })
		);
		try {
			const refused = await startStoreProcess({ dataDir }).catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(DataDirInUseError);
			expect((refused as DataDirInUseError).line).toContain(
				`data directory ${dataDir} is in use by another process (pid ${process.pid}, its store on 127.0.0.1:1)`
			);
		} finally {
			await held.close();
		}
	});

	test('a data directory whose app has ended is taken once its store lets go, not refused', async () => {
		const dataDir = tempDir();
		// The store of an app killed with SIGKILL, still closing: it holds the lock, and the
		// running file names the app, which is gone.
		const closing = new ClassicLevel(path.join(dataDir, LOCK_DIR));
		await closing.open();
		const ended = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
			encoding: 'utf8'
		});
		const pid = Number(ended.stdout);
		fs.writeFileSync(path.join(dataDir, RUNNING_FILE), JSON.stringify({ port: 1, pid }));
		const log = vi.spyOn(console, 'log');
		const starting = startEmbeddedCouch({ dataDir });
		await vi.waitFor(() =>
			expect(log).toHaveBeenCalledWith(
				`couchstats: waiting for the store of an app that ended (pid ${pid}) to let go of ${dataDir}`
			)
		);
		await closing.close();
		const store = await starting;
		await store.close();
		log.mockRestore();
	});
});
