import path from 'node:path';
import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { sessionCookie, sessionFor, setSessionCookie } from '$lib/server/accounts/auth';
import { loadConfig } from '$lib/server/boot/config';
import { couch, setCouch } from '$lib/server/couch';
import {
	isCrossSiteWrite,
	refuseCrossSiteWrite,
	takesCrossOriginWrites
} from '$lib/server/accounts/csrf';
import {
	ClientGone,
	CouchstatsError,
	StartupError,
	StoreTimeout,
	isStoreSilence
} from '$lib/server/errors';
import { startIngest } from '$lib/server/ingest';
import { setServerAdmins } from '$lib/server/accounts/login';
import { setFormLimit } from '$lib/server/read-form';
import { logRequestError } from '$lib/server/log';
import { logLine } from '$lib/server/boot/log-line.js';
import { closeAllStreams } from '$lib/server/live/stream';
import { STOPPING } from '$lib/server/boot/launch-env.js';
import { describeBackend, startBackend, type Backend } from '$lib/server/boot/startup';
import { trackerPreloadLinks, withStartNonce } from '$lib/server/demo/tracker-preload';
import { startVisitorEndpoint } from '$lib/server/visitor';
import { startRetention } from '$lib/server/import/retention-schedule';
import { ERASURE_LOG } from '$lib/server/visitor/erasure-log';
import { withSecurityHeaders } from '$lib/server/security-headers';
import { ReadBudget, readerOf, tooManyReads } from '$lib/server/read-budget';
import { refusal } from '$lib/server/refusal';
import { controlCharacterIn } from '$lib/server/address';
import { headAnswer, wrongApiMethod } from '$lib/server/api-methods';
import { clientAddress } from '$lib/server/accounts/client-address';
import { forClient } from '$lib/server/store-dispatch';

// Vite's dev server may load this module again; keep one backend per process.
const globals = globalThis as typeof globalThis & { couchstatsBackend?: Promise<Backend> };

export const init: ServerInit = async () => {
	// The one place that reads the environment for settings; the rest is given its part.
	let config;
	try {
		config = loadConfig(process.env);
	} catch (e) {
		exitOnStartupError(e);
	}
	globals.couchstatsBackend ??= startBackend(config, {
		waitMs: config.storeWaitMs,
		// Without its store the app can serve nothing: it ends, for its supervisor to start
		// both again (embedded/store-process.ts says why not the store alone).
		// Stamped: it says when the app stopped, in a log kept in a file (boot/log-line.js).
		storeLost(line) {
			logLine(line);
			process.exit(1);
		}
	});
	const backend = await globals.couchstatsBackend.catch(exitOnStartupError);
	setCouch(backend.couch);
	setServerAdmins(backend.setup.serverAdmins);
	setFormLimit(config.bodySizeLimit);
	startIngest(config.ingest);
	startVisitorEndpoint(
		config.ingest,
		config.memory ? undefined : path.join(config.dataDir, ERASURE_LOG)
	);
	// Once now, then daily: deletes records older than their site's period, if any has one.
	startRetention(config.retention);
	for (const line of describeBackend(backend, config)) console.log(line);
	// Live streams never end by themselves; end them so graceful shutdown need not wait:
	// as serve.js starts to stop, whatever stops it (an outside read found a SIGHUP held
	// the stop until SHUTDOWN_TIMEOUT), or on a signal to the dev server.
	process.once(STOPPING as 'exit', closeAllStreams);
	for (const signal of ['SIGTERM', 'SIGINT'] as const) {
		process.once(signal, () => {
			closeAllStreams();
			// Nobody else stops on it (the dev server has no SIGINT handler of its own when
			// not on a terminal; an outside re-check needed two Ctrl-C): what it does unheard.
			if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
		});
	}
	// adapter-node emits this after it stopped accepting and finished in-flight requests.
	process.once('sveltekit:shutdown' as 'exit', () => {
		void backend.close().then(() => logLine('couchstats: store closed'));
	});
};

/**
 * A {@link StartupError} prints the one line an operator needs and exits (a stack
 * trace would only bury it); anything else propagates.
 */
function exitOnStartupError(e: unknown): never {
	if (!(e instanceof StartupError)) throw e;
	console.error(e.line);
	process.exit(1);
}

/** How much of the app's time each reader may keep it reading (read-budget.ts). */
const reads = new ReadBudget();

/** The tracker core's preload links, fixed by the build: worked out once, not per request. */
const trackerPreload = trackerPreloadLinks();

