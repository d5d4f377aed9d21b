/**
 * JSON state in `localStorage`, shared by every tab of the origin. Reads and writes
 * never throw: a write the browser refuses (quota) is kept for this page only
 * ({@link keeping}) instead of breaking the host page. A browser that refuses the storage
 * itself (the visitor blocks the site's data) gets a stand-in marked `refused`, and is not
 * tracked (tracker.ts).
 */

import { stringify } from './json.ts';

/** The key {@link browserStore} writes and removes to learn whether the browser lets it. */
const PROBE = 'couchstats:probe';

/** The subset of the Web Storage API the tracker uses; injectable for tests. */
export interface KeyValueStore {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
	removeItem(key: string): void;
	/** The name of the `index`th key (for listing keys with a prefix). */
	key(index: number): string | null;
	readonly length: number;
	/** A stand-in for a `localStorage` the browser refused. */
	readonly refused?: true;
}

/** A store kept in memory, used when `localStorage` is unavailable and in tests. */
export function memoryStore(): KeyValueStore {
	const map = new Map<string, string>();
	return {
		getItem: (key) => map.get(key) ?? null,
		setItem: (key, value) => void map.set(key, value),
		removeItem: (key) => void map.delete(key),
		key: (index) => [...map.keys()][index] ?? null,
		get length() {
			return map.size;
		}
	};
}

/**
 * `store`, keeping in memory what it refused to write (a full quota): this page reads its
 * own last write back until the key is written or removed, by it or by another tab (the
 * stored value is no longer the one the refused write would have replaced). An outside
 * probe: with `localStorage` full mid-session, every SPA route re-read the unchanged state
 * and one page counted as 3 pageviews of 3 visitors. Writes still throw as they did.
 */
export function keeping(store: KeyValueStore): KeyValueStore {
	/** Per key: the value this page could not write, and the stored one it would have replaced. */
	const kept = new Map<string, [string, string | null]>();
	return {
		getItem(key) {
			const stored = store.getItem(key);
			const mine = kept.get(key);
			return mine && mine[1] === stored ? mine[0] : stored;
		},
		setItem(key, value) {
			kept.delete(key);
			try {
				store.setItem(key, value);
			} catch (e) {
				kept.set(key, [value, store.getItem(key)]);
				throw e;
			}
		},
		removeItem(key) {
			kept.delete(key);
			store.removeItem(key);
		},
		key: (index) => store.key(index),
		get length() {
			return store.length;
		},
		refused: store.refused
	};
}

/**
 * `localStorage` (or the tab's own `sessionStorage`), or a per-page store marked
 * `refused` when the browser refuses it: reading it, or writing to it (a full quota: an
 * outside re-check counted 3 pages as 6 visitors and 6 sessions).
 */
export function browserStore(
	kind: 'localStorage' | 'sessionStorage' = 'localStorage'
): KeyValueStore {
	try {
		const store = window[kind];
		store.setItem(PROBE, '1');
		store.removeItem(PROBE);
		return store;
	} catch {
		return Object.assign(memoryStore(), { refused: true as const });
	}
}

/** Returns the parsed value under `key`, or `undefined` when absent or unreadable. */
export function readJson<T>(store: KeyValueStore, key: string): T | undefined {
	try {
		const text = store.getItem(key);
		return text ? (JSON.parse(text) as T) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Stores `value` as JSON under `key` (json.ts); a refused write is ignored (the tracker's
 * stores keep it for the page: {@link keeping}).
 */
export function writeJson(store: KeyValueStore, key: string, value: unknown): void {
	try {
		store.setItem(key, stringify(value));
	} catch {
		// Quota or privacy mode: the state lives for this page only.
	}
}
