/**
 * Slows down repeated wrong passwords: after 3 failures for the same client and
 * account within 15 minutes, each further attempt waits 1 s, 2 s, 4 s … up to 16 s.
 * State is per process, which is acceptable (DESIGN.md §7).
 */
const WINDOW_MS = 15 * 60_000;
const FREE_ATTEMPTS = 3;
const MAX_DELAY_MS = 16_000;

const failures = new Map<string, { count: number; since: number }>();

/**
 * How long to wait before checking this attempt's password.
 * @param key Client address and account name.
 * @param now Clock, injectable for tests.
 */
export function loginDelayMs(key: string, now: number = Date.now()): number {
	const entry = failures.get(key);
	if (!entry || now - entry.since > WINDOW_MS) return 0;
	const over = entry.count - FREE_ATTEMPTS;
	return over < 0 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** over);
}

/** Records an attempt's outcome; a success clears the key's failures. */
export function recordLoginResult(key: string, ok: boolean, now: number = Date.now()): void {
	if (ok) {
		failures.delete(key);
		return;
	}
	const entry = failures.get(key);
	if (!entry || now - entry.since > WINDOW_MS) failures.set(key, { count: 1, since: now });
	else entry.count++;
	if (failures.size > 50_000) failures.clear();
}
