/**
 * Delivery: the records this page still has to get to the ingest, and when they go.
 * Part of the core, so it works from the first pageview on, before the deferred part
 * (and the outbox) has loaded.
 *
 * - Live: a pageview, event or milestone leaves as soon as the task that made it ends
 *   (`SOON_MS`, a 0 ms timer: what one task makes, such as a pageview and the
 *   milestones it completes, shares a request), and whatever else waits goes with it;
 *   heartbeats alone wait for the batch window (`maxWaitMs`), or until 10 records
 *   wait. While the page is visible one request is in flight at a time, so what is made
 *   while it flies goes together once it is answered; when the page hides, everything
 *   goes at once (`keepalive`, network.ts), including what is in flight, since a closing
 *   page cancels its requests without `keepalive`.
 * - A failed request is retried after a capped, jittered backoff (1 s doubling to
 *   60 s), at once when the browser comes back `online`, and when the page hides; with
 *   half as many records (down to one, twice as many after each delivery) after one
 *   refused as too large (413), one that timed out, or one that got no answer after an
 *   earlier failure (a proxy's 413 carries no CORS header: the page sees no answer). One
 *   the ingest refuses as this page made it (network.ts `MANGLED`: a script of the page
 *   broke its body or method) is not: this page sends nothing more, and its records wait
 *   (outbox, journal) for another page of the site.
 * - Durable: once the deferred part attaches the outbox (IndexedDB), every record is
 *   written there too and purged once delivered; records it held from earlier pages
 *   or other tabs are adopted and sent with this page's. What is not yet known to be
 *   in the outbox when the page hides (its last heartbeat, a final event, milestones —
 *   or everything, if the outbox never loaded or its writes stall) is written at once,
 *   synchronously, to this page's journal in `localStorage` (at most `JOURNAL_MAX`
 *   records, fewer where it has no room: what does not fit, cut in the outbox's order
 *   (bound.ts), is counted in a `dropped` record). The next page of the site adopts
 *   every journal it finds, online or not, and hands the records to its outbox.
 * - A record travels unchanged however it goes (request, journal, outbox, another
 *   tab), with the `_id` and `_rev` it was made with, so CouchDB stores it once.
 * - Before the outbox is attached, the queue is bounded like the outbox, in its order
 *   (bound.ts), and a `dropped` record counts the loss.
 * - A record over `DOC_BYTES` as JSON, which the ingest would refuse, is dropped as it
 *   comes (made here, or found in an outbox or journal), never sent; a `dropped` record
 *   counts it, and the console says why, once. So a request of `PER_REQUEST` records
 *   stays within the ingest's `LIMITS.requestBytes`.
 */
import { DOC_BYTES, REQUEST_MS, type ClientRecord } from '../records.ts';
import { post, type Outcome, type RequestClock } from './network.ts';
import { bytes, stringify } from './json.ts';
import { sayOnce } from './say-once.ts';
import { dropOrder } from './bound.ts';
import { readJson, type KeyValueStore } from './storage.ts';

/**
 * How long a live record waits for company, ms: none beyond its own task. A wait here
 * is latency for every first pageview, and a page's later records share requests
 * anyway while one is in flight.
 */
export const SOON_MS = 0;
/** Records waiting before a request is due at once. */
const BATCH = 10;
/**
 * Most records a visible request carries: at most `DOC_BYTES` each, within the ingest's
 * `LIMITS.requestBytes` (delivery.test.ts checks).
 */
export const PER_REQUEST = 100;
/** Longest pause between retries, ms. */
const MAX_BACKOFF_MS = 60_000;
/**
 * Most records one page's journal holds (about 250 KB of `localStorage`); what does not
 * fit is counted in a `dropped` record.
 */
export const JOURNAL_MAX = 500;
/** Prefix of the journal keys in `localStorage`, one per page. */
export const JOURNAL = 'couchstats:journal:';

/** What delivery needs from the outbox (outbox.ts). */
export interface Store {
	/** Writes records; resolves once they are in IndexedDB. */
	add(records: ClientRecord[]): Promise<unknown>;
	/** Removes delivered records. */
	remove(records: ClientRecord[]): unknown;
}

/** How delivery is set up. */
export interface DeliveryOptions {
	/** Ingest URL. */
	endpoint: string;
	/** Longest a heartbeat waits before a request, ms. */
	maxWaitMs: number;
	/** Records kept in memory before the outbox is attached. */
	max: number;
	window: Window;
	storage: KeyValueStore;
	/** A random suffix naming this page's journal. */
	id: string;
	/** Whether the page is hidden (or being unloaded). */
	hidden(): boolean;
	/** Makes the record that reports `count` records dropped before the outbox came. */
	dropped(count: number): ClientRecord;
	/**
	 * The clock of a request as it leaves: what it tells the ingest (`sent`, `offset`: the
	 * ingest corrects `local` records by them) and where its answer's clock goes.
	 */
	clock(): RequestClock;
}

