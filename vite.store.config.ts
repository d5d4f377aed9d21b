/**
 * Builds the embedded store's process (src/lib/server/embedded/store-main.ts, see
 * store-process.ts) into `build/store/main.js`, after the app's build (adapter-node
 * empties `build/` first): `vite build -c vite.store.config.ts`. Packages stay imports of
 * node_modules, as in the app's own server build.
 */
import { defineConfig } from 'vite';

export default defineConfig({
	publicDir: false,
	build: {
		ssr: 'src/lib/server/embedded/store-main.ts',
		outDir: 'build/store',
		emptyOutDir: true,
		copyPublicDir: false,
		target: 'node20',
		minify: false,
		sourcemap: false,
		rollupOptions: { output: { entryFileNames: 'main.js' } }
	}
});
