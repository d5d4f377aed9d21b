/**
 * The indexer's write-through cache of stored aggregates, by store key. The indexer is
 * the only writer of an index, so what it last wrote is what the store holds: a batch
 * reads from the store only the entries it has not touched recently. When the cache
 * grows past `capacity`, the older half goes at once (first in, first out, in one pass:
 * deleting a Map's oldest keys one at a time costs a scan past the holes each time).
 */
import type { Aggregate } from './reducers';

export class AggregateCache {
	private map = new Map<string, Aggregate | null>();

	constructor(readonly capacity = 100_000) {}

	/** The aggregate, null when known absent, undefined when not cached. */
	get(key: string): Aggregate | null | undefined {
		return this.map.get(key);
	}

	/** Records what the store holds (null: nothing). */
	set(key: string, value: Aggregate | null): void {
		this.map.delete(key);
		this.map.set(key, value);
		if (this.map.size > this.capacity) {
			let drop = this.map.size - Math.floor(this.capacity / 2);
			for (const old of this.map.keys()) {
				if (drop-- <= 0) break;
				this.map.delete(old);
			}
		}
	}

	/** Forgets everything (after a failed write). */
	clear(): void {
		this.map.clear();
	}
}
