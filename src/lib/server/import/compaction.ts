/**
 * Compaction of the events database after records leave it (a visitor's erasure,
 * retention). A deleted document keeps its earlier revisions until its database is
 * compacted: CouchDB, and the embedded store (PouchDB), answer `GET /{db}/{id}?rev=1-…`
 * with the record's whole body (an outside probe read erased titles, visitor ids and
 * referrers that way, as the store's admin: nobody else may read the events database).
 * `POST /{db}/_compact` keeps only each document's leaf revision, a deleted record's
 * being its id and revision alone, after which `?rev=` answers 404. Apache CouchDB
 * answers 202 at once and compacts in the background, rewriting the database file; the
 * embedded store answers once it has compacted (PouchDB compacts what changed since its
 * last compaction).
 */
import type { Couch } from '../couch';
import { logError } from '../log';

/** Asks the store to compact the events database (an admin request, without a time limit). */
export function compactEvents(couch: Couch): Promise<unknown> {
	return couch.long.db.compact(couch.names.events);
}

/**
 * The least time between the starts of two compactions asked for by erasures, ms: on
 * Apache CouchDB each rewrites the database file, so a day of erasures must not rewrite
 * it once each. An erased record's earlier revisions stay readable by the store's admin
 * for at most this long (and while a compaction runs).
 */
export const COMPACTION_GAP_MS = 5 * 60_000;

/** Compaction requested by many callers, made as few times as covers them all. */
export interface CoalescedCompaction {
	/** Asks for a compaction that starts after this call; never throws (failures go to `onError`). */
	request(): void;
	/** Settles once no compaction is asked for, waiting or running. */
	settled(): Promise<void>;
}

/** Runs `run` after `ms` (default: an unref'd `setTimeout`, which keeps no process alive). */
export type Later = (run: () => void, ms: number) => void;

const timeout: Later = (run, ms) => setTimeout(run, ms).unref();

/**
 * Coalesces compaction requests: a request starts a compaction as soon as the previous
 * one started {@link COMPACTION_GAP_MS} ago and ended; every request made meanwhile is
 * answered by that one compaction. Each request is followed by a compaction that started
 * after it.
 * @param compact Makes one compaction (e.g. {@link compactEvents}).
 * @param onError Told of a compaction that failed; the next request tries again.
 * @param options.gapMs Least time between two starts; default {@link COMPACTION_GAP_MS}.
 * @param options.now Clock in ms; default `Date.now`.
 * @param options.later How a compaction is put off; default an unref'd timer.
 */
export function coalescedCompaction(
	compact: () => Promise<unknown>,
	onError: (error: unknown) => void,
	{ gapMs = COMPACTION_GAP_MS, now = Date.now, later = timeout } = {}
): CoalescedCompaction {
	let lastStart = -Infinity;
	let wanted = false;
	let waiting = false;
	let running = false;
	let idle: (() => void)[] = [];

	function schedule() {
		if (waiting || running) return;
		if (!wanted) {
			for (const resolve of idle) resolve();
			idle = [];
			return;
		}
		waiting = true;
		later(run, Math.max(0, lastStart + gapMs - now()));
	}

	function run() {
		waiting = false;
		wanted = false;
		running = true;
		lastStart = now();
		void compact()
			.catch(onError)
			.finally(() => {
				running = false;
				schedule();
			});
	}

	return {
		request() {
			wanted = true;
			schedule();
		},
		settled() {
			if (!wanted && !waiting && !running) return Promise.resolve();
			return new Promise((resolve) => idle.push(resolve));
		}
	};
}

let app: CoalescedCompaction | undefined;

/**
 * The app's one compaction of the events database, for every deletion it makes (a
 * visitor's erasure, a site's deletion): made on the first call, kept for the process.
 * @param couch The app's client, read at each compaction.
 */
export function eventsCompaction(couch: () => Couch): CoalescedCompaction {
	return (app ??= coalescedCompaction(
		() => compactEvents(couch()),
		(e) => logError('compacting the events database', e)
	));
}
