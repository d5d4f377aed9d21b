/**
 * The browser side of `/api/v1/live`: an `EventSource` that reports new records (at
 * once for pageviews and events, a moment later for engaged time alone), keeps the
 * latest pageviews and events for the realtime panel, and says whether it is
 * connected. `EventSource` reconnects by itself (the server sends `retry: 2000`);
 * after a reconnect the page refreshes once, since records may have arrived while the
 * stream was down. The first connection asks from the sequence the page was read at, and
 * the server says when records came in between (`missed`): the page reads them too.
 *
 * The page re-reads its numbers only while the stream is connected ($lib/reread.ts: a JSON
 * read whose failure leaves the numbers on screen, marked "Reconnecting…" once the
 * stream reports its error, and the reconnect re-reads them). A re-read that fails while
 * the stream stays connected (the server answered 5xx, or the request was cut off) marks
 * the numbers "Not up to date" and is tried again after {@link RETRY_MS}, then after
 * twice as long each time, up to {@link RETRY_MAX_MS}, until one succeeds: the page says
 * "Live" only over numbers read since the last push. Nor does it re-read while
 * the page navigates (a visitor clicked a row or a range): the re-read would ask for the
 * range being left, so it runs once the navigation ends.
 *
 * A stream that ends because its reader lost access (`event: end`, {@link ACCESS_ENDED}: a
 * logout, a share link turned off, a token revoked, the site deleted), or whose request is
 * refused with 401 or 403, is not tried again: the status is `ended`, and the page says
 * why over the numbers it has (an outside probe found "Reconnecting…" and a refused
 * request every 3 s, forever). A stream cut for any other reason (a restart, the network)
 * reconnects.
 *
 * Numbers read while an index was still being built (`indexing: true`, those indexed so
 * far) are re-read every {@link INDEXING_RETRY_MS} until they are complete: no new
 * record may arrive to ask for it.
 */

import type { Reread } from '$lib/reread';
import {
	ACCESS_ENDED,
	LATEST_MAX,
	LISTED_TYPES,
	newestListed,
	type LiveRecord
} from '$lib/stats/active';
import { coalesce } from './coalesce';

/** A record kept in the "latest events" list, with a key for keyed each blocks. */
export interface LatestRecord extends LiveRecord {
	key: number;
}

/** How long a batch of only heartbeats and milestones may wait before the page refreshes. */
export const LATER_MS = 1000;

/**
 * When new records call for a refresh: at once when they hold a pageview, a return or an event;
 * after {@link LATER_MS} when they only move engaged time and milestones, so that a
 * closing page's last heartbeat does not start a re-read that the next page's pageview,
 * a moment later, would have to wait behind.
 */
export function refreshDelay(records: readonly Pick<LiveRecord, 'type'>[]): number {
	return records.some((r) => LISTED_TYPES.has(r.type)) ? 0 : LATER_MS;
}

/**
 * A re-read waits after the one before it for this many times what that one took, when
 * that was {@link READ_PACE_FROM_MS} or more: a page's dear re-reads use at most a
 * quarter of the server's time however often records come, and cheap ones, the usual
 * kind, wait for nothing (pacing those added 70 ms to a click's median in bench:live).
 */
export const READ_PACE = 3;

/** The cost (ms) from which a re-read paces the next. */
export const READ_PACE_FROM_MS = 200;

/** The longest re-read cost a wait is reckoned from (the wait at most 3 × 3 s). */
export const READ_COST_MAX_MS = 3_000;

/** How often numbers read from an index still being built are read again. */
export const INDEXING_RETRY_MS = 2000;

/** The first wait before a failed re-read is tried again; each failure doubles it. */
export const RETRY_MS = 2000;

/** The longest wait between tries of a failed re-read. */
export const RETRY_MAX_MS = 30_000;

/**
 * What the page says about its numbers: `connecting` before the stream's first `ready`,
 * `live` while it is connected and the last re-read succeeded, `behind` while it is
 * connected but the last re-read failed, `reconnecting` while it is down, `ended` once
 * the reader lost access (for good: see above).
 */
export type LiveStatus = 'connecting' | 'live' | 'behind' | 'reconnecting' | 'ended';

