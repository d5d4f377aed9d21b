/**
 * Server-Sent Events for live pages: one shared `_changes` follower per process,
 * fanned out to every open stream of a site. A stream sends `event: records` with the
 * site's new records (debounced), a comment every 15 s so proxies keep it open, and
 * `retry: 2000` so browsers reconnect quickly after a restart. A stream opened with the
 * sequence its page was read at (`since`) first sends `event: missed` when records of the
 * site arrived in between, which it cannot send: the page reads again (an outside review:
 * a pageview made just after the dashboard loaded never showed), and also when records
 * came that were made before the active window (an import's history): the page reads
 * them rather than listing them as the latest events. A stream whose reader
 * lost access (`allowed`, checked before each batch and each keep-alive, and at once when
 * access changes in this process: accounts/access.ts `accessChanged`) ends with
 * `event: end` ({@link ACCESS_ENDED}); a reconnection is then refused as any request
 * would be. One whose access could not be checked (the database did not answer) ends
 * too, saying so ({@link ACCESS_UNCHECKED}): its page reconnects.
 */
import { onAccessChanged, type AccessCheck } from '../accounts/access';
import { couch } from '../couch';
import { logNotice } from '../log';
import { ChangesFollower, couchChangesSource, missedSince } from './follower';
import { openSeq } from './seq-token';
import { ACCESS_ENDED, ACCESS_UNCHECKED, type LiveRecord } from '../../stats/active';

let follower: ChangesFollower | undefined;
const closers = new Set<() => void>();

/** The process's follower, created on first use. */
export function liveFollower(): ChangesFollower {
	follower ??= new ChangesFollower(couchChangesSource(couch()), {
		// Trackers send each action at once, and each longpoll answer is already one
		// batch: pass it on at once (a wait here is latency for every action).
		// Dashboards coalesce their re-reads themselves (at most one waits behind the
		// one running), so more frequent batches cost no more re-reads.
		debounceMs: 0,
		onError: (e) => logNotice(`live follower: ${(e as Error).message ?? e}`)
	});
	return follower;
}

/** Ends every open stream (on shutdown, so graceful shutdown does not wait for them). */
export function closeAllStreams(): void {
	for (const close of [...closers]) close();
}

/** Options of {@link liveResponse}. */
export interface LiveOptions {
	/** Milliseconds between keep-alive comments; default 15 s. */
	keepAliveMs?: number;
	/** The follower to listen to; default the process's. */
	follower?: ChangesFollower;
	/**
	 * What a reader is told of a record (to a reader without access to the public demo
	 * site, only its public paths and no event names: `live/handler.ts`); default all of it.
	 */
	publish?: (record: LiveRecord) => LiveRecord;
	/** Called once when the stream ends, whoever ends it. */
	onClose?: () => void;
	/** Whether the reader may still read the site (accounts/access.ts `heldAccess`); default `held`. */
	allowed?: () => Promise<AccessCheck>;
	/** The events database's sequence the reader's page was read at (see above). */
	since?: string;
}

/** An SSE response streaming a site's new records until the client goes away. */
export function liveResponse(site: string, options: LiveOptions = {}): Response {
	const encoder = new TextEncoder();
	let cleanup = () => {};
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			const send = (text: string) => {
				try {
					controller.enqueue(encoder.encode(text));
				} catch {
					cleanup();
				}
			};
			send(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ site })}\n\n`);
			const publish = options.publish;
			let ended = false;
			const allowed = options.allowed ?? (() => Promise.resolve<AccessCheck>('held'));
			/**
			 * Sends `text` once the reader's access is checked, in order; ends the stream
			 * without it. Without `text`, only checks.
			 */
			let sending = Promise.resolve();
			const sendAllowed = (text?: () => string) => {
				sending = sending.then(async () => {
					if (ended) return;
					const found = await allowed();
					if (found === 'held') return text && send(text());
					const reason = found === 'revoked' ? ACCESS_ENDED : ACCESS_UNCHECKED;
					send(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
					close();
				});
			};
			// The sequence the page was read at: a token this process did not seal (one from
			// before a restart) gives none, and the page reads again.
			const seq = options.since === undefined ? undefined : openSeq(options.since);
			const unsubscribe = (options.follower ?? liveFollower()).subscribe(
				site,
				(batch: LiveRecord[], late: boolean) => {
					if (batch.length) {
						sendAllowed(() => {
							const records = publish ? batch.map(publish) : batch;
							return `event: records\ndata: ${JSON.stringify({ records })}\n\n`;
						});
					}
					if (late) sendAllowed(() => 'event: missed\ndata: {}\n\n');
				},
				seq
			);
			// Subscribed first, so that nothing falls between what it checks and what comes.
			if (options.since !== undefined) {
				const missed = seq === undefined ? Promise.resolve(true) : missedSince(couch(), site, seq);
				void missed.then((missed) => {
					if (missed) sendAllowed(() => 'event: missed\ndata: {}\n\n');
				});
			}
			// A token revoked, a link turned off, a logout, a site deleted here end it at once.
			const unwatch = options.allowed ? onAccessChanged(() => sendAllowed()) : () => {};
			const keepAlive = setInterval(
				() => sendAllowed(() => ': keep-alive\n\n'),
				options.keepAliveMs ?? 15_000
			);
			cleanup = () => {
				if (ended) return;
				ended = true;
				clearInterval(keepAlive);
				unwatch();
				unsubscribe();
				closers.delete(close);
				options.onClose?.();
			};
			const close = () => {
				cleanup();
				try {
					controller.close();
				} catch {
					// Already closed by the client.
				}
			};
			closers.add(close);
		},
		cancel() {
			cleanup();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-store',
			'x-accel-buffering': 'no'
		}
	});
}
