/**
 * Slows down repeated wrong passwords: after 3 failures for the same client and account
 * within 15 minutes, each further attempt waits 1 s, 2 s, 4 s … up to 16 s before its
 * password is checked. Parallel requests gain nothing: attempts from one client run one
 * at a time (at most 4 more wait; further ones are refused at once), every attempt
 * counts as a failure before its password is checked (a success clears the count), and
 * password checks for one account run one at a time, whoever sends them. The owner is
 * slowed by failures from their own address only, never locked out.
 * State is per process, which is acceptable (docs/DESIGN.md §7).
 */

/** Settings and clock of a {@link LoginThrottle}; all optional. */
export interface ThrottleOptions {
	/** Clock in ms; default `Date.now`. */
	now?: () => number;
	/** Waits `ms`; default a timer. Tests pass a fake. */
	sleep?: (ms: number) => Promise<void>;
	/** Attempts from one client that may wait behind the running one; default 4. */
	maxWaiting?: number;
}

/** What {@link LoginThrottle.attempt} did. */
export type Attempted<T> = { ran: true; result: T } | { ran: false };

const WINDOW_MS = 15 * 60_000;
const FREE_ATTEMPTS = 3;
const MAX_DELAY_MS = 16_000;

/** The wait before an attempt after `failures` recent failures. */
export function delayAfter(failures: number): number {
	const over = failures - FREE_ATTEMPTS;
	return over < 0 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** over);
}

/** One queue per key: each task starts when the previous one has finished. */
class Queues {
	readonly #tails = new Map<string, Promise<unknown>>();
	readonly #sizes = new Map<string, number>();

	/** Tasks running or waiting for `key`. */
	size(key: string): number {
		return this.#sizes.get(key) ?? 0;
	}

	run<T>(key: string, task: () => Promise<T>): Promise<T> {
		this.#sizes.set(key, this.size(key) + 1);
		const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
		const tail = result.then(
			() => undefined,
			() => undefined
		);
		this.#tails.set(key, tail);
		void tail.then(() => {
			const left = this.size(key) - 1;
			if (left > 0) {
				this.#sizes.set(key, left);
			} else {
				this.#sizes.delete(key);
				this.#tails.delete(key);
			}
		});
		return result;
	}
}

/** The login throttle; the app uses {@link loginThrottle}. */
export class LoginThrottle {
	readonly #failures = new Map<string, { count: number; since: number }>();
	readonly #clients = new Queues();
	readonly #accounts = new Queues();
	readonly #now: () => number;
	readonly #sleep: (ms: number) => Promise<void>;
	readonly #maxWaiting: number;

	constructor(options: ThrottleOptions = {}) {
		this.#now = options.now ?? Date.now;
		this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
		this.#maxWaiting = options.maxWaiting ?? 4;
	}

	/**
	 * Runs one login attempt under the throttle.
	 * @param client The client's address.
	 * @param account The account name, as typed.
	 * @param check Checks the password; resolves to whether it was right.
	 * @returns `{ran: false}` when too many attempts from this client are already waiting.
	 */
	attempt(
		client: string,
		account: string,
		check: () => Promise<boolean>
	): Promise<Attempted<boolean>> {
		if (this.#clients.size(client) > this.#maxWaiting) return Promise.resolve({ ran: false });
		const key = `${client}|${account.toLowerCase()}`;
		return this.#clients.run(client, async () => {
			const failures = this.#countFailure(key);
			await this.#sleep(delayAfter(failures - 1));
			const ok = await this.#accounts.run(account.toLowerCase(), check);
			if (ok) this.#failures.delete(key);
			return { ran: true, result: ok };
		});
	}

	/** Counts an attempt as failed until it succeeds; returns the count including it. */
	#countFailure(key: string): number {
		const now = this.#now();
		const entry = this.#failures.get(key);
		if (!entry || now - entry.since > WINDOW_MS) {
			if (this.#failures.size > 50_000) this.#failures.clear();
			this.#failures.set(key, { count: 1, since: now });
			return 1;
		}
		return ++entry.count;
	}
}

/** The app's throttle (one per process). */
export const loginThrottle = new LoginThrottle();
