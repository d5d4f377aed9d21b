/**
 * Builds the standalone tracker into `static/` before the app build copies it:
 * `vite build -c vite.tracker.config.ts --mode standalone` → `static/couchstats.js`
 * (what every page loads synchronously) and `--mode deferred` → `static/couchstats-deferred.js`
 * (capture, `track()` validation and the PouchDB outbox, loaded after `load`). Both are classic scripts (IIFE) so any site can load
 * them from another origin without CORS.
 */
import { defineConfig } from 'vite';

const entries: Record<string, { entry: string; file: string }> = {
	standalone: { entry: 'src/lib/tracker/standalone.ts', file: 'couchstats.js' },
	deferred: { entry: 'src/lib/tracker/deferred-global.ts', file: 'couchstats-deferred.js' }
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
