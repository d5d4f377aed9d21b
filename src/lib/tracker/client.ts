/**
 * The tracker core bound to the real browser, as the Svelte entry (`index.ts`) loads
 * it: a chunk of its own, imported dynamically at hydration, which in turn imports the
 * deferred part (capture and the PouchDB outbox) after `load`.
 */
import type { TrackerOptions } from './options.ts';
import { browserStore } from './storage.ts';
import { createTracker, type Tracker } from './tracker.ts';
import { cryptoRandom } from './uuid.ts';

/**
 * Starts the tracker on this page (without recording a pageview).
 *
 * @throws Error (`couchstats: …`) when options are invalid.
 */
export function start(options: TrackerOptions): Tracker {
	return createTracker(options, {
		window,
		now: () => Date.now(),
		random: cryptoRandom,
		storage: browserStore(),
		load: () => import('./deferred.ts').then((m) => m.deferredModule)
	});
}
