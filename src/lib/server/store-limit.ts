/**
 * How long the app waits for the store. A store that stops answering (the embedded
 * store's process frozen, an Apache CouchDB cut off or overloaded) must not hold the
 * app's requests for as long as it lasts: an outside check froze the store and every
 * page and API request hung with it. So the app's clients (`createCouch`,
 * `storeClient` in couch.ts, both through {@link limited}) give each request to the
 * store a limit, {@link STORE_WAIT_MS} by default (`COUCHSTATS_DB_TIMEOUT_MS`): its
 * answer's headers must come within it, and its body may pause no longer. Past it the
 * request is ended (its connection too) and fails with {@link StoreTimeout}, a 503 that
 * says so, which every caller already answers as it answers its other errors: the
 * APIs and the ingest as JSON (the tracker keeps its records and sends them again), a
 * form as its message, a page as the error page (hooks.server.ts).
 *
 * The limit is per request to the store, not per request to the app: an export or a
 * funnel of many reads takes as long as its reads take, each bounded. What waits for
 * the store longer by design does not go through the limit, and bounds itself:
 * - the live follower's `_changes?feed=longpoll` (`Couch.long`), which the store
 *   holds open until a change comes or its `timeout` passes, and which the follower
 *   aborts 5 s after that (live/follower.ts);
 * - promoting a staged design document (`Couch.long`), whose read waits for a
 *   whole index build in the background; the app's stop aborts it
 *   (boot/staged-designs.ts);
 * - the command-line tools (import, retention, restore: `createCouch` without a
 *   limit), whose chunks and up-to-date view reads may wait on a busy store longer than
 *   any page should, and which a person watches and can stop.
 * A site's deletion, which runs in the background under the limit, asks its view reads
 * again while they outlast it (`inBackground`, stats/still-indexing.ts).
 * A read waiting for its index within a page (view-reader.ts, 1 s, then `stale=ok`; the
 * visitor endpoint, 15 s) stays within the limit.
 */
import nano from 'nano';
import type { Configuration, ServerScope } from 'nano';
import type { Dispatcher } from 'undici';
import { ClientGone, StoreTimeout } from './errors';
import { logNotice } from './log';
import { clientLeft, storeDispatcher } from './store-dispatch';

/**
 * How long the app waits for the store's answer to one request, by default, ms: longer
 * than any request an ordinary page makes should take (a read waiting for its index
 * gives up after 1 s, the visitor endpoint's after 15 s), and shorter than the
 * tracker's 30 s (`REQUEST_MS`), so the ingest's 503 reaches it before it gives up.
 */
export const STORE_WAIT_MS = 20_000;

/** The connection pools of each limit in use: one per limit, shared by its clients. */
const agents = new Map<number, Dispatcher>();
/** The connection pool of the clients without the limit (undici's own time limits). */
let unlimitedAgent: Dispatcher | undefined;

/**
 * A nano client whose requests have the limit `waitMs`, and end when the client they are
 * made for leaves (store-dispatch.ts). Without a limit (the requests long by design, the
 * command-line tools) they keep undici's own limits, and go on whoever leaves.
 * Either way an answer reaches nano whole or as a failed request (store-dispatch.ts).
 */
export function limited(config: Configuration, waitMs: number | undefined): ServerScope {
	if (waitMs === undefined) {
		unlimitedAgent ??= storeDispatcher({}, false);
		return nano({ ...config, agentOptions: asAgentOptions(unlimitedAgent) });
	}
	let agent = agents.get(waitMs);
	if (!agent) {
		agent = storeDispatcher({ headersTimeout: waitMs, bodyTimeout: waitMs }, true);
		agents.set(waitMs, agent);
	}
	return timeoutsAsErrors(nano({ ...config, agentOptions: asAgentOptions(agent) }), waitMs);
}

/** nano takes an undici dispatcher itself (its README); its types name an Agent's options. */
function asAgentOptions(dispatcher: Dispatcher): Configuration['agentOptions'] {
	return dispatcher as unknown as Configuration['agentOptions'];
}

/**
 * Whether `e` is nano's failure of a request that reached the limit: nano turns every
 * failed connection into a plain `Error` whose message ends with the reason undici gave
 * (`error happened in your connection. Reason: HeadersTimeoutError: …`).
 */
export function reachedLimit(e: unknown): boolean {
	return e instanceof Error && /\bReason: (HeadersTimeoutError|BodyTimeoutError)\b/.test(e.message);
}

/**
 * Whether `e` is nano's failure of a request whose answer stopped after its headers
 * (store-dispatch.ts `UnfinishedAnswer`: its body stalled past the limit, or broke off).
 */
export function unfinished(e: unknown): boolean {
	return e instanceof Error && /\bReason: UnfinishedAnswer\b/.test(e.message);
}

/**
 * `scope` whose promises fail with {@link StoreTimeout} where nano's fail for the limit,
 * and whose databases (`use`, `db`) do the same: each caller then answers the store's
 * silence as the 503 it is, through the handling it has for its other errors, instead of
 * a 500 for an error it cannot tell apart.
 */
function timeoutsAsErrors<T extends object>(scope: T, waitMs: number): T {
	return new Proxy(scope, {
		get(target, key) {
			const value = Reflect.get(target, key, target) as unknown;
			if (key === 'db' && typeof value === 'object' && value !== null) {
				return timeoutsAsErrors(value, waitMs);
			}
			if (typeof value !== 'function') return value;
			return (...args: unknown[]) => {
				const result = (value as (...a: unknown[]) => unknown).apply(target, args);
				if (result instanceof Promise) {
					return result.then(
						(answer: unknown) => {
							// nano answers '' for a JSON body it could not parse (one that stalled or
							// broke off fails as UnfinishedAnswer, above). No answer of CouchDB's API
							// is empty, and callers read '' as "nothing there" (an outside security
							// review: a logout that ended no session).
							if (answer !== '') return answer;
							logSilence(waitMs);
							throw new StoreTimeout(waitMs, 'finish its answer');
						},
						(e: unknown) => {
							// Whatever it failed with, its client is gone: nobody to tell, nothing to log.
							if (clientLeft()) throw new ClientGone();
							const what = unfinished(e) ? 'finish its answer' : reachedLimit(e) ? 'answer' : '';
							if (!what) throw e;
							logSilence(waitMs);
							throw new StoreTimeout(waitMs, what);
						}
					);
				}
				if ((key === 'use' || key === 'scope') && typeof result === 'object' && result !== null) {
					return timeoutsAsErrors(result, waitMs);
				}
				return result;
			};
		}
	});
}

/** How often the store's silence is logged again while it goes on, ms. */
const SILENCE_LOG_MS = 60_000;
let silenceLoggedAt = -Infinity;

/**
 * Logs a request to the store that reached the limit: the first, then one line a minute
 * while they go on, so that the log says why requests answer 503 without a line for each.
 */
function logSilence(waitMs: number): void {
	const now = Date.now();
	if (now - silenceLoggedAt < SILENCE_LOG_MS) return;
	silenceLoggedAt = now;
	logNotice(
		`the database did not answer a request within ${waitMs / 1000} s; requests that need it answer 503 until it does (logged at most once a minute)`
	);
}
