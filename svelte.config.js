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
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
