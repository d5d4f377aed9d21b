import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	compilerOptions: {
		// Runes mode for the project's own components; libraries decide for themselves.
		runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true)
	},
	kit: {
		adapter: adapter({ out: 'build' }),
		// Form actions and the login page are same-origin; the ingest endpoint answers
		// cross-origin requests itself, with CORS limited to registered site origins.
		csrf: { trustedOrigins: [] }
	}
};

export default config;