/** The delivery API the core and the deferred part use. */
export interface Delivery {
	/** Takes a record made on this page. */
	add(record: ClientRecord): void;
	/** Takes records found elsewhere (an outbox, a journal); `stored` when already in the outbox. */
	adopt(records: readonly ClientRecord[], stored?: boolean): void;
	/** Adopts the journals earlier pages of the site left, and removes them. */
	resume(): void;
	/** Drops records the outbox gave up to stay bounded. */
	forget(ids: ReadonlySet<string>): void;
	/** Attaches the outbox: what waits is written to it, and every later record. */
	attach(box: Store): void;
	/** The page hides: journals what is not in the outbox and sends everything. */
	hide(): void;
	/** The records not yet delivered. */
	waiting(): ClientRecord[];
	/**
	 * Forgets every waiting record and every journal (erase, opt-out); resolves once the
	 * requests already on their way have ended, so that nothing this page sent arrives later.
	 */
	clear(): Promise<unknown>;
}

/** Creates delivery for one page. */
export function createDelivery(o: DeliveryOptions): Delivery {
	const { storage, window: win } = o;
	const key = JOURNAL + o.id;
	/** Not yet delivered, oldest first. */
	let queue: ClientRecord[] = [];
	/** Of the queue, not yet handed to the outbox. */
	let fresh: ClientRecord[] = [];
	/** Of the queue, in a request now. */
	const flying = new Set<ClientRecord>();
	/** Records in a `keepalive` request (sent as the page hid): not sent again on hiding. */
	const kept = new Set<ClientRecord>();
	/** The requests on their way. */
	const requests = new Set<Promise<unknown>>();
	/** Records known to be in the outbox. */
	const stored = new WeakSet<ClientRecord>();
	/** Ids delivered by this page, so that an outbox's stale copies are purged, not sent. */
	const delivered = new Set<string>();
	let box: Store | undefined;
	/** Records dropped (too many before the outbox, or too large) that no `dropped` record counts yet. */
	let dropped = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	/** When the timer fires (local clock), or Infinity. */
	let due = Infinity;
	let failures = 0;
	/**
	 * Most records a visible request carries: halved after a request was too large for the
	 * path (settle), down to one; doubled after each delivery, up to `PER_REQUEST`.
	 */
	let per = PER_REQUEST;
	/** The ingest refused this page's requests as the page made them: it sends no more. */
	let refused = false;
	let journaled = false;
	/** A microtask will store (and, hidden, send) what this task made. */
	let tasked = false;

	const free = () => queue.filter((r) => !flying.has(r));
	const without = (list: ClientRecord[], gone: Set<ClientRecord>) =>
		list.filter((r) => !gone.has(r));

	/**
	 * Writes this page's journal: what waits and is not in the outbox (or removes it), at
	 * most `JOURNAL_MAX` records, fewer (halving) when `localStorage` has no room for them.
	 * What does not fit is counted in a `dropped` record in its place, dropped in the
	 * outbox's order (bound.ts; earlier `dropped` records kept, not folded: they may be on
	 * their way already) (an outside probe: with IndexedDB refused and the ingest
	 * unreachable for 25 pages, the oldest 50 events and 11 page views went, unsaid).
	 * The count is at most the loss, not always the loss: as the page hides, what is cut
	 * goes in its `keepalive` requests too, and a page that closes before their answers
	 * cannot know (nor can the next page) whether they arrived. One that lives on to hear
	 * them writes its journal again, and the count with it.
	 */
	function journal() {
		const list = queue.filter((r) => !stored.has(r));
		journaled = list.length > 0;
		if (!journaled) return storage.removeItem(key);
		for (let max = JOURNAL_MAX; max; max >>= 1) {
			let kept = list;
			if (list.length > max) {
				const gone = new Set(dropOrder(list).slice(0, list.length - max + 1));
				kept = [o.dropped(gone.size), ...without(list, gone)];
			}
			try {
				return storage.setItem(key, stringify(kept));
			} catch {
				// No room (quota): fewer.
			}
		}
	}

	function store() {
		if (!box || !fresh.length) return;
		const list = fresh;
		fresh = [];
		box.add(list).then(
			() => {
				for (const r of list) stored.add(r);
				if (journaled) journal();
			},
			() => {}
		);
	}

	/** Sends within `ms` unless a request is due sooner (or a backoff runs: it is not cut short). */
	function schedule(ms: number) {
		const at = Date.now() + ms;
		if (at >= due || failures) return;
		clearTimeout(timer);
		due = at;
		timer = setTimeout(send, ms);
	}

	/**
	 * Plans a request for what waits: at once for a whole batch, within `ms` when a live
	 * record waits, else within the batch window.
	 */
	function next(ms = 0) {
		const list = free();
		if (list.length)
			schedule(
				list.length >= BATCH ? 0 : list.some((r) => r.type != 'heartbeat') ? ms : o.maxWaitMs
			);
	}

	function send() {
		clearTimeout(timer);
		timer = undefined;
		due = Infinity;
		const hiding = o.hidden();
		if (refused || (flying.size && !hiding)) return;
		// Hiding: what is in flight goes again with keepalive, since a page that closes
		// cancels its other requests (the same _id and _rev: stored once either way).
		const list = hiding ? queue.filter((r) => !kept.has(r)) : free();
		// Visible: one request at a time. Hidden: all at once, small enough for keepalive.
		const size = hiding ? 20 : per;
		const at = Date.now();
		for (let i = 0; i < list.length && (hiding || !i); i += size) {
			const batch = list.slice(i, i + size);
			for (const r of batch) {
				flying.add(r);
				if (hiding) kept.add(r);
			}
			const request = post(win.fetch, o.endpoint, batch, o.clock(), hiding).then((outcome) => {
				requests.delete(request);
				if (hiding) for (const r of batch) kept.delete(r);
				settle(batch, outcome, Date.now() - at);
			});
			requests.add(request);
		}
	}

	function settle(batch: ClientRecord[], outcome: Outcome, ms: number) {
		for (const r of batch) flying.delete(r);
		if (outcome == 'refused') {
			refused = true;
			clearTimeout(timer);
		} else if (outcome == 'sent') {
			failures = 0;
			// Twice as many after each delivery: a link that stays slow settles near what it
			// carries, instead of timing out again from 100.
			per = Math.min(PER_REQUEST, per * 2);
			const gone = new Set(batch);
			queue = without(queue, gone);
			fresh = without(fresh, gone);
			for (const r of batch) delivered.add(r._id);
			box?.remove(batch);
			if (journaled) journal();
			next();
		} else {
			// Fewer after a request too large for the way to the ingest: refused so (413, an
			// outside probe: a proxy's 1 MB limit, the same 2 MB batch again for ever, every
			// record behind it held), timed out (a slow uplink: a probe's 48 KB batch of 100
			// never finished within `REQUEST_MS`), or unanswered after an earlier failure (a
			// proxy's 413 has no CORS header: the page sees a network error, as offline).
			if (outcome == 'large' || (outcome == 'lost' && (failures || ms >= REQUEST_MS)))
				per = Math.ceil(per / 2);
			const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** ++failures);
			clearTimeout(timer);
			due = Date.now() + wait;
			timer = setTimeout(send, wait / 2 + (Math.random() * wait) / 2);
		}
	}

	function hide() {
		journal();
		store();
		send();
	}

	/**
	 * Whether the ingest would refuse `r` as too large: then it is dropped, counted (in one
	 * `dropped` record a task, once the outbox is attached: {@link report}).
	 */
	function large(r: ClientRecord) {
		const size = bytes(stringify(r));
		if (size <= DOC_BYTES) return false;
		sayOnce('large', `${r.type} of ${size} bytes dropped: the ingest takes ${DOC_BYTES} at most`);
		dropped++;
		return true;
	}

	/**
	 * Counts what was dropped in a `dropped` record, once the outbox is attached (before,
	 * the queue's bound may drop more, into the same count).
	 */
	function report() {
		if (box && dropped) {
			const count = dropped;
			dropped = 0;
			add(o.dropped(count));
		}
	}

	/** After the current task: store what it made, and when hidden, journal and send it too. */
	function soon(ms: number) {
		if (!tasked) {
			tasked = true;
			queueMicrotask(() => {
				// While `tasked`: its record is this task's, stored and sent below.
				report();
				tasked = false;
				if (o.hidden()) hide();
				else store();
			});
		}
		next(ms);
	}

	function adopt(records: readonly ClientRecord[], isStored?: boolean) {
		const known = new Set(queue.map((r) => r._id));
		const stale = [];
		for (const r of records) {
			if (delivered.has(r._id) || (!known.has(r._id) && large(r))) stale.push(r);
			else if (!known.has(r._id)) {
				known.add(r._id);
				queue.push(r);
				if (isStored) stored.add(r);
				else fresh.push(r);
			}
		}
		if (stale.length) box?.remove(stale);
		soon(SOON_MS);
	}

	const journals = () => {
		const keys = [];
		for (let i = 0; i < storage.length; i++) {
			const k = storage.key(i);
			if (k?.startsWith(JOURNAL)) keys.push(k);
		}
		return keys;
	};
	win.addEventListener('online', () => {
		if (!failures) return;
		failures = 0;
		send();
	});

	function add(record: ClientRecord) {
		if (large(record)) return soon(SOON_MS);
		queue.push(record);
		fresh.push(record);
		if (!box && queue.length > o.max) {
			const gone = new Set(dropOrder(queue).slice(0, 1));
			queue = without(queue, gone);
			fresh = without(fresh, gone);
			dropped += gone.size;
		}
		soon(SOON_MS);
	}

	return {
		add,
		adopt,
		resume() {
			for (const k of journals()) {
				adopt(readJson<ClientRecord[]>(storage, k) ?? []);
				storage.removeItem(k);
			}
		},
		forget(ids) {
			const gone = new Set(queue.filter((r) => ids.has(r._id)));
			queue = without(queue, gone);
			fresh = without(fresh, gone);
		},
		attach(b) {
			box = b;
			report();
			store();
		},
		hide,
		waiting: () => [...queue],
		clear() {
			// Later records of this page wait here and go by request; the next page opens
			// a fresh outbox.
			box = undefined;
			queue = [];
			fresh = [];
			for (const k of journals()) storage.removeItem(k);
			journaled = false;
			return Promise.all(requests);
		}
	};
}
