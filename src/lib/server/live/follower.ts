/**
 * The one server-side follower of the events database's `_changes` feed
 * (`feed=longpoll`, the only change feed both servers support well, docs/DESIGN.md §6).
 * It runs only while someone listens, resumes from its last sequence after errors
 * with capped backoff, and hands each site's new records to its listeners in
 * debounced batches, which `/api/v1/live` fans out over Server-Sent Events.
 */
import type { Couch } from '../couch';
import { ACTIVE_WINDOW_MS, liveRecord, type LiveRecord } from '../../stats/active';
import { forNoClient } from '../store-dispatch';

/** One longpoll answer. `last_seq` is a string on Apache CouchDB, a number on the embedded store. */
export interface ChangesPage {
	results: { id: string; deleted?: boolean; doc?: Record<string, unknown> }[];
	last_seq: string | number;
}

/**
 * Whether a longpoll answer is a whole `_changes` page. nano resolved a request whose
 * body read was cut off (an aborted longpoll, after CouchDB already sent its headers
 * and `{"results":[`) with `''` (the store's dispatcher now fails it, store-dispatch.ts,
 * but a body that is no JSON still resolves so); taking its missing `last_seq` as the
 * next `since` would make every later poll a 400.
 */
export function isChangesPage(body: unknown): body is ChangesPage {
	if (typeof body !== 'object' || body === null) return false;
	const { results, last_seq } = body as Partial<ChangesPage>;
	return (
		Array.isArray(results) &&
		((typeof last_seq === 'string' && last_seq !== '') ||
			(typeof last_seq === 'number' && Number.isFinite(last_seq)))
	);
}

/** Fetches changes after `since`; must honour `signal`. */
export type ChangesSource = (since: string | number, signal: AbortSignal) => Promise<ChangesPage>;

/** Options of {@link ChangesFollower}. */
export interface FollowerOptions {
	/** Server-side longpoll timeout; the client aborts 5 s after it. Default 25 s. */
	pollTimeoutMs?: number;
	/** Batches per site are delivered at most this often. Default 250 ms. */
	debounceMs?: number;
	/** Backoff after an error doubles from 500 ms up to this. Default 30 s. */
	maxBackoffMs?: number;
	/** Most records kept per site per batch (the newest by record time). Default 50. */
	maxBatch?: number;
	/** Called on every failed poll (logging). */
	onError?: (error: unknown) => void;
	/** The server's clock, ms (tests); default `Date.now`. */
	now?: () => number;
}

/**
 * A listener: the records it is sent, and whether records came that it is not sent
 * because they are {@link late} (the page reads again instead).
 */
type Listener = (records: LiveRecord[], late: boolean) => void;

/**
 * How long before a listener came a record may have been received and still be sent to
 * it. The follower resumes from its last sequence when a listener comes after a quiet
 * spell, and replays what was stored meanwhile: a page read those already (an outside
 * re-check saw each one listed twice); what arrived between its read and its stream it
 * learns by `missedSince`. The margin covers records on their way to the store as the
 * listener came.
 */
export const REPLAY_MARGIN_MS = 10_000;

/** A record collected for a site's listeners, with when the ingest received it. */
interface Pending {
	record: LiveRecord;
	receivedAt: number | undefined;
}

/**
 * Whether a record was made before the active window of when it was received: an
 * import's history (an outside re-check saw year-old rows listed, under a clock time, as
 * the latest events), or an outbox that waited offline. It belongs to no session active
 * now, which is what the latest-events list shows, so it is not sent as a record: the
 * page is told records came (`missed`) and reads its numbers and list again.
 */
function late({ record, receivedAt }: Pending): boolean {
	return receivedAt !== undefined && record.ts < receivedAt - ACTIVE_WINDOW_MS;
}

