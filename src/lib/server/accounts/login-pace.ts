/**
 * Paces failed logins so that how long the answer takes does not tell whether the
 * account exists. CouchDB runs PBKDF2 only for a name it knows: Apache CouchDB checks an
 * unknown name against an empty record with one SHA-1 (couch_httpd_auth.erl), and the
 * embedded store answers it without a hash. There an unknown name failed in about 5 ms
 * and a wrong password for an existing account in 28–52 ms (login-pace.test.ts, 100,000
 * rounds; an outside review, N4, measured 45 ms between them). So a failed attempt's
 * answer waits until it has taken as long as the slowest password check of the last 24
 * hours (at most 2 s); a check is an attempt's login at `_session` (after a success, with
 * its read of the session key). Admin names, which never reach `_session` (login.ts),
 * wait the same. A busy server's slow checks raise the pace for that day (an outside
 * review: from 89 to 310 ms).
 *
 * Until a check of a known name has been made since the process started, unknown and
 * known names can still be told apart: the first such check sets the pace.
 * State is per process, like the throttle's (docs/DESIGN.md §7).
 */

/** Settings and clock of a {@link LoginPace}; all optional. */
export interface PaceOptions {
	/** Clock in ms; default `performance.now() + performance.timeOrigin`. */
	now?: () => number;
	/** Waits `ms`; default a timer. Tests pass a fake. */
	sleep?: (ms: number) => Promise<void>;
}

/** How long the slowest check is remembered. */
const MEMORY_MS = 24 * 3_600_000;
/** Checks are remembered per hour: the slowest of each. */
const SLOT_MS = 3_600_000;
/**
 * The longest a failed attempt is held: a check stalled by a busy machine holds no more
 * (an outside review raised the pace from 89 to 310 ms for a day with a burst of public
 * page loads; at 5 s a heavier load would have held every failed login 5 s).
 */
export const MAX_PACE_MS = 2_000;

/** The pace of failed logins; the app uses {@link loginPace}. */
export class LoginPace {
	/** The slowest check of each hour, by hour number. */
	readonly #slowest = new Map<number, number>();
	readonly #now: () => number;
	readonly #sleep: (ms: number) => Promise<void>;

	constructor(options: PaceOptions = {}) {
		this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
		this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
	}

	/** The clock checks are timed on. */
	now(): number {
		return this.#now();
	}

	/** Remembers that a password check took `ms`. */
	record(ms: number): void {
		const slot = Math.floor(this.#now() / SLOT_MS);
		this.#slowest.set(slot, Math.max(this.#slowest.get(slot) ?? 0, ms));
	}

	/** How long a failed attempt takes at least: the slowest check remembered. */
	floor(): number {
		const oldest = Math.floor((this.#now() - MEMORY_MS) / SLOT_MS);
		let floor = 0;
		for (const [slot, ms] of this.#slowest) {
			if (slot <= oldest) this.#slowest.delete(slot);
			else floor = Math.max(floor, ms);
		}
		return Math.min(MAX_PACE_MS, floor);
	}

	/** Waits what a failed attempt whose check took `checkMs` (0: none) lacks of the floor. */
	async hold(checkMs: number): Promise<void> {
		const lacking = this.floor() - checkMs;
		if (lacking > 0) await this.#sleep(lacking);
	}
}

/** The app's pace of failed logins. */
export const loginPace = new LoginPace();
