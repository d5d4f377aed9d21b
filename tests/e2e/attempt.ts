/**
 * Names of what a test makes on the suite's shared app (the Playwright web server and
 * its one store, which outlive a failed attempt): its own per attempt. CI retries a
 * failed test once, and a serial file's whole group from its first test; the sites and
 * accounts the failed attempt made are still there, so a retry that made them again
 * was refused ("a site with id … already exists") and could never pass.
 */
import { test } from './fixtures';

/**
 * `name` as given on a test's first attempt; on a retry `<retry>-name`, e.g. `counted`
 * then `1-counted`, `Paged` then `1-Paged`. What a retry makes, finds or counts by that
 * name is its own, given names that hold no digit followed by `-`: no earlier attempt's
 * name holds it (no search, text or label of the retry's matches one), and the first
 * attempt's sort after it, so a first retry's sites (CI retries once) are on the lists'
 * first pages as the first attempt's were. Fit for site ids and account names.
 * @param retry The attempt's retry number; default the running test's.
 */
export function perAttempt(name: string, retry = test.info().retry): string {
	return retry ? `${retry}-${name}` : name;
}

/**
 * A time `ms` for records a test writes straight into the store, its own per attempt:
 * later by the retry's number of milliseconds. Records made from a seed take their ids
 * from their times, and the store keeps an id it holds as it was (`new_edits: false`),
 * so a retry's records at the same times would have stayed the first attempt's.
 * @param retry The attempt's retry number; default the running test's.
 */
export function perAttemptTime(ms: number, retry = test.info().retry): number {
	return ms + retry;
}
