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
 *
 * A page going into the back/forward cache must neither hold the lock nor wait for it:
 * Chromium evicts a cached page that holds or waits for a lock another page asks for
 * (`weblocks-contention`), and the next page of the site asks for this one. So the
 * runner can be paused (outbox.ts does it on `pagehide` with `persisted`): a request
 * still waiting is withdrawn, and it and every later use wait, in order, until
 * `resume()` (on `pageshow`). A use already running keeps the lock until it ends.
 *
 * Insecure contexts (a site on plain `http:`) have no Web Locks, and there tabs opened
 * together used the database at once: an outside probe of five tabs saw the adapter's
 * "Database has a global failure" (two tabs' writes took one update sequence number),
 * connections closed under a use by another tab's opening, and `VersionError`s. There
 * the lock is an IndexedDB transaction ({@link transactionLocks}).
 */

/** The Web Locks API subset used here (`navigator.locks`). */
export interface Locks {
	request<T>(
		name: string,
		options: { signal?: AbortSignal },
		callback: () => Promise<T>
	): Promise<T>;
}

/** The lock's name, shared by every tab of the origin. */
export const OUTBOX_LOCK = 'couchstats:outbox';

/** The IndexedDB database whose transactions are the lock where Web Locks are missing. */
export const LOCK_IDB = 'couchstats-lock';
const STORE = 'lock';

/**
 * The lock as an IndexedDB transaction, for browsers without Web Locks: the browser runs
 * the read-write transactions of one store one at a time, across tabs, in the order they
 * were made. A request makes one on {@link LOCK_IDB}, is granted when its first read
 * answers, and holds it by reading again as each read answers until `callback` has
 * settled; then the transaction commits and the next one starts. A tab that goes or
 * crashes ends its transaction with it, so nothing holds the lock for a tab that is gone.
 * A request withdrawn (`signal`) before it was granted aborts its transaction.
 */
export function transactionLocks(idb: IDBFactory): Locks {
	return {
		request<T>(_name: string, { signal }: { signal?: AbortSignal }, callback: () => Promise<T>) {
			return new Promise<T>((resolve, reject) => {
				const open = idb.open(LOCK_IDB, 1);
				open.onupgradeneeded = () => open.result.createObjectStore(STORE);
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					if (signal?.aborted) return (db.close(), reject(signal.reason));
					const tx = db.transaction(STORE, 'readwrite');
					const store = tx.objectStore(STORE);
					const withdraw = () => tx.abort();
					signal?.addEventListener('abort', withdraw);
					/** `callback`'s result, once granted. */
					let ran: Promise<T> | undefined;
					let done = false;
					const hold = () => {
						if (!done) store.get(0).onsuccess = hold;
					};
					store.get(0).onsuccess = () => {
						signal?.removeEventListener('abort', withdraw);
						const running = new Promise<T>((ok) => ok(callback()));
						ran = running;
						running.finally(() => (done = true)).catch(() => {});
						hold();
					};
					// Aborted once granted (the browser ended it): `callback` still settles it.
					tx.oncomplete = tx.onabort = () => {
						db.close();
						if (ran) ran.then(resolve, reject);
						else reject(signal?.aborted ? signal.reason : tx.error);
					};
				};
			});
		}
	};
}

/** Runs outbox uses under the lock, one after the other, in the order asked. */
export interface Runner {
	<T>(fn: () => Promise<T>): Promise<T>;
	/** Stops asking for the lock: a request still waiting is withdrawn, and asked again after `resume()`. */
	pause(): void;
	/** Asks for the lock again, for the uses that waited. */
	resume(): void;
}

/**
 * Returns a runner: each `fn` starts after the previous one asked of the same runner
 * has settled, and holds `locks`' outbox lock while it runs: by default Web Locks, or
 * where they are missing (insecure contexts) {@link transactionLocks}; without either
 * (no IndexedDB, so no outbox either) the page's own order is all there is.
 */
export function locker(
	locks: Locks | undefined = (typeof navigator !== 'undefined' && navigator.locks) ||
		(typeof indexedDB !== 'undefined' ? transactionLocks(indexedDB) : undefined)
): Runner {
	let chain: Promise<unknown> = Promise.resolve();
	/** While paused: resolves on `resume()`. */
	let paused: Promise<void> | undefined;
	let unpause = () => {};
	/** Withdraws the request that waits for the lock, if one does. */
	let withdraw: (() => void) | undefined;

	async function once<T>(fn: () => Promise<T>): Promise<T> {
		for (;;) {
			while (paused) await paused;
			if (!locks) return fn();
			const asked = new AbortController();
			let granted = false;
			withdraw = () => asked.abort();
			try {
				return await locks.request(OUTBOX_LOCK, { signal: asked.signal }, () => {
					granted = true;
					withdraw = undefined;
					return fn();
				});
			} catch (e) {
				// Withdrawn before it was granted: `fn` did not run, it runs after `resume()`.
				if (granted || !asked.signal.aborted) throw e;
			} finally {
				if (!granted) withdraw = undefined;
			}
		}
	}

	const run = <T>(fn: () => Promise<T>) => {
		const result = chain.then(() => once(fn));
		chain = result.catch(() => {});
		return result;
	};
	return Object.assign(run, {
		pause() {
			paused ??= new Promise<void>((resolve) => (unpause = resolve));
			withdraw?.();
		},
		resume() {
			paused = undefined;
			unpause();
		}
	});
}