/** Follows `_changes` while there are listeners. */
export class ChangesFollower {
	/** Each listener with the time it came (see {@link REPLAY_MARGIN_MS}). */
	private readonly listeners = new Map<string, Map<Listener, number>>();
	private readonly pending = new Map<string, Pending[]>();
	private flushTimer: ReturnType<typeof setTimeout> | undefined;
	private controller: AbortController | undefined;
	private running: Promise<void> | undefined;
	/** Sequence the next poll starts from; survives errors and idle periods. */
	since: string | number = 'now';

	constructor(
		private readonly source: ChangesSource,
		private readonly options: FollowerOptions = {}
	) {}

	/**
	 * Listens to a site's new records; returns the function that stops listening.
	 * @param seen The events database's sequence the listener's page was read at, if
	 *   known: a follower that never polled starts there rather than at `now`, which the
	 *   store resolves only when the first poll reaches it, so a record stored between a
	 *   stream's `missedSince` and that poll was in neither (flaky16: the window of the
	 *   first stream of a process).
	 */
	subscribe(site: string, listener: Listener, seen?: string): () => void {
		if (this.since === 'now' && !this.running && seen !== undefined) this.since = seen;
		let set = this.listeners.get(site);
		if (!set) this.listeners.set(site, (set = new Map()));
		set.set(listener, (this.options.now ?? Date.now)());
		this.running ??= this.loop().finally(() => (this.running = undefined));
		return () => {
			set.delete(listener);
			if (!set.size) this.listeners.delete(site);
			if (!this.listeners.size) this.controller?.abort();
		};
	}

	/** Number of listeners, for tests and health. */
	get listenerCount(): number {
		let n = 0;
		for (const set of this.listeners.values()) n += set.size;
		return n;
	}

	/** Stops polling; resolves when the loop has ended. */
	async stop(): Promise<void> {
		this.listeners.clear();
		this.controller?.abort();
		await this.running;
	}

	private async loop(): Promise<void> {
		const pollTimeout = this.options.pollTimeoutMs ?? 25_000;
		let backoff = 0;
		while (this.listeners.size) {
			this.controller = new AbortController();
			// A server that does not end an idle longpoll after `timeout`: abort it ourselves.
			const timer = setTimeout(() => this.controller?.abort(), pollTimeout + 5000);
			const { signal } = this.controller;
			try {
				const page = await this.source(this.since, signal);
				// An aborted request's answer is cut off, whatever it looks like: poll again.
				if (signal.aborted) continue;
				if (!isChangesPage(page)) throw new Error('CouchDB sent an incomplete _changes answer');
				backoff = 0;
				this.since = page.last_seq;
				this.collect(page);
			} catch (error) {
				if (signal.aborted) continue;
				this.options.onError?.(error);
				backoff = Math.min(this.options.maxBackoffMs ?? 30_000, backoff ? backoff * 2 : 500);
				await new Promise((resolve) => setTimeout(resolve, backoff));
			} finally {
				clearTimeout(timer);
			}
		}
	}

	private collect(page: ChangesPage) {
		for (const change of page.results) {
			const site = siteOf(change);
			if (site === undefined || !this.listeners.has(site)) continue;
			const doc = change.doc!;
			const record = liveRecord(doc, Number(doc.ts));
			const receivedAt = typeof doc.receivedAt === 'number' ? doc.receivedAt : undefined;
			const list = this.pending.get(site) ?? [];
			list.push({ record, receivedAt });
			this.pending.set(site, list);
		}
		// A sharded CouchDB database lists changes out of write order: keep the newest
		// records by their own time, oldest first (a stable sort keeps ties in arrival order).
		for (const [site, list] of this.pending) {
			this.pending.set(
				site,
				list.sort((a, b) => a.record.ts - b.record.ts || 0).slice(-(this.options.maxBatch ?? 50))
			);
		}
		if (this.pending.size && !this.flushTimer) {
			this.flushTimer = setTimeout(() => this.flush(), this.options.debounceMs ?? 250);
		}
	}

