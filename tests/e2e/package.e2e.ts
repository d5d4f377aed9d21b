/**
 * `@couchstats/tracker` as another SvelteKit app gets it. The package is packed with
 * `npm pack` (its prepack builds it from src/lib); a fresh app written into a temporary
 * folder installs the tarball with npm (the package's dependencies come from npm's
 * cache or the registry), puts the component in its root layout as the README says,
 * builds, and is served by `vite preview` on an origin of its own. A visitor in
 * Chromium opens a page and follows a link; the outbox opens in the browser (PouchDB
 * and its dependencies loaded), and the Stats API of the app Playwright started counts
 * both pageviews for the site registered with that origin's host name. The app's bundle
 * is held to the tracker's size budget, and a use of both entries is type-checked
 * against the shipped types. To keep it fast, the framework (SvelteKit, Svelte, Vite)
 * is the repository's own, linked into the fresh app, and the type check runs the
 * repository's TypeScript.
 */
import { expect, test } from './fixtures';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createCouch } from '../../src/lib/server/couch';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken, withToken } from '../../src/lib/server/accounts/tokens';
import { OUTBOX_IDB } from '../../src/lib/tracker/versions';
import { freePort, tempDir } from '../support/app';
import { expectTrackerBudget } from './tracker-bundle';
import { launchVisitorBrowser } from './tracker-support';
import { webServerCouchUrl, webServerPrefix } from './web-server';

const root = path.resolve(import.meta.dirname, '..', '..');
const PACKAGE = path.join(root, 'packages', 'tracker');
/** What the fresh app takes from the repository instead of npm. */
const LINKED = ['@sveltejs/kit', 'svelte', 'vite'];

test.describe.configure({ timeout: 300_000 });

/** The environment without the npm settings of the `npm test` that may be running us. */
const cleanEnv = () =>
	Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

/** Runs a command to completion; throws with its output when it fails. */
function run(command: string, args: string[], cwd: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.once('error', reject);
		child.once('exit', (code) =>
			code === 0
				? resolve(output)
				: reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))
		);
	});
}

