/**
 * The tracker's size budget, measured on the built files, and when its parts are
 * requested: what every page loads synchronously ≤ 2 KB gzip (the standalone loader;
 * the tracker code in the app's synchronous bundle), everything including PouchDB
 * ≤ 41 KB gzip, the core requested at once (before `load`, for the app's pages through a
 * modulepreload link) and PouchDB only after `load`.
 *
 * Sizes are `gzip -9` of the minified files. The app's synchronous tracker code is
 * measured twice: by building the `<Analytics>` component alone with the same
 * toolchain (everything its entry pulls in statically except the Svelte and SvelteKit
 * runtimes the app loads anyway; Vite's preload helper is counted, so this is an upper
 * bound), and in the built app, as the files a route node loads statically that hold
 * tracker code (whole files: an upper bound) — checking that no node loads the core or
 * PouchDB statically (tracker-bundle.ts; package.e2e.ts checks an app that installed
 * `@couchstats/tracker` the same way).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import path from 'node:path';
import { build, type Rolldown } from 'vite';
import type { RunningApp } from '../support/app';
import { CHROME_UA, routeStandalonePage, startTrackedApp } from './tracker-support';
import {
	CORE_MARKER,
	expectTrackerBudget,
	gzip,
	gzipSize,
	POUCHDB_MARKER,
	SYNC_BUDGET,
	TOTAL_BUDGET
} from './tracker-bundle';
import { TRACKER_FILES } from '../../src/lib/tracker-files.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const client = path.join(root, 'build', 'client');

test('the standalone tracker loads at most 2 KB gzip synchronously and at most 41 KB in all', () => {
	// The loader, the core, the deferred part: TRACKER_FILES' order.
	const [sync, core, deferred] = Object.values(TRACKER_FILES).map((file) =>
		gzipSize(path.join(client, file))
	);
	const total = sync + core + deferred;
	console.log(
		`standalone tracker (gzip -9): couchstats.js (synchronous) ${sync} B (budget ${SYNC_BUDGET}), ` +
			`couchstats-core.js (async) ${core} B, couchstats-deferred.js (after load, with PouchDB) ${deferred} B, ` +
			`total ${total} B (budget ${TOTAL_BUDGET})`
	);
	expect(sync).toBeLessThanOrEqual(SYNC_BUDGET);
	expect(total).toBeLessThanOrEqual(TOTAL_BUDGET);
});

test('the Svelte component puts at most 2 KB gzip of tracker code in the synchronous bundle', async () => {
	const result = (await build({
		configFile: false,
		logLevel: 'silent',
		root,
		plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
		resolve: { alias: { $lib: path.join(root, 'src/lib') } },
		build: {
			write: false,
			minify: true,
			target: 'es2020',
			rollupOptions: {
				input: path.join(root, 'src/lib/components/Analytics.svelte'),
				preserveEntrySignatures: 'strict',
				// The runtimes every SvelteKit page loads anyway.
				external: (id) => /^svelte($|\/)|^\$app\//.test(id)
			}
		}
	})) as Rolldown.RolldownOutput;
	const chunks = new Map(
		result.output.flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : []))
	);
	const entry = [...chunks.values()].find((c) => c.isEntry)!;
	// The entry and everything it imports statically: what loads with the layout.
	const sync = new Set([entry.fileName]);
	for (const name of sync)
		for (const dep of chunks.get(name)!.imports) if (chunks.has(dep)) sync.add(dep);
	const syncFiles = [...sync].map((name) => chunks.get(name)!);
	const syncSize = syncFiles.reduce((sum, c) => sum + gzip(c.code), 0);
	const lazy = [...chunks.values()].filter((c) => !sync.has(c.fileName));
	const lazySize = lazy.reduce((sum, c) => sum + gzip(c.code), 0);
	console.log(
		`Analytics.svelte built alone (gzip -9): synchronous ${syncSize} B in ${syncFiles.map((c) => `${c.fileName} ${gzip(c.code)} B`).join(', ')} ` +
			`(budget ${SYNC_BUDGET}); loaded later ${lazySize} B in ${lazy.map((c) => `${c.fileName} ${gzip(c.code)} B`).join(', ')}`
	);
	expect(syncFiles.some((c) => c.code.includes(CORE_MARKER))).toBe(false);
	expect(syncFiles.some((c) => c.code.includes(POUCHDB_MARKER))).toBe(false);
	expect(lazy.filter((c) => c.code.includes(CORE_MARKER))).toHaveLength(1);
	expect(syncSize).toBeLessThanOrEqual(SYNC_BUDGET);
	// The total is checked on the built app below: here Vite's preload helper is counted.
});

test('the built app loads the tracker core and PouchDB lazily, and what its pages load synchronously for the tracker stays within budget', () => {
	expectTrackerBudget(path.join(client, '_app', 'immutable'), 'built app');
});

/** When `load` ended and when each script was requested, matched by what its body contains. */
async function timings(page: Page, app: RunningApp) {
	const entries = await page.evaluate(() => ({
		load: performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming,
		scripts: performance
			.getEntriesByType('resource')
			.filter(
				(e) => (e as PerformanceResourceTiming).initiatorType === 'script' || e.name.endsWith('.js')
			)
			.map((e) => ({ name: e.name, start: e.startTime }))
	}));
	const core = [];
	const pouch = [];
	for (const script of entries.scripts) {
		const text = await (await fetch(script.name.replace(/^https?:\/\/[^/]+/, app.url))).text();
		if (text.includes(POUCHDB_MARKER)) pouch.push(script);
		else if (text.includes(CORE_MARKER)) core.push(script);
	}
	return { loadEnd: entries.load.loadEventEnd, core, pouch };
}

test('the core is requested at once, in parallel with the page, and PouchDB only after load', async ({
	browser
}) => {
	const app = await startTrackedApp();
	try {
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await routeStandalonePage(context, app, '/size/');
		const page = await context.newPage();
		for (const url of [`${app.url}/size/standalone`, `${app.url}/`]) {
			await page.goto(url);
			await page.waitForLoadState('networkidle');
			const { loadEnd, core, pouch } = await timings(page, app);
			const ms = (list: { start: number }[]) => list.map((p) => p.start.toFixed(0));
			console.log(
				`${url}: core requested at ${ms(core)} ms, load ended at ${loadEnd.toFixed(0)} ms, PouchDB requested at ${ms(pouch)} ms`
			);
			expect(core).toHaveLength(1);
			expect(pouch).toHaveLength(1);
			expect(pouch[0].start).toBeGreaterThanOrEqual(loadEnd);
			// The standalone loader injects the core at once; the app's demo pages name it
			// in a modulepreload link (src/lib/server/demo/tracker-preload.ts), so it downloads
			// while the HTML is parsed instead of at hydration: either way, before load.
			expect(core[0].start).toBeLessThan(loadEnd);
		}
		// The app's own pages do not track, so they do not preload the core.
		const login = await (await context.request.get(`${app.url}/login`)).text();
		expect(login).not.toContain('data-couchstats-core');
		await context.close();
	} finally {
		await app.stop();
	}
});
