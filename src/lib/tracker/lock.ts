/**
 * The outbox lock: every use of the outbox database runs under one cross-tab Web Lock
 * (outbox.ts says why), and one page's uses run in the order the page asked for them.
 *
 * The second half is not the lock manager's to keep: Chromium can grant a page's
 * pending requests for one lock out of order (seen while the page's first request is
 * still waiting, about a third of fresh pages here). A delivered record's purge could
 * then run before the write that put it in the outbox, and the record stayed there
 * until a later page sent it again. So a page asks for the lock only when its previous
 * use has ended.
 */

/** The Web Locks API subset used here (`navigator.locks`). */
export interface Locks {
	request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The lock's name, shared by every tab of the origin. */
export const OUTBOX_LOCK = 'couchstats:outbox';

/**
 * Returns a runner: each `fn` starts after the previous one asked of the same runner
 * has settled, and holds `locks`' outbox lock while it runs (without Web Locks,
 * in insecure contexts, the page's own order is all there is).
 */
export function locker(
	locks: Locks | undefined = typeof navigator !== 'undefined' ? navigator.locks : undefined
): <T>(fn: () => Promise<T>) => Promise<T> {
	let chain: Promise<unknown> = Promise.resolve();
	return (fn) => {
		const run = chain.then(() => (locks ? locks.request(OUTBOX_LOCK, fn) : fn()));
		chain = run.catch(() => {});
		return run;
	};
}
