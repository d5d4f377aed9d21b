/**
 * Token buckets in memory, one per key (a client IP, a session id). Each bucket
 * holds up to `burst` tokens and refills at `perSecond`; a request takes tokens or
 * is refused with the seconds until enough will be there. State is per process
 * (docs/DESIGN.md §7 accepts that) and bounded: a full bucket is forgotten, since a new
 * one would be the same, and the oldest entries go first past `maxKeys`.
 */

/** Settings of one family of buckets. */
export interface BucketSettings {
	/** Tokens a bucket holds when full: the largest burst allowed. */
	burst: number;
	/** Tokens added per second. */
	perSecond: number;
}

/** The outcome of {@link TokenBuckets.take}. */
export type Taken = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
	tokens: number;
	at: number;
}

/** A family of token buckets keyed by string. */
export class TokenBuckets {
	readonly #buckets = new Map<string, Bucket>();
	readonly #settings: BucketSettings;
	readonly #now: () => number;
	readonly #maxKeys: number;

	/**
	 * @param settings Burst size and refill rate.
	 * @param now Clock in ms; default `Date.now`.
	 * @param maxKeys Most buckets kept; default 100 000 (a few MB).
	 */
	constructor(settings: BucketSettings, now: () => number = Date.now, maxKeys = 100_000) {
		this.#settings = settings;
		this.#now = now;
		this.#maxKeys = maxKeys;
	}

	/** Tokens the bucket for `key` holds right now. */
	available(key: string): number {
		return this.#refilled(key, this.#now()).tokens;
	}

	/**
	 * Takes `count` tokens from each key's bucket, all or nothing: when any bucket is
	 * short, nothing is taken and the answer says how long until all would suffice.
	 * A cost larger than the burst passes only on a full bucket and leaves it in debt,
	 * so an oversized but legitimate request is slowed down, never refused forever.
	 * @param costs Tokens wanted per key.
	 */
	take(costs: ReadonlyMap<string, number>): Taken {
		return takeAll([[this, costs]]);
	}

	/** Milliseconds until every key's bucket holds its cost (0: it could be taken now). */
	shortfallMs(costs: ReadonlyMap<string, number>): number {
		const now = this.#now();
		const { burst, perSecond } = this.#settings;
		let waitMs = 0;
		for (const [key, count] of costs) {
			const missing = Math.min(count, burst) - this.#refilled(key, now).tokens;
			if (missing > 0) {
				waitMs = Math.max(waitMs, perSecond > 0 ? (missing / perSecond) * 1000 : 3600_000);
			}
		}
		return waitMs;
	}

	/** Takes the costs without checking; {@link takeAll} checks first. */
	consume(costs: ReadonlyMap<string, number>): void {
		const now = this.#now();
		for (const [key, count] of costs) {
			const bucket = this.#refilled(key, now);
			bucket.tokens -= count;
			this.#store(key, bucket);
		}
	}

	/** Number of buckets held in memory (full buckets are not held). */
	get size(): number {
		return this.#buckets.size;
	}

	#refilled(key: string, now: number): Bucket {
		const { burst, perSecond } = this.#settings;
		const bucket = this.#buckets.get(key);
		if (!bucket) return { tokens: burst, at: now };
		const elapsed = Math.max(0, now - bucket.at) / 1000;
		return { tokens: Math.min(burst, bucket.tokens + elapsed * perSecond), at: now };
	}

	#store(key: string, bucket: Bucket) {
		// Re-inserting keeps the Map in least-recently-used order for eviction.
		this.#buckets.delete(key);
		if (bucket.tokens >= this.#settings.burst) return;
		this.#buckets.set(key, bucket);
		if (this.#buckets.size > this.#maxKeys) this.#sweep(bucket.at);
	}

	/** Drops refilled buckets, then the least recently used ones beyond the limit. */
	#sweep(now: number) {
		for (const key of this.#buckets.keys()) {
			if (this.#refilled(key, now).tokens >= this.#settings.burst) this.#buckets.delete(key);
		}
		for (const key of this.#buckets.keys()) {
			if (this.#buckets.size <= this.#maxKeys) break;
			this.#buckets.delete(key);
		}
	}
}

/**
 * Takes tokens from buckets of several families (say a client's records and each of
 * its sessions' records), all or nothing: when any bucket is short, nothing is taken
 * and the answer says how long until all would suffice.
 */
export function takeAll(wanted: [TokenBuckets, ReadonlyMap<string, number>][]): Taken {
	const waitMs = Math.max(0, ...wanted.map(([buckets, costs]) => buckets.shortfallMs(costs)));
	if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
	for (const [buckets, costs] of wanted) buckets.consume(costs);
	return { ok: true };
}
