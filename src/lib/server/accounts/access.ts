/**
 * Access held open beyond one request (a live stream) is checked again when who may
 * read a site changes: at once after this process changed it (a token revoked, a share
 * link replaced or turned off, an owner removed, a site deleted, an account's sessions
 * ended: each calls {@link accessChanged}, which also tells those who listen, so that a
 * live stream checks at once rather than before its next send), and every
 * {@link RECHECK_MS} for changes made by another app instance, whose session checks this
 * one caches as long.
 */

/**
 * What a check of access held open found: `held`, its reader still reads the site;
 * `revoked`, the store answered that it no longer does (a token revoked, a share link
 * turned off, a logout, an owner removed, the site deleted); `unchecked`, the store did
 * not answer (an error, its time limit), so nobody knows. Either of the last two ends
 * what is held open, which must not outlive access nobody could confirm; each says which,
 * so that nobody chases a revocation that never happened: after `unchecked` the client
 * may ask again, and is answered as any request is.
 */
export type AccessCheck = 'held' | 'revoked' | 'unchecked';

/** How long a passed check holds while nothing changed in this process, ms. */
export const RECHECK_MS = 30_000;

let generation = 0;
const listeners = new Set<() => void>();

/** Who may read some site changed in this process (called once the change is saved). */
export function accessChanged(): void {
	generation++;
	for (const listener of [...listeners]) listener();
}

/** Calls `listener` after each {@link accessChanged}; returns what stops it. */
export function onAccessChanged(listener: () => void): () => void {
	listeners.add(listener);
	return () => void listeners.delete(listener);
}

/**
 * Wraps `check` (does the holder still have access?), which passed just now, so that
 * it runs again only when access changed in this process since it last passed, or
 * {@link RECHECK_MS} after; otherwise the answer is `held` at once, without I/O.
 */
export function heldAccess(
	check: () => Promise<AccessCheck>,
	now: () => number = Date.now
): () => Promise<AccessCheck> {
	let passed = { generation, at: now() };
	return async () => {
		if (passed.generation === generation && now() - passed.at < RECHECK_MS) return 'held';
		const since = { generation, at: now() };
		const found = await check();
		if (found === 'held') passed = since;
		return found;
	};
}
