/**
 * The embedded store's own process (started by store-process.ts, which says why): it
 * starts the store as the app's channel asks, reports its address, and closes it when
 * asked or when the app is gone.
 */
import { StartupError } from '../errors';
import { logLine } from '../boot/log-line.js';
import {
	DataDirInUseError,
	STORE_CLOSE_LIMIT_MS,
	startEmbeddedCouch,
	type EmbeddedCouch
} from './server';
import type { FromStore, StartFailure, ToStore } from './store-process';

let store: EmbeddedCouch | undefined;
let starting = false;
let closing = false;

// A terminal's Ctrl-C, a closed terminal and a service manager's stop reach the whole
// process group: the app acts on them, finishes its requests, then closes this store.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);

process.on('message', (message: ToStore) => {
	if ('start' in message) void start(message);
	else closeAndExit();
});
// The app is gone (however it ended, `kill -9` included): nothing will ask for this store.
process.once('disconnect', closeAndExit);

async function start({ start: options }: Extract<ToStore, { start: unknown }>) {
	starting = true;
	try {
		store = await startEmbeddedCouch(options);
	} catch (e) {
		report({ failed: failureOf(e as Error) }, () => process.exit(1));
		return;
	}
	if (closing) return closeStore(store);
	report({ ready: { url: store.url.href, credentialsFile: store.credentialsFile } });
}

function failureOf(e: Error): StartFailure {
	if (e instanceof DataDirInUseError) return { message: e.message, holder: e.holder ?? null };
	if (e instanceof StartupError) return { message: e.message, fix: e.fix };
	return { message: e.message, stack: e.stack };
}

function report(message: FromStore, then?: () => void) {
	if (process.connected) process.send!(message, () => then?.());
	else then?.();
}

function closeAndExit() {
	if (closing) return;
	closing = true;
	setTimeout(() => {
		logLine(`couchstats: the embedded store took over ${STORE_CLOSE_LIMIT_MS / 1000} s to close`);
		process.exit(1);
	}, STORE_CLOSE_LIMIT_MS).unref();
	if (store) closeStore(store);
	// Still starting, start() closes it once it is open; never asked to start, done.
	else if (!starting) process.exit(0);
}

function closeStore(open: EmbeddedCouch) {
	open.close().then(
		() => process.exit(0),
		(e: Error) => {
			logLine(`couchstats: closing the embedded store: ${e.message}`);
			process.exit(1);
		}
	);
}
