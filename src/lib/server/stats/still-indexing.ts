/**
 * Whether a failed view read means only that its index is still being built.
 *
 * A read that brings an index up to date waits for the build. Apache CouchDB gives up
 * after 60 s and answers `500 {"error":"timeout","reason":"The request could not be
 * processed in a reasonable amount of time."}`, while the build goes on; a client
 * that waits longer than CouchDB sends headers gets a connection error naming a
 * timeout (undici's "Headers Timeout Error" after 300 s). Neither is a failure of the
 * read: asking again later, or reading `stale=ok`, is the answer.
 */
import { CouchstatsError, RetryLater, StoreTimeout } from '../errors';

/** @returns true for CouchDB's `500 timeout` and for a client-side timeout of the request. */
export function isStillIndexing(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const {
		statusCode,
		error: kind,
		message
	} = error as {
		statusCode?: number;
		error?: unknown;
		message?: unknown;
	};
	if (statusCode !== undefined) return statusCode === 500 && kind === 'timeout';
	return typeof message === 'string' && /Timeout/.test(message);
}

/**
 * Runs a read that must bring an index up to date (a command-line tool's, not a
 * request's), asking again for as long as the index is still being built.
 * @throws whatever else the read throws.
 */
export async function untilIndexed<T>(read: () => Promise<T>): Promise<T> {
	for (;;) {
		try {
			return await read();
		} catch (error) {
			if (!isStillIndexing(error)) throw error;
		}
	}
}

/**
 * Longest a job the app runs in the background waits for an index, ms: an import of
 * millions of records holds the index back for many minutes.
 */
export const BACKGROUND_INDEX_WAIT_MS = 60 * 60_000;

/** Longest pause between two attempts of a read waiting in the background, ms. */
const BACKGROUND_PAUSE_MS = 60_000;

/**
 * A background read gave up waiting for its index (or for a store that stopped
 * answering): says how long it waited and its last answer.
 */
export class IndexWaitExceeded extends CouchstatsError {
	constructor(waitedMs: number, last: unknown) {
		const why = last instanceof Error ? last.message : String(last);
		super(
			503,
			`the index was not ready after ${Math.round(waitedMs / 1000)} s of asking again (last answer: ${why})`
		);
	}
}

/**
 * View reads of a job the app runs in the background (a site's deletion), through the
 * app's client, whose every request has the store limit (store-limit.ts, 20 s). A read
 * that brings an index up to date behind a large import outlasts the limit and fails
 * with {@link StoreTimeout}, while the build goes on; such a read, and one that fails
 * {@link isStillIndexing}, is asked again after a pause (1 s, doubling up to 60 s), for
 * at most `maxMs` in all, then fails with {@link IndexWaitExceeded}. Any other error
 * fails at once. Nobody watches such a job, so unlike {@link untilIndexed} it gives up:
 * the store may be gone rather than busy.
 */
export function inBackground(maxMs = BACKGROUND_INDEX_WAIT_MS, firstPauseMs = 1000): Settle {
	return async (read) => {
		const start = Date.now();
		for (let pause = firstPauseMs; ; pause = Math.min(pause * 2, BACKGROUND_PAUSE_MS)) {
			try {
				return await read();
			} catch (error) {
				if (!(error instanceof StoreTimeout) && !isStillIndexing(error)) throw error;
				const waited = Date.now() - start;
				if (waited + pause > maxMs) throw new IndexWaitExceeded(waited, error);
				await new Promise((resolve) => setTimeout(resolve, pause));
			}
		}
	};
}

/** How long a client is told to wait while an index is being built, in seconds. */
export const INDEXING_RETRY_S = 60;

/**
 * Longest a request waits for an index before it is told to retry, ms: a request is
 * answered in seconds, while an index may take minutes (an import's).
 */
export const INDEX_WAIT_MS = 15_000;

/** How a view read waits for its index. */
export type Settle = <T>(read: () => Promise<T>) => Promise<T>;

/**
 * View reads (a request's) that wait at most `ms` for their index: past it, or when
 * CouchDB itself gives up on a build, the client is told to retry ({@link RetryLater}, 503).
 * The read goes on in CouchDB and the index keeps building, so a retry finds it further
 * along.
 */
export function withinIndexWait(ms = INDEX_WAIT_MS): Settle {
	return (read) =>
		new Promise((resolve, reject) => {
			const indexing = () =>
				new RetryLater(503, 'couchstats is still indexing its records', INDEXING_RETRY_S);
			const timer = setTimeout(() => reject(indexing()), ms);
			read()
				.then(resolve, (e) => reject(isStillIndexing(e) ? indexing() : e))
				.finally(() => clearTimeout(timer));
		});
}
