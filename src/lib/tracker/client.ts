/**
 * The tracker core bound to the real browser, as the app's pages load it: a chunk of
 * its own, which in turn imports the deferred part (capture and the PouchDB outbox)
 * after `load`. Two callers, one module instance (same URL): an inline module script
 * that `<Analytics>` renders into the page's head starts it as soon as the chunk
 * arrives, before hydration, when the page names the chunk in a modulepreload link
 * (`data-couchstats-core`, added by the app's hook); and `init()` of `$lib/tracker`
 * at hydration. Whichever comes first starts it; the other gets the same tracker.
 */
import type { TrackerOptions } from './options.ts';
import { browserStore } from './storage.ts';
import { createTracker, type Tracker } from './tracker.ts';
import { cryptoRandom } from './uuid.ts';

let tracker: Tracker | undefined;
let entered = false;

/**
 * Starts the tracker on this page, once (without recording a pageview); later calls
 * return the same tracker.
 *
 * @throws Error (`couchstats: …`) when options are invalid.
 */
export function start(options: TrackerOptions): Tracker {
	return (tracker ??= createTracker(options, {
		window,
		now: () => Date.now(),
		elapsed: () => performance.now(),
		random: cryptoRandom,
		storage: browserStore(),
		tabStorage: browserStore('sessionStorage'),
		load: () => import('./deferred.ts').then((m) => m.deferredModule)
	}));
}

/** Records the page's first pageview, once, whichever of the inline start and hydration asks first. */
export function enter(notFound?: boolean): void {
	if (entered) return;
	entered = true;
	tracker?.pageview(undefined, { notFound });
}
