/**
 * The tracker's public API for pages bundled with the app (the `<Analytics>` component
 * uses it). This module is all the app loads synchronously: `init()` checks the
 * options at once, then imports the core (`client.ts`) dynamically, so it downloads in
 * parallel with the rest of the page; calls made before it arrives wait in order and
 * run when it does. One tracker per page; calls before `init()` are ignored.
 *
 * @example
 * ```ts
 * import { init, pageview, track } from '$lib/tracker';
 * init({ site: 'demo' });
 * pageview();
 * track('signup', { plan: 'pro' });
 * ```
 */
import type { ClientRecord } from '../records.ts';
import { checkOptions, type TrackerOptions } from './options.ts';
import type { PageviewOptions, Tracker } from './tracker.ts';

export type { TrackerOptions } from './options.ts';
export type { PageviewOptions, Tracker } from './tracker.ts';

type Client = typeof import('./client.ts');

/** The core once loaded (`undefined` before, or when it could not load). */
let core: Tracker | undefined;
/** The core module on its way; `undefined` before `init()`. */
let loading: Promise<Client | undefined> | undefined;

/** Runs `fn` on the core now when loaded, else once it has loaded (in call order). */
function call<T>(fn: (t: Tracker, m: Client) => T): Promise<T | undefined> | undefined {
	return loading?.then((m) => m && core && fn(core, m));
}

/**
 * Starts tracking this page (once; later calls return the first call's promise).
 * Does not record a pageview: call `enter()` (or `pageview()`) on load and
 * `pageview()` on every client-side navigation.
 *
 * @returns The tracker once its core has loaded (`undefined` if it could not load).
 * @throws Error (`couchstats: …`) when options are invalid, synchronously.
 */
export function init(options: TrackerOptions): Promise<Tracker | undefined> {
	if (!loading) {
		checkOptions(options, location.origin);
		loading = import('./client.ts').then(
			(m) => {
				core = m.start(options);
				return m;
			},
			() => undefined
		);
	}
	return loading.then(() => core);
}

/**
 * Records the page's first pageview, once per page: the app's inline start may have
 * recorded it already, before hydration.
 */
export function enter(notFound?: boolean): void {
	call((_, m) => m.enter(notFound));
}

/**
 * Records a pageview of `url` (default: the location at the time of the call); options
 * as `Tracker.pageview` (`title`, `notFound`, `afterTitle`).
 */
export function pageview(url?: string | URL, options?: PageviewOptions): void {
	if (!loading) return;
	const at = String(url ?? location.href);
	call((t) => t.pageview(at, options));
}

/** Records a custom event; invalid names are ignored and props are bounded. */
export function track(name: string, props?: Record<string, unknown>): void {
	call((t) => t.track(name, props));
}

/** Stops tracking for good in this browser and erases what waits locally. */
export async function optOut(): Promise<void> {
	await call((t) => t.optOut());
}

/**
 * Erases the records the server holds under this browser's visitor id on this site, then
 * the ids and waiting records here (see `Tracker.erase`).
 */
export async function erase(): ReturnType<Tracker['erase']> {
	return (await call((t) => t.erase())) ?? { deleted: 0, error: 'not started' };
}

/** The records waiting to be delivered, for a visitor who wants to see them. */
export async function pending(): Promise<ClientRecord[]> {
	return (await call((t) => t.pending())) ?? [];
}

/** The records the server holds under this browser's visitor id on this site (see `Tracker.myData`). */
export async function myData(): ReturnType<Tracker['myData']> {
	return (await call((t) => t.myData())) ?? { records: [], error: 'not started' };
}
