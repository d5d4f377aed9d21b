import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	compilerOptions: {
		// Runes mode for the project's own components; libraries decide for themselves.
		runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true)
	},
	kit: {
		adapter: adapter({ out: 'build' }),
		// SvelteKit's CSRF check would refuse the cross-origin text/plain beacons the
		// ingest endpoint must accept from registered sites; hooks.server.ts applies the
		// same rule to every other route (src/lib/server/accounts/csrf.ts).
		csrf: { trustedOrigins: ['*'] },
		// The pages' Content-Security-Policy: scripts from the app's origin and inline ones
		// with the page's nonce only (SvelteKit's own get it; <Analytics>'s inline start
		// gets it in hooks.server.ts), so text that slipped past escaping could not run
		// (an outside review: the policy had frame-ancestors only). Style attributes stay
		// allowed: Svelte sets them (bar widths). Answers that are no page carry
		// frame-ancestors 'none' (src/lib/server/security-headers.js).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
