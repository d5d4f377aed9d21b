/**
 * The tracker's public API for pages bundled with the app (the `<Analytics>` component
 * imports this module dynamically). One tracker per page: `init()` starts it, the
 * other functions act on it and do nothing before `init()`.
 *
 * @example
 * ```ts
 * import { init, track } from '$lib/tracker';
 * init({ site: 'demo' });
 * track('signup', { plan: 'pro' });
 * ```
 */
import type { ClientRecord } from '../records.ts';
import { browserStore } from './storage.ts';
import { createTracker, type Tracker, type TrackerOptions } from './tracker.ts';
import { cryptoRandom } from './uuid.ts';

export type { Tracker, TrackerOptions } from './tracker.ts';

let current: Tracker | undefined;

/**
 * Starts tracking this page (once; later calls return the same tracker). Does not
 * record a pageview: call `pageview()` on load and on every client-side navigation.
 *
 * @throws Error (`couchstats: …`) when options are invalid.
 */
export function init(options: TrackerOptions): Tracker {
	current ??= createTracker(options, {
		window,
		now: () => Date.now(),
		random: cryptoRandom,
		storage: browserStore(),
		load: () => import('./deferred.ts').then((m) => m.deferredModule)
	});
	return current;
}

/** Records a pageview of `url` (default: the current location). */
export function pageview(url?: string | URL, options?: { notFound?: boolean }): void {
	current?.pageview(url, options);
}

/** Records a custom event; invalid names are ignored and props are bounded. */
export function track(name: string, props?: Record<string, unknown>): void {
	current?.track(name, props);
}

/** Stops tracking for good in this browser and erases what waits locally. */
export async function optOut(): Promise<void> {
	await current?.optOut();
}

/** Erases this browser's ids and waiting records. */
export async function erase(): Promise<void> {
	await current?.erase();
}

/** The records waiting to be delivered, for a visitor who wants to see them. */
export async function pending(): Promise<ClientRecord[]> {
	return (await current?.pending()) ?? [];
}