export const handle: Handle = async ({ event, resolve }) => {
	// A read's requests to the store end when its client goes away (store-dispatch.ts): a
	// page or API read nobody waits for any more stops costing the store. Writes go on,
	// whoever leaves: one ended half way would leave its work half done.
	const { method, signal } = event.request;
	const reading = method === 'GET' || method === 'HEAD';
	let res = await (reading
		? forClient(signal, () => respond({ event, resolve }))
		: respond({ event, resolve }));
	// The store did not answer, and the error went unanswered to SvelteKit (a page's load),
	// which makes any error a 500: answer the 503 it is, with its message. An enhanced
	// form's answer is SvelteKit's own shape; its actions answer the store's errors
	// themselves (accounts/form.ts).
	const silence = event.locals.storeTimeout;
	if (silence && !event.request.headers.has('x-sveltekit-action')) {
		res = refusal(refusedRequest(event), silence);
	}
	if (method === 'HEAD') res = headAnswer(res);
	return withSecurityHeaders(res, event.url.pathname);
};

/** What a refusal reads of a request (refusal.ts). */
function refusedRequest(event: RequestEvent) {
	const { url, isDataRequest } = event;
	return { url, isDataRequest, accept: event.request.headers.get('accept') };
}

const respond: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	// The demo site's pages are a website like any tracked one: a visitor lands on them by
	// any link, a mangled campaign link's `%01` among them (text.ts), and they read no
	// parameter. The app's own pages and APIs take no control character (address.ts).
	const demo = event.route.id?.startsWith('/(demo)');
	const unreadable = demo ? undefined : controlCharacterIn(event.url);
	if (unreadable) return refusal(refusedRequest(event), unreadable);
	// An API route read with another method is told so in the API's shape (api-methods.ts).
	const wrongMethod = wrongApiMethod(event.route.id, event.url.pathname, event.request.method);
	if (wrongMethod) return wrongMethod;
	// The ingest and the visitor endpoint take cross-origin posts from registered sites,
	// check origins themselves and get no session (csrf.ts); everything else refuses
	// cross-site writes (svelte.config.js turns SvelteKit's own check off for them).
	const crossOrigin = takesCrossOriginWrites(event.url.pathname);
	if (!crossOrigin && isCrossSiteWrite(event.request, event.url)) {
		return refuseCrossSiteWrite(event.request, event.url);
	}
	const token = crossOrigin ? undefined : event.cookies.get(sessionCookie(event.url));
	if (token) {
		// `null`: the session could not be checked (CouchDB unreachable, restarting): the
		// request goes on without a user, and the cookie is kept for when CouchDB is back (an
		// outside re-check: a store restart logged owners out); an API it asks answers 503,
		// not 401 (`sessionUnchecked`: a live page refused 401 stopped for good, saying the
		// session ended). A store that did not answer
		// in time is answered at once: the request would only wait for it again.
		// A client gone meanwhile is answered at once too: nobody waits (store-dispatch.ts).
		const session = await sessionFor(couch(), token).catch((e: unknown) =>
			isStoreSilence(e) ? e : null
		);
		if (session instanceof CouchstatsError) return refusal(refusedRequest(event), session);
		if (session) {
			event.locals.user = session.user;
			if (session.token !== token) setSessionCookie(event.cookies, session.token, event.url);
		} else if (session === undefined) {
			event.cookies.delete(sessionCookie(event.url), { path: '/' });
		} else {
			event.locals.sessionUnchecked = true;
		}
	}
	const reader = readerOf({
		method: event.request.method,
		routeId: event.route.id,
		params: event.params,
		url: event.url,
		authorization: event.request.headers.get('authorization'),
		address: () => clientAddress(event)
	});
	if (reader) {
		const read = reads.start(reader);
		if (!read.ok) return tooManyReads(refusedRequest(event), read.retryAfterSeconds);
		// A share link's read may wait its turn (read-budget.ts): its client may leave meanwhile.
		const { signal } = event.request;
		signal.addEventListener('abort', read.end, { once: true });
		if (signal.aborted) read.end();
		try {
			if (!(await read.turn)) return refusal(refusedRequest(event), new ClientGone());
			return await resolve(event);
		} finally {
			signal.removeEventListener('abort', read.end);
			read.end();
		}
	}
	// The demo site's pages track: have the browser fetch the tracker core with the page.
	// First in the head, where <Analytics>'s inline start (later in the head) finds it.
	// And give <Analytics>'s inline start the page's nonce (svelte.config.js, `csp`).
	const preload = demo ? trackerPreload : '';
	if (!preload) return resolve(event);
	return withStartNonce(
		await resolve(event, {
			transformPageChunk: ({ html }) => html.replace('<meta charset="utf-8" />', (m) => m + preload)
		})
	);
};

/**
 * Unexpected errors are logged once, secrets redacted (a share page's path holds its
 * secret); a 404 is no error worth a line, a client's abort one line without a stack
 * (`logRequestError`). The visitor sees only the generic message; the store's silence
 * is no unexpected error, and says what it is.
 */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	// The store's silence is logged where it is found (store-limit.ts), and answered by `handle`.
	if (error instanceof StoreTimeout) {
		event.locals.storeTimeout = error;
		return { message: error.message };
	}
	// Its client went away and its reads were ended with it: nobody reads the answer.
	if (error instanceof ClientGone) return { message: error.message };
	logRequestError(`${event.request.method} ${event.url.pathname}`, status, error);
	return { message };
};