/** A live feed of one site. */
export class LiveFeed {
	/** The stream: `open` from its `ready` until its next `error` (or until closed), `ended` for good. */
	private stream = $state<'connecting' | 'open' | 'reconnecting' | 'ended'>('connecting');
	/** Re-reads that failed in a row, and the timer of the next try. */
	private failures = $state(0);
	private again: ReturnType<typeof setTimeout> | undefined;
	status: LiveStatus = $derived(
		this.stream !== 'open' ? this.stream : this.failures ? 'behind' : 'live'
	);
	/** Newest first. */
	latest = $state<LatestRecord[]>([]);
	private next = 0;
	private retry: ReturnType<typeof setTimeout> | undefined;
	/** A re-read a navigation held back, run by {@link navigated}. */
	private held = false;
	/**
	 * The stream said records came before it (`missed`): re-reads ask for the latest
	 * events too, until one succeeds (other re-reads leave them out: the
	 * stream brings them, and reading them costs each live update time).
	 */
	private latestWanted = false;
	/** When the last re-read ended, and what it took (ms): see {@link READ_PACE}. */
	private readEnd = 0;
	private readCost = 0;

	/**
	 * Re-reads the page's numbers (see the constructor's `reload`): at most one re-read
	 * at a time, a burst of calls costs one more, and none while the stream is down.
	 */
	readonly refresh: () => Promise<void>;

	/**
	 * @param url The live endpoint, e.g. `/api/v1/live?site=demo`.
	 * @param reload Re-reads the numbers ($lib/reread.ts), with the latest records when
	 *   `latest`, and says what it came to; called through {@link refresh} when new records
	 *   arrive or the stream reconnects after a gap.
	 * @param navigating Whether the page is navigating (SvelteKit's `navigating.to`): a
	 *   re-read then would read the range being left, so it waits for {@link navigated}.
	 */
	constructor(
		private readonly url: string,
		reload: (latest: boolean) => Promise<Reread>,
		private readonly navigating: () => boolean = () => false
	) {
		this.refresh = coalesce(async () => {
			// Paced by the last re-read's cost: anyone can send records that start re-reads,
			// and records of many distinct paths make each one dear (an outside security
			// probe kept two thirds of a core busy per open dashboard, a record a second).
			const pace = this.readCost >= READ_PACE_FROM_MS ? READ_PACE * this.readCost : 0;
			const wait = this.readEnd + pace - Date.now();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			if (this.stream !== 'open') return;
			if (this.navigating()) return void (this.held = true);
			const latest = this.latestWanted;
			const started = Date.now();
			const outcome = await reload(latest);
			this.readEnd = Date.now();
			this.readCost = Math.min(this.readEnd - started, READ_COST_MAX_MS);
			if (latest && outcome !== 'failed') this.latestWanted = false;
			this.reread(outcome);
		});
	}

	/** Marks the numbers by what their re-read came to; a failed one is tried again later. */
	private reread(outcome: Reread): void {
		clearTimeout(this.again);
		this.again = undefined;
		if (outcome !== 'failed') {
			this.failures = 0;
			return;
		}
		// The stream went down meanwhile: its reconnect re-reads.
		if (this.stream !== 'open') return;
		const wait = Math.min(RETRY_MS * 2 ** this.failures, RETRY_MAX_MS);
		this.failures++;
		this.again = setTimeout(() => void this.refresh(), wait);
	}

	/** Runs the re-read a navigation held back; call once each navigation has ended. */
	navigated(): void {
		if (!this.held) return;
		this.held = false;
		void this.refresh();
	}

