#!/usr/bin/env node
/**
 * `npm start`: checks the launcher's variables (src/lib/server/boot/launch-env.js) and the
 * port, builds the app when the build is missing or older
 * than the sources, then serves it on PORT (`scripts/serve.js`: adapter-node's handler
 * with time limits for slow clients, and ORIGIN's default). Start-up itself (config,
 * CouchDB or the embedded store, set-up) happens in the app's `init`; the address is
 * announced once the app listens, so a bad setting is never preceded by "open …".
 *
 * The app runs as a child process with `MALLOC_ARENA_MAX=2` (unless set already): the
 * embedded store's leveldb works on several threads, and glibc gives each its own malloc
 * arena, which it rarely hands back. Two arenas took the store's peak resident set in
 * a 20k-record catch-up from 457 MB to 363 MB (src/lib/server/embedded/views/MEASURED.md);
 * glibc reads the variable only when a process starts, hence the child. The store itself
 * runs in a process the app starts (src/lib/server/embedded/store-process.ts), with the
 * same setting.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannotListen, LaunchEnvError, readLaunchEnv } from '../src/lib/server/boot/launch-env.js';
import { logLine } from '../src/lib/server/boot/log-line.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'build', 'index.js');
const sources = ['src', 'couchdb', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json'];

function newestMtime(target) {
	const stat = fs.statSync(target, { throwIfNoEntry: false });
	if (!stat) return 0;
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const name of fs.readdirSync(target))
		newest = Math.max(newest, newestMtime(path.join(target, name)));
	return newest;
}

function needsBuild() {
	const built = fs.statSync(entry, { throwIfNoEntry: false });
	if (!built) return true;
	return sources.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs);
}

/**
 * Why the app could not listen on the address, or undefined when it could: found before
 * the store is set up (an outside operations review: a HOST of no interface of this
 * machine was found only after the first account's one-time password was printed).
 * @returns {Promise<string | undefined>} the error's code
 */
function listenError(port, host) {
	return new Promise((resolve) => {
		const probe = net.createServer();
		probe.once('error', (e) => resolve(e.code ?? e.message));
		probe.listen(port, host, () => probe.close(() => resolve(undefined)));
	});
}

// The launcher's own variables before the port check and the build: one line, at once.
try {
	readLaunchEnv(process.env);
} catch (e) {
	if (!(e instanceof LaunchEnvError)) throw e;
	console.error(e.line);
	process.exit(1);
}
const port = process.env.PORT || '3000';
const host = process.env.HOST || '0.0.0.0';
// A PORT that is no port is the app's to name, with the other settings (config.ts).
if (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535) {
	const code = await listenError(Number(port), host);
	if (code === 'EADDRINUSE') {
		console.error(
			`couchstats: port ${port} is already in use — stop the other process or set PORT to a free port`
		);
		process.exit(1);
	}
	if (code) {
		console.error(cannotListen(host, port, code));
		process.exit(1);
	}
}
if (needsBuild()) {
	console.log('couchstats: building the app (sources changed since the last build)…');
	const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) {
		console.error('couchstats: the build failed — see the output above');
		process.exit(1);
	}
}

const app = spawn(process.execPath, [path.join(root, 'scripts', 'serve.js')], {
	// The channel tells when the app listens, and its closing tells the app that this process died.
	stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
	env: { MALLOC_ARENA_MAX: '2', ...process.env, PORT: port }
});
// A terminal's Ctrl-C reaches both processes; a `kill` of this one is passed on, and so is
// one of npm (package.json runs this script with `exec`, so npm's signal comes here).
/** Signals this process passed on to the app. */
const passedOn = new Set();
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
	process.on(signal, () => {
		passedOn.add(signal);
		app.kill(signal);
	});
}
app.on('exit', (code, signal) => {
	// Killed by a signal this process did not pass on (kill -9, the OOM killer): the log
	// says so, rather than end with the app's last normal line.
	if (signal && !passedOn.has(signal)) logLine(`couchstats: the app was killed (${signal})`);
	process.exit(code ?? (signal ? 1 : 0));
});
// Announced once the app listens: every setting was checked by then (a bad one ends it).
// At the address the app answers to (ORIGIN, serve.js's default otherwise), with the way
// in: `/` is the demo site, whose footer links to the login (an outside new-user review).
const origin = (process.env.ORIGIN?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
app.once('message', () =>
	logLine(`couchstats: open ${origin}/ (owners log in at ${origin}/login)`)
);
