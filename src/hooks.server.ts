import type { Handle, ServerInit } from '@sveltejs/kit';
import { SESSION_COOKIE, sessionFor, setSessionCookie } from '$lib/server/auth';
import { loadConfig } from '$lib/server/config';
import { couch, setCouch } from '$lib/server/couch';
import { StartupError } from '$lib/server/errors';
import { describeBackend, startBackend, type Backend } from '$lib/server/startup';

// Vite's dev server may load this module again; keep one backend per process.
const globals = globalThis as typeof globalThis & { couchstatsBackend?: Promise<Backend> };

export const init: ServerInit = async () => {
	const config = loadConfigOrExit();
	globals.couchstatsBackend ??= startBackend(config);
	let backend: Backend;
	try {
		backend = await globals.couchstatsBackend;
	} catch (e) {
		if (e instanceof StartupError) exitWith(e);
		throw e;
	}
	setCouch(backend.couch);
	for (const line of describeBackend(backend, config)) console.log(line);
	// adapter-node emits this after it stopped accepting and finished in-flight requests.
	process.once('sveltekit:shutdown' as 'exit', () => {
		void backend.close().then(() => console.log('couchstats: store closed'));
	});
};

function loadConfigOrExit() {
	try {
		return loadConfig();
	} catch (e) {
		if (e instanceof StartupError) exitWith(e);
		throw e;
	}
}

/** Prints the one line an operator needs and exits; a stack trace would only bury it. */
function exitWith(e: StartupError): never {
	console.error(e.line);
	process.exit(1);
}

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const session = await sessionFor(couch().url, token).catch(() => undefined);
		if (session) {
			event.locals.user = session.user;
			if (session.token !== token) setSessionCookie(event.cookies, session.token, event.url);
		} else {
			event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};