	/**
	 * Opens the stream; returns the function that closes it.
	 * @param since The events database's sequence the page was read at (its data's `seq`):
	 *   the first connection asks from it, and the server says (`missed`) when records
	 *   came in between, which the page then reads. Reconnections read again anyway.
	 */
	start(since?: string): () => void {
		let source: EventSource;
		let closed = false;
		let retry: ReturnType<typeof setTimeout> | undefined;
		/** A refresh waiting for {@link LATER_MS}. */
		let later: ReturnType<typeof setTimeout> | undefined;
		let wasDown = false;
		const change = () => {
			clearTimeout(later);
			later = undefined;
			void this.refresh();
		};
		let first = true;
		/** Stops for good: the reader lost access. */
		const end = () => {
			closed = true;
			source.close();
			this.stream = 'ended';
			clearTimeout(later);
			clearTimeout(this.again);
			this.settled(false);
		};
		const open = () => {
			const from = first && since !== undefined ? `&since=${encodeURIComponent(since)}` : '';
			first = false;
			source = new EventSource(this.url + from);
			source.addEventListener('missed', () => {
				this.latestWanted = true;
				change();
			});
			source.addEventListener('ready', () => {
				this.stream = 'open';
				if (wasDown) change();
				wasDown = false;
			});
			source.addEventListener('records', (event) => {
				const { records } = JSON.parse((event as MessageEvent<string>).data) as {
					records: LiveRecord[];
				};
				this.add(records);
				if (!refreshDelay(records)) change();
				else later ??= setTimeout(change, LATER_MS);
			});
			source.addEventListener('end', (event) => {
				const { reason } = JSON.parse((event as MessageEvent<string>).data) as { reason?: string };
				// Any other end is a close like a restart's: the error that follows reconnects.
				if (reason === ACCESS_ENDED) end();
			});
			source.addEventListener('error', () => {
				wasDown = true;
				this.stream = 'reconnecting';
				clearTimeout(later);
				later = undefined;
				// The reconnect re-reads.
				clearTimeout(this.again);
				// EventSource retries a dropped connection itself, but gives up for good
				// on a refused request (an HTTP error while the server restarts, or access
				// that ended while the stream was down): ask why, and retry unless refused.
				if (source.readyState === EventSource.CLOSED && !closed) {
					void refused(this.url).then((refused) => {
						if (closed) return;
						if (refused) end();
						else retry = setTimeout(open, 3_000);
					});
				}
			});
		};
		open();
		return () => {
			closed = true;
			if (this.stream !== 'ended') this.stream = 'reconnecting';
			clearTimeout(retry);
			clearTimeout(this.again);
			this.settled(false);
			clearTimeout(later);
			source.close();
		};
	}

	/**
	 * Says whether the numbers on screen came from an index still being built; while they
	 * did, they are re-read after {@link INDEXING_RETRY_MS} (call it with each new read).
	 */
	settled(indexing: boolean): void {
		clearTimeout(this.retry);
		if (!indexing) return void (this.retry = undefined);
		// A re-read waits for the stream (see refresh): until it is connected, ask again.
		this.retry = setTimeout(
			() => (this.stream === 'open' ? void this.refresh() : this.settled(true)),
			INDEXING_RETRY_MS
		);
	}

	/**
	 * Adds records to the latest list: the stream's, and those of each read of the page
	 * (ActiveNow's `latest`). Each once (by type, path, name and time: a read after `missed`
	 * and the stream may both bring one), newest first, capped at {@link LATEST_MAX}: a
	 * record that comes late (an import, an offline visit) goes where its time puts it.
	 */
	add(records: readonly LiveRecord[]): void {
		// At most LATEST_MAX on each side: no set needed.
		const seen = this.latest.map(identity);
		const fresh: LatestRecord[] = [];
		for (const record of newestListed(records)) {
			const id = identity(record);
			if (seen.includes(id)) continue;
			seen.push(id);
			fresh.push({ ...record, key: this.next++ });
		}
		if (!fresh.length) return;
		const merged = [...fresh, ...this.latest].sort((a, b) => b.ts - a.ts).slice(0, LATEST_MAX);
		// Records older than a full list are cut again at once: the list stays as it is, so
		// that an effect that adds a read's records does not run again and again (an outside
		// review: each record streamed in cut the read's oldest, which the effect added back).
		const kept = this.latest;
		if (merged.length === kept.length && merged.every((r, i) => r.key === kept[i].key)) return;
		this.latest = merged;
	}
}

/**
 * Whether the live endpoint refuses `url`'s reader (401, 403): its access ended, and
 * asking again cannot help. EventSource tells no status, so this asks once itself, and
 * closes at once a stream it is given.
 */
async function refused(url: string): Promise<boolean> {
	try {
		const res = await fetch(url, { cache: 'no-store' });
		await res.body?.cancel();
		return res.status === 401 || res.status === 403;
	} catch {
		return false;
	}
}

/** What tells two listed records apart (the stream sends no ids). */
function identity(record: LiveRecord): string {
	return JSON.stringify([record.type, record.path, record.name ?? null, record.ts]);
}
