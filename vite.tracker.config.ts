/**
 * Builds the standalone tracker into `static/` before the app build copies it, one
 * file per mode (`vite build -c vite.tracker.config.ts --mode <mode>`):
 *
 * - `standalone` → `static/couchstats.js`: the loader, what every page loads
 *   synchronously (a queueing `window.couchstats` stub that injects the core at once);
 * - `core` → `static/couchstats-core.js`: sessions, classification, engaged time,
 *   milestones and beacons, loaded as an async script in parallel with the page;
 * - `deferred` → `static/couchstats-deferred.js`: capture, `track()` validation and the
 *   PouchDB outbox, loaded after `load` in idle time.
 *
 * All are classic scripts (IIFE) so any site can load them from another origin
 * without CORS.
 */
import { defineConfig } from 'vite';
import { TRACKER_FILES } from './src/lib/tracker-files.js';

const entries: Record<string, { entry: string; file: string }> = {
	standalone: { entry: 'src/lib/tracker/loader.ts', file: TRACKER_FILES.standalone },
	core: { entry: 'src/lib/tracker/standalone.ts', file: TRACKER_FILES.core },
	deferred: { entry: 'src/lib/tracker/deferred-global.ts', file: TRACKER_FILES.deferred }
};

export default defineConfig(({ mode }) => {
	const target = entries[mode];
	if (!target)
		throw new Error(`vite.tracker.config.ts: --mode must be one of ${Object.keys(entries)}`);
	return {
		publicDir: false,
		define: { 'process.env.NODE_ENV': '"production"' },
		build: {
			outDir: 'static',
			emptyOutDir: false,
			copyPublicDir: false,
			minify: true,
			sourcemap: false,
			target: 'es2020',
			reportCompressedSize: true,
			lib: {
				entry: target.entry,
				formats: ['iife'],
				name: 'couchstats_' + mode,
				fileName: () => target.file
			}
		}
	};
});
