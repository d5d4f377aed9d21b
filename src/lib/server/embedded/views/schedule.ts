/**
 * When indexing runs: reads first. The store is one event loop; a view read makes
 * several asynchronous hops (leveldb reads on libuv's pool), and each hop used to wait
 * behind the indexer's next slice, so a read took a slice per hop while a catch-up ran.
 * Now the front server counts the reads in flight ({@link Reads}), and the indexer, at
 * each of its yields ({@link slicer}, and between batches), waits until none is, at most
 * {@link READ_WAIT_MS} at a time: a steady stream of reads slows indexing down, it
 * cannot stop it.
 *
 * Writes are not reads: an import's `_bulk_docs` do not hold indexing back, or nothing
 * would be indexed until the import ends (http.ts decides what counts).
 */

/**
 * Longest time indexing waits for the reads in flight before it takes one slice anyway;
 * under a steady stream of reads it still gets {@link SLICE_MS} of every
 * `SLICE_MS + READ_WAIT_MS`, and a read of a second sees at most four of its slices.
 */
export const READ_WAIT_MS = 250;

/**
 * Longest stretch of indexing between two yields to the event loop while no read is in
 * flight (a loop blocked for seconds also makes the HTTP server drop idle keep-alive
 * connections just as clients reuse them). A read arriving ends the slice at its next
 * check.
 */
export const SLICE_MS = 15;

/** One read in flight (see {@link Reads.begin}). */
export interface Read {
	/** The read has been answered (or its connection closed); later calls do nothing. */
	end(): void;
	/**
	 * Runs `work` without the read counting meanwhile: a read waiting for the index
	 * (`update=true`) must not hold the indexer back.
	 */
	aside<T>(work: () => Promise<T>): Promise<T>;
}

/** The reads in flight, and indexing's turns around them. */
export class Reads {
	private inFlight = 0;
	private readonly waiting = new Set<() => void>();

	/** @param waitMs How long a turn waits for reads at most; default {@link READ_WAIT_MS}. */
	constructor(private readonly waitMs = READ_WAIT_MS) {}

	/** Whether a read is in flight. */
	get busy(): boolean {
		return this.inFlight > 0;
	}

	/** A read arrived; it counts until it ends or while it waits aside. */
	begin(): Read {
		this.inFlight++;
		let counted = true;
		let ended = false;
		const uncount = () => {
			if (!counted) return false;
			counted = false;
			this.release();
			return true;
		};
		return {
			end: () => {
				ended = true;
				uncount();
			},
			aside: async (work) => {
				const was = uncount();
				try {
					return await work();
				} finally {
					if (was && !ended) {
						counted = true;
						this.inFlight++;
					}
				}
			}
		};
	}

	/**
	 * Indexing's turn: after a turn of the event loop, resolves at once when no read is in
	 * flight, else once none is or {@link READ_WAIT_MS} have passed.
	 * @returns whether the wait ran out with reads still in flight
	 */
	async turn(): Promise<boolean> {
		await new Promise<void>((resolve) => setImmediate(resolve));
		if (!this.busy) return false;
		return new Promise<boolean>((resolve) => {
			const timer = setTimeout(() => finish(true), this.waitMs);
			const finish = (late: boolean) => {
				clearTimeout(timer);
				this.waiting.delete(quiet);
				resolve(late);
			};
			const quiet = () => finish(false);
			this.waiting.add(quiet);
		});
	}

	private release() {
		this.inFlight--;
		if (this.inFlight > 0) return;
		for (const quiet of [...this.waiting]) quiet();
	}
}

/**
 * A yield point for a stretch of indexing: resolves at once while the slice lasts
 * ({@link SLICE_MS} since the last yield, and no read in flight, unless the slice was
 * granted after waiting for reads), else yields to the event loop, through `reads`'
 * turn when given.
 * @param now Clock in ms (tests); default `performance.now`.
 */
export function slicer(reads?: Reads, now: () => number = () => performance.now()) {
	let since = now();
	// A slice taken while reads are still in flight (the wait ran out) runs its length.
	let granted = false;
	return async (): Promise<void> => {
		if (now() - since < SLICE_MS && !(reads?.busy && !granted)) return;
		if (reads) granted = await reads.turn();
		else await new Promise<void>((resolve) => setImmediate(resolve));
		since = now();
	};
}
