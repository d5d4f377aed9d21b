/**
 * Settling the shared session before a tab starts one. The session and visitor state
 * live in `localStorage`, shared by every tab of the site, but a tab in another
 * renderer process sees another tab's writes only some time later. Tabs opened at the
 * same moment (a restored browser session, links middle-clicked together) each found
 * no session and minted their own visitor and session: an outside review counted one
 * person as 2–3 visitors, with a false bounce.
 *
 * So when a tab is about to start a session (none open in its `localStorage`, or no
 * visitor yet), its calls wait while it reads a copy of the state kept in IndexedDB,
 * inside one read-write transaction, which the browser runs one at a time across tabs:
 * the newer of that copy and `localStorage` becomes the state, the waiting calls run
 * on it (classifying and recording at once, as ever), and what they leave is written
 * back as the copy, in the same transaction. The next tab's transaction starts after
 * this one committed, so it finds the session this one started, whatever its
 * `localStorage` has seen yet. A tab with an open session goes on without waiting:
 * the copy is only read when one would be started.
 *
 * Nothing is lost to waiting: `now()` runs the calls at once without the copy (the page
 * hides or goes, or the browser has not answered in {@link SETTLE_MS}), and a browser
 * without IndexedDB runs them at once too.
 */
import type { Keys } from './session.ts';
import type { SessionState, VisitorState } from '../classify/rules.ts';
import { readJson, writeJson, type KeyValueStore } from './storage.ts';

/** The IndexedDB database holding the copy. */
export const SETTLE_IDB = 'couchstats-state';
const STORE = 'state';
/** Longest wait for the browser's IndexedDB before the calls run without it, ms. */
export const SETTLE_MS = 3000;

/** The copy: the session and the visitor as the last settling tab left them. */
interface Copy {
	s?: SessionState;
	v?: VisitorState;
}

/**
 * How far a session has gone: a later session, or the same one with more recorded.
 * Each write of a session makes it go further, so the greater is the newer.
 */
const progress = (s: SessionState) => [s.last, s.pv + s.ix, s.ms];
function newer(a: SessionState | undefined, b: SessionState | undefined): boolean {
	if (!a) return false;
	if (!b) return true;
	const x = progress(a);
	const y = progress(b);
	const i = x.findIndex((n, j) => n != y[j]);
	return i >= 0 && x[i] > y[i];
}

/** Settles calls; see the module's comment. */
export interface Settler {
	/**
	 * Runs `calls` (once) on the settled state, inside the transaction; returns the
	 * function that runs them at once instead, if they have not run.
	 */
	settle(calls: () => void): () => void;
	/** Deletes the copy and its database (the visitor's ids were erased). */
	clear(): void;
	/**
	 * Whether the browser's IndexedDB refuses to open the copy's database (opening throws
	 * or fails): then it would refuse the outbox too. False without IndexedDB (not asked).
	 * A page that opened it to settle a session is answered by that opening; else a
	 * read-only transaction opens it.
	 */
	refuses(): Promise<boolean>;
}

/**
 * A settler over `idb` (absent: calls run at once) and the tabs' `storage`, for the site
 * whose state is under `keys`; its copy is under the site's session key (one database
 * for the origin's sites).
 */
export function createSettler(
	idb: IDBFactory | undefined,
	storage: KeyValueStore,
	keys: Keys
): Settler {
	/**
	 * This page's first use of the copy's database: it rejects when opening failed, which
	 * is what `refuses()` answers, so a page that settled a session opens it once.
	 */
	let opened: Promise<void> | undefined;
	/**
	 * Runs `fn` in a read-write transaction of the copy's store (without `fn`, only opens
	 * it, in a transaction of IndexedDB's default mode, read-only), on a connection closed
	 * when the transaction ends (none is kept open: it would hold off `clear()`); rejects
	 * when the database does not open. A database that opens but takes no transaction (its
	 * store missing, its connection closing) ends the use at once: never a wait for ever.
	 */
	const inside = (fn?: (store: IDBObjectStore) => void) => {
		const used = new Promise<void>((resolve, reject) => {
			const request = idb!.open(SETTLE_IDB, 1);
			request.onupgradeneeded = () => request.result.createObjectStore(STORE);
			request.onerror = () => reject(request.error);
			request.onsuccess = () => {
				const db = request.result;
				try {
					const tx = db.transaction(STORE, fn && 'readwrite');
					tx.oncomplete = tx.onabort = () => (db.close(), resolve());
					fn?.(tx.objectStore(STORE));
				} catch {
					db.close();
					resolve();
				}
			};
		});
		opened ??= used;
		return used;
	};

	return {
		settle(calls) {
			let ran = false;
			const now = () => {
				if (!ran) {
					ran = true;
					calls();
				}
			};
			if (!idb) {
				now();
				return now;
			}
			setTimeout(now, SETTLE_MS);
			inside((store) => {
				const read = store.get(keys.session);
				read.onerror = now;
				read.onsuccess = () => {
					if (ran) return store.transaction.abort();
					const copy = (read.result ?? {}) as Copy;
					const s = readJson<SessionState>(storage, keys.session);
					const v = readJson<VisitorState>(storage, keys.visitor);
					if (newer(copy.s, s)) writeJson(storage, keys.session, copy.s);
					if (copy.v?.id && (newer(copy.s, s) || !v?.id)) writeJson(storage, keys.visitor, copy.v);
					now();
					store.put(
						{
							s: readJson(storage, keys.session),
							v: readJson(storage, keys.visitor)
						} satisfies Copy,
						keys.session
					);
				};
			}).then(now, now); // ended without running them (aborted, no transaction): at once
			return now;
		},
		clear() {
			// The other sites' copies too: a copy only spares tabs opened together a race.
			idb?.deleteDatabase(SETTLE_IDB);
		},
		async refuses() {
			try {
				if (idb) await (opened ?? inside());
				return false;
			} catch {
				return true;
			}
		}
	};
}
