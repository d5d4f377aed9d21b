/**
 * Whether the store takes the ingest's writes: a failed `_bulk_docs` (a full disk, a
 * store that answers 500) is noted here, and the next one that succeeds clears it. The
 * first failure of a streak is logged with the store's own reason, then one line a
 * minute while it lasts, and one when writes work again, so that the log names the cause
 * of a run of 503s (an outside operations review filled a disk: 3,594 refused requests
 * and no line). `/healthz` answers 503 while writes fail (boot/health.ts).
 */
import { logError, logNotice } from '../log';

/** How often a streak of failed writes is logged again. */
export const WRITE_FAILURE_LOG_MS = 60_000;

/** The failing streak: since when, and the latest reason. */
export interface WriteFailure {
	since: number;
	reason: string;
}

/** The ingest's record of whether the store takes its writes. */
export class WriteFailures {
	#failure: WriteFailure | undefined;
	#loggedAt = 0;
	#failed = 0;

	constructor(private readonly now: () => number = Date.now) {}

	/** A write the store refused or could not take. */
	failed(error: unknown): void {
		const at = this.now();
		const reason = reasonOf(error);
		this.#failed++;
		if (!this.#failure) this.#failure = { since: at, reason };
		else this.#failure.reason = reason;
		if (this.#failed === 1 || at - this.#loggedAt >= WRITE_FAILURE_LOG_MS) {
			this.#loggedAt = at;
			logError(
				`storing records failed (${this.#failed} write${this.#failed === 1 ? '' : 's'} since ${new Date(this.#failure.since).toISOString()}; the ingest answers 503 until one succeeds)`,
				reason
			);
		}
	}

	/** A write the store took: ends a failing streak. */
	succeeded(): void {
		if (!this.#failure) return;
		logNotice(
			`storing records works again, after ${this.#failed} failed write${this.#failed === 1 ? '' : 's'} since ${new Date(this.#failure.since).toISOString()}`
		);
		this.#failure = undefined;
		this.#failed = 0;
	}

	/** The failing streak, if writes fail now. */
	current(): WriteFailure | undefined {
		return this.#failure && { ...this.#failure };
	}
}

/** The store's reason for a failed request, in one line. */
function reasonOf(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.replace(/^error happened in your connection\. Reason: /, '').split('\n')[0];
}

/** The app's own record, shared by the ingest and `/healthz`. */
export const writeFailures = new WriteFailures();