	private flush() {
		this.flushTimer = undefined;
		for (const [site, pending] of this.pending) {
			for (const [listener, came] of this.listeners.get(site) ?? []) {
				const sent = pending.filter(
					(p) => p.receivedAt === undefined || p.receivedAt >= came - REPLAY_MARGIN_MS
				);
				if (!sent.length) continue;
				const records = sent.filter((p) => !late(p)).map((p) => p.record);
				try {
					listener(records, records.length < sent.length);
				} catch (error) {
					this.options.onError?.(error);
				}
			}
		}
		this.pending.clear();
	}
}

/**
 * The changes source for a CouchDB events database, through nano: without the app's
 * limit of a request to the store (store-limit.ts), which a longpoll outlasts by design; the
 * follower aborts each poll itself, 5 s after its `timeout`.
 */
export function couchChangesSource(couch: Couch, pollTimeoutMs = 25_000): ChangesSource {
	return (since, signal) =>
		couch.long.request({
			db: couch.names.events,
			path: '_changes',
			qs: { feed: 'longpoll', since, timeout: pollTimeoutMs, include_docs: true, limit: 1000 },
			signal
		} as Parameters<Couch['server']['request']>[0]) as Promise<ChangesPage>;
}

/**
 * The site of a change that is a record listeners learn of, or undefined: no deletion,
 * design document or bot's record.
 */
export function siteOf(change: ChangesPage['results'][number]): string | undefined {
	const doc = change.doc;
	if (change.deleted || !doc || change.id.startsWith('_design/') || doc.bot === true) return;
	return typeof doc.site === 'string' ? doc.site : undefined;
}

/** Changes {@link missedSince} looks at; a page further behind re-reads whatever they hold. */
export const MISSED_LIMIT = 200;

/**
 * Whether records of `site` arrived after `since`, the events database's sequence a page
 * was read at: its stream, which starts later, never sends them (the follower sends a
 * listener only what it received from about when the listener came: {@link
 * REPLAY_MARGIN_MS}), so the page must read again. True too when the changes since fill a page of
 * {@link MISSED_LIMIT} (later ones may be the site's), or the server refused `since`.
 */
export function missedSince(couch: Couch, site: string, since: string): Promise<boolean> {
	// Records after a sequence stay after it: a yes is kept a while, so that streams opened
	// again and again from one page's sequence ask the store once (a security probe kept
	// 1.4 cores busy opening streams from an old sequence). A no is asked again each time,
	// but streams opened at once share one question.
	const key = `${site}\n${since}`;
	if (missedKept.has(key)) return Promise.resolve(true);
	let asked = missedAsking.get(key);
	if (!asked) {
		// Streams opened meanwhile share it: no one client's leaving ends it (store-dispatch.ts).
		asked = forNoClient(() => readMissed(couch, site, since)).then((missed) => {
			missedAsking.delete(key);
			if (missed) {
				if (missedKept.size >= MISSED_KEPT) missedKept.clear();
				missedKept.add(key);
			}
			return missed;
		});
		missedAsking.set(key, asked);
	}
	return asked;
}

/** {@link missedSince}'s questions to the store in flight, by site and sequence. */
const missedAsking = new Map<string, Promise<boolean>>();

/** Sites and sequences known to have been followed by the site's records ({@link missedSince}). */
const missedKept = new Set<string>();
/** How many {@link missedKept} holds before it starts again. */
const MISSED_KEPT = 10_000;

async function readMissed(couch: Couch, site: string, since: string): Promise<boolean> {
	const page = await couch.server
		.request({
			db: couch.names.events,
			path: '_changes',
			qs: { since, limit: MISSED_LIMIT, include_docs: true }
		} as Parameters<Couch['server']['request']>[0])
		.catch(() => undefined);
	if (!isChangesPage(page)) return true;
	return page.results.length >= MISSED_LIMIT || page.results.some((c) => siteOf(c) === site);
}
