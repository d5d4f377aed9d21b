import fs from 'node:fs';
import path from 'node:path';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Names the tracker core's built files to the server (src/lib/server/demo/tracker-preload.ts):
 * SvelteKit bundles the server first and the client second, so once the client build
 * is written this replaces the placeholder token in the server output with the core
 * chunk and the chunks it imports. The adapter then copies that output.
 */
function trackerCorePreload(): Plugin {
	const TOKEN = '__COUCHSTATS_TRACKER_CORE_FILES__';
	let outDir = '';
	return {
		name: 'couchstats-tracker-core-preload',
		apply: 'build',
		configResolved(config) {
			outDir = path.join(config.root, '.svelte-kit', 'output', 'server');
		},
		writeBundle(_, bundle) {
			if (this.environment.config.build.ssr) return;
			const core = Object.values(bundle).find(
				(c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/lib/tracker/client.ts')
			);
			if (!core || core.type !== 'chunk') {
				throw new Error('couchstats: the client build has no tracker core chunk');
			}
			const files = [core.fileName, ...core.imports].join(',');
			let replaced = 0;
			for (const file of fs.readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
				if (!file.endsWith('.js')) continue;
				const full = path.join(outDir, file);
				const text = fs.readFileSync(full, 'utf8');
				if (!text.includes(TOKEN)) continue;
				fs.writeFileSync(full, text.replaceAll(TOKEN, files));
				replaced++;
			}
			if (!replaced) throw new Error('couchstats: no server file holds the tracker core token');
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), trackerCorePreload()],
	// rolldown's timing note (`PLUGIN_TIMINGS`: SvelteKit's own callbacks take most of the
	// build) is nothing a user of `npm start` can act on, and it buried the first start's
	// admin password in a yellow block (an outside new-user review).
	build: { rolldownOptions: { checks: { bundlerTimings: false } } },
	test: {
		expect: { requireAssertions: true },
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.test.ts', 'couchdb/**/*.test.ts'],
					// Limits only catch a hang: tests wait on conditions, and a busy CI machine
					// (2 cores, load 15-30 seen) runs them many times slower than an idle one.
					testTimeout: 30_000
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'integration',
					environment: 'node',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/integration/global-setup.ts'],
					testTimeout: 300_000,
					hookTimeout: 300_000
				}
			}
		]
	}
});