/** Writes the fresh app's files (`files`: path → text) under `dir`. */
function writeApp(dir: string, files: Record<string, string>) {
	for (const [name, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
		fs.writeFileSync(path.join(dir, name), text);
	}
}

/** The files of a minimal SvelteKit app whose root layout tracks `site` into `endpoint`. */
function appFiles(site: string, endpoint: string): Record<string, string> {
	return {
		'svelte.config.js': 'export default {};\n',
		'vite.config.js':
			"import { sveltekit } from '@sveltejs/kit/vite';\nexport default { plugins: [sveltekit()] };\n",
		'src/app.html':
			'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8" />%sveltekit.head%</head>\n' +
			'<body><div style="display: contents">%sveltekit.body%</div></body>\n</html>\n',
		// The README's snippet, with the options an external, automated visit needs.
		'src/routes/+layout.svelte': [
			'<script>',
			"\timport { page } from '$app/state';",
			"\timport Analytics from '@couchstats/tracker/svelte';",
			'\tlet { children } = $props();',
			'</' + 'script>',
			'',
			`<Analytics site="${site}" endpoint="${endpoint}" allowAutomation notFound={page.status === 404} />`,
			'',
			'{@render children()}',
			''
		].join('\n'),
		'src/routes/+page.svelte': '<h1>Home</h1>\n<a href="/about">About</a>\n',
		'src/routes/about/+page.svelte': '<h1>About</h1>\n',
		// Both entries through the shipped types; each @ts-expect-error must meet an error.
		'types.ts': [
			"import Analytics from '@couchstats/tracker/svelte';",
			"import { init, pageview, track, type TrackerOptions } from '@couchstats/tracker';",
			"import type { ComponentProps } from 'svelte';",
			"const options: TrackerOptions = { site: 'blog', endpoint: 'https://stats.example/api/ingest' };",
			'void init(options);',
			'pageview();',
			"track('signup', { plan: 'pro' });",
			'// @ts-expect-error a site is required',
			'void init({});',
			"export const props: ComponentProps<typeof Analytics> = { site: 'blog', notFound: true };",
			'// @ts-expect-error the props are the options',
			'export const wrong: ComponentProps<typeof Analytics> = { site: 1 };',
			''
		].join('\n'),
		'tsconfig.types.json': JSON.stringify({
			compilerOptions: {
				strict: true,
				noEmit: true,
				module: 'ESNext',
				moduleResolution: 'bundler',
				target: 'ES2022',
				lib: ['ESNext', 'DOM'],
				types: [],
				// An import the shipped types could not resolve would make the props `any`:
				// then the @ts-expect-error lines above fail.
				skipLibCheck: true
			},
			files: ['types.ts']
		})
	};
}

/** Starts `vite preview` of the built app on 127.0.0.1:`port` and waits until it answers. */
async function preview(dir: string, port: number): Promise<ChildProcess> {
	const vite = path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
	const args = [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
	const child = spawn(process.execPath, args, { cwd: dir, env: cleanEnv(), stdio: 'ignore' });
	await expect
		.poll(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.status, String), {
			timeout: 30_000
		})
		.toBe(200);
	return child;
}

test('a fresh SvelteKit app installs the packed package, builds, and its page views reach couchstats', async ({
	baseURL
}) => {
	const timings: string[] = [];
	const started = Date.now();
	const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
		const at = Date.now();
		const result = await test.step(name, fn);
		timings.push(`${name} ${((Date.now() - at) / 1000).toFixed(1)} s`);
		return result;
	};
	const dir = tempDir('couchstats-package-e2e-');
	const app = path.join(dir, 'app');
	const port = await freePort();
	let server: ChildProcess | undefined;
	const browser = await launchVisitorBrowser();
	try {
		// A site for the fresh app's origin, with an API token to read its numbers.
		const site = `package-${Date.now().toString(36)}`;
		const token = createToken('package e2e');
		const sites = createCouch(webServerCouchUrl(), webServerPrefix).sites;
		const record = siteRecord(
			{ id: site, name: 'Fresh app', hostnames: [`127.0.0.1:${port}`], timeZone: 'UTC' },
			[],
			Date.now()
		);
		await sites.insert(withToken(record, token.token));

		const tarball = await step('npm pack', async () => {
			await run('npm', ['pack', '--pack-destination', dir], PACKAGE);
			const [name] = fs.readdirSync(dir).filter((n) => n.endsWith('.tgz'));
			return path.join(dir, name);
		});
		writeApp(app, {
			'package.json': JSON.stringify({ name: 'fresh-app', private: true, type: 'module' })
		});
		await step('npm install', () =>
			run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app)
		);
		const installed = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
		expect(installed.dependencies['@couchstats/tracker']).toMatch(/^file:.*\.tgz$/);
		for (const name of LINKED) {
			fs.mkdirSync(path.dirname(path.join(app, 'node_modules', name)), { recursive: true });
			fs.symlinkSync(path.join(root, 'node_modules', name), path.join(app, 'node_modules', name));
		}
		writeApp(app, appFiles(site, `${baseURL}/api/ingest`));
		// Checked while the app builds and runs; awaited at the end.
		const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
		const typeCheck = run(process.execPath, [tsc, '-p', 'tsconfig.types.json'], app);
		typeCheck.catch(() => {});
		await step('vite build', () =>
			run(process.execPath, [path.join('node_modules', 'vite', 'bin', 'vite.js'), 'build'], app)
		);
		expectTrackerBudget(
			path.join(app, '.svelte-kit', 'output', 'client', '_app', 'immutable'),
			'a fresh app with @couchstats/tracker'
		);
		server = await step('vite preview', () => preview(app, port));

		await step('visit and count', async () => {
			const page = await (await browser.newContext()).newPage();
			await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/ingest/_bulk_docs') && r.ok()),
				page.goto(`http://127.0.0.1:${port}/`)
			]);
			await page.getByRole('link', { name: 'About' }).click();
			await expect(page.getByRole('heading', { name: 'About' })).toBeVisible();
			// The deferred part ran too: PouchDB (with its dependencies) opened the outbox.
			await expect
				.poll(() => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), {
					timeout: 20_000
				})
				.toContain(OUTBOX_IDB);
			const stats = async () => {
				const response = await fetch(`${baseURL}/api/v1/stats?site=${site}`, {
					headers: { authorization: `Bearer ${token.secret}` }
				});
				expect(response.status).toBe(200);
				return response.json();
			};
			await expect.poll(async () => (await stats()).totals.pageviews, { timeout: 30_000 }).toBe(2);
			const { totals, breakdowns } = await stats();
			expect(totals).toMatchObject({ visitors: 1, sessions: 1 });
			expect(breakdowns.pages.map((p: { path: string }) => p.path).sort()).toEqual(['/', '/about']);
		});
		await step('type-check', () => typeCheck);
	} finally {
		server?.kill();
		await browser.close();
		// The links first, so that nothing can reach the repository's own packages.
		for (const name of LINKED) fs.rmSync(path.join(app, 'node_modules', name), { force: true });
		fs.rmSync(dir, { recursive: true, force: true });
		console.log(
			`package e2e: ${timings.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`
		);
	}
});
