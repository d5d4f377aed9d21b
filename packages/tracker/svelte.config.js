import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * Read by svelte-package (build.js): its input is the staged copy of the app's tracker
 * and component, so `$lib` means that copy. The component's script is stripped of its
 * types (svelte-package keeps `lang="ts"`, which Svelte 5 reads natively), so an app
 * needs no TypeScript set-up to use it.
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
	preprocess: vitePreprocess({ script: true }),
	kit: { files: { lib: '.svelte-kit/lib' } }
};

export default config;
