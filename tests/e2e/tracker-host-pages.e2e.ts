/**
 * The standalone tracker on pages that get in its way (an outside probe put it there):
 * pages Chromium prerenders (speculation rules), a `file:` page, and pages whose scripts
 * replace `fetch` or give arrays a `toJSON` (Prototype.js).
 *
 * Prerendering: Chromium turns it off for a browser driven through DevTools (Playwright's
 * CDP: `PrerenderingDisabledByDevTools`), so that test runs a plain headless Chromium
 * process on pages of a small server of its own (127.0.0.1, a host name of the demo site),
 * which load the tracker from the app, and reads what the app stored. The pages move on by
 * themselves, on conditions: a prerendered page notes in `localStorage` once its tracker
 * has nothing waiting (its page view delivered, had it made one), and the page that
 * prerendered it moves on only then; the page shown moves on once the test saw its page
 * view stored.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import type { EventRecord, PageviewRecord, StoredRecord } from '../../src/lib/records';
import { tempDir, type RunningApp } from '../support/app';
import { chromiumLaunch } from '../support/browser';
import {
	CHROME_UA,
	pending,
	routeStandalonePage,
	standalonePage,
	trackEvent,
	useTrackedApp,
	waitForRecords
} from './tracker-support';
import type { Browser, Page } from '@playwright/test';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let visitors: Browser;
useTrackedApp((started) => ({ app, visitorBrowser: visitors } = started));

/** The records stored under paths starting with `prefix`. */
const under = (records: StoredRecord[], prefix: string) =>
	records.filter((r) => r.path.startsWith(prefix));

test('a page prerendered and never shown records nothing; one shown records its page view as it is shown, from the page that showed it', async () => {
	// An outside probe: the page never shown was stored as a page view; the page shown had
	// its page view stamped at its prerendering, and the next page came from the page before.
	const tracker = `<script defer data-site="demo" src="${app.url}/couchstats.js"></script>`;
	const rules = (url: string) =>
		`<script type="speculationrules">{"prerender":[{"source":"list","urls":["${url}"],"eagerness":"immediate"}]}</script>`;
	/** Runs `then` once `key` is in localStorage. */
	const when = (key: string, then: string) =>
		`<script>(function w(){localStorage.getItem(${JSON.stringify(key)})?${then}:setTimeout(w,50)})()</script>`;
	/** Notes `key` in localStorage once the tracker has arrived and has nothing waiting. */
	const idle = (key: string) =>
		`<script>(function w(){var c=window.couchstats;if(!c||c.q)return setTimeout(w,50);c.pending().then(function(p){p.length?setTimeout(w,50):localStorage.setItem(${JSON.stringify(key)},'1')})})()</script>`;
	const page = (head: string) =>
		`<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body><h1>t</h1></body></html>`;
	let go = false;
	const pages: Record<string, string> = {
		'/pre/a': page(rules('/pre/never') + when('never:idle', "location.href='/pre/c'") + tracker),
		'/pre/never': page(
			"<script>localStorage.setItem('never:prerendering',String(document.prerendering))</script>" +
				tracker +
				idle('never:idle')
		),
		'/pre/c': page(
			rules('/pre/shown') + when('shown:idle', "location.href='/pre/shown'") + tracker
		),
		'/pre/shown': page(
			"<script>localStorage.setItem('shown:prerendering',String(document.prerendering));" +
				"document.addEventListener('prerenderingchange',function(){localStorage.setItem('shown:activated',String(Date.now()))})</script>" +
				tracker +
				idle('shown:idle') +
				// Shown: on once the test saw its page view stored.
				"<script>(function w(){document.prerendering?setTimeout(w,50):fetch('/go').then(function(r){return r.text()}).then(function(t){t=='go'?location.href='/pre/end':setTimeout(w,100)})})()</script>"
		),
		'/pre/end': page(
			tracker +
				"<script>(function w(){var c=window.couchstats;if(!c||c.q)return setTimeout(w,50);c.track('marker',{never:localStorage.getItem('never:prerendering'),shown:localStorage.getItem('shown:prerendering'),activated:localStorage.getItem('shown:activated')})})()</script>"
		)
	};
	const server = http.createServer((req, res) => {
		if (req.url == '/go') return res.end(go ? 'go' : 'wait');
		const body = pages[req.url ?? ''];
		res.writeHead(body ? 200 : 404, { 'content-type': 'text/html' }).end(body ?? '');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const dir = tempDir('couchstats-prerender-');
	// A plain process: no DevTools, which would turn prerendering off.
	const chrome = spawn(
		chromiumLaunch.executablePath,
		[
			...chromiumLaunch.args,
			`--user-data-dir=${dir}`,
			`--user-agent=${CHROME_UA}`,
			`${origin}/pre/a`
		],
		// Its own process group, so that its renderers end with it.
		{ stdio: 'ignore', detached: true }
	);
	try {
		const isMarker = (r: StoredRecord) => r.type == 'event' && r.name == 'marker';
		const records = under(
			await waitForRecords(
				app,
				(rs) => {
					// The page shown moves on once its page view is stored.
					go ||= under(rs, '/pre/shown').some((r) => r.type == 'pageview');
					return rs.some(isMarker) || under(rs, '/pre/never').length > 0;
				},
				90_000
			),
			'/pre/'
		);
		expect(under(records, '/pre/never')).toEqual([]);
		const marker = records.find(isMarker) as EventRecord | undefined;
		// The pages were prerendered: else this test proves nothing.
		expect(marker?.props).toMatchObject({ never: 'true', shown: 'true' });
		const activated = Number(marker!.props!.activated);
		const views = records
			.filter((r): r is Extract<StoredRecord, PageviewRecord> => r.type == 'pageview')
			.sort((a, b) => a.ts - b.ts);
		// The next page's `from` is left out: the page that prerendered the one shown writes the
		// shared session as it goes, after the page shown recorded itself, from a state without
		// it, so the next page reads as coming from it (README: a known limit).
		expect(views.map((r) => [r.path, r.from ?? null]).slice(0, 3)).toEqual([
			['/pre/a', null],
			['/pre/c', '/pre/a'],
			['/pre/shown', '/pre/c']
		]);
		expect(views[3]?.path).toBe('/pre/end');
		expect(views[2].ts).toBeGreaterThanOrEqual(activated);
	} finally {
		if (chrome.exitCode === null && chrome.signalCode === null) {
			const exited = new Promise((resolve) => chrome.once('exit', resolve));
			process.kill(-chrome.pid!, 'SIGKILL');
			await exited;
		}
		server.close();
		fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
	}
});

/**
 * Collects the page's console lines and uncaught errors: `said()` the tracker's lines,
 * `thrown()` the errors.
 */
function watch(page: Page) {
	const seen: string[] = [];
	page.on('console', (m) => seen.push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
	return {
		said: () => seen.filter((l) => l.includes('couchstats:')),
		thrown: () => seen.filter((l) => l.startsWith('pageerror'))
	};
}

/** Opens, on the app's origin, a page that runs `before` and then loads the tracker. */
async function hostPage(pathname: string, before: string) {
	const context = await visitors.newContext();
	// In the body: it runs as it is parsed, before the deferred tracker.
	await routeStandalonePage(context, app, pathname, {}, `<script>${before}</script>`);
	const page = await context.newPage();
	const seen = watch(page);
	await page.goto(`${app.url}${pathname}`);
	return { page, ...seen };
}

test('a page whose fetch throws gets none of it: the console says so once, and the records wait', async () => {
	// An outside probe: the page's own error escaped into the page from the tracker's post().
	const { page, said, thrown } = await hostPage(
		'/host/throws',
		"window.fetch=function(){throw new Error('fetch blocked by page')}"
	);
	await expect
		.poll(said)
		.toEqual([
			'warning: couchstats: sending records threw on this page: Error: fetch blocked by page; they wait'
		]);
	await trackEvent(page, 'x');
	await expect
		.poll(async () => (await pending(page)).map((r) => r.type))
		.toEqual(expect.arrayContaining(['pageview', 'event']));
	expect(thrown()).toEqual([]);
});

test('a page whose Prototype.js gave arrays a toJSON has its records stored', async () => {
	// An outside probe: every request was refused (400), nothing stored, nothing said.
	await hostPage(
		'/host/prototype',
		"Array.prototype.toJSON=function(){return '['+this.map(String).join(', ')+']'}"
	);
	const records = await waitForRecords(app, (rs) => under(rs, '/host/prototype').length > 0);
	expect(under(records, '/host/prototype').map((r) => r.type)).toContain('pageview');
});

test('a page that replaced JSON.stringify is told so once, though both the core and the deferred part write with it', async () => {
	// The deferred bundle had its own json.ts, and so its own said-once record: told twice.
	const { page, said, thrown } = await hostPage(
		'/host/stringify',
		'var j=JSON.stringify;JSON.stringify=function(v){return j(v)}'
	);
	await waitForRecords(app, (rs) => under(rs, '/host/stringify').length > 0);
	// The deferred part writes the visitor endpoint's request.
	const data = await page.evaluate(() =>
		(
			window as unknown as { couchstats: { myData(): Promise<{ error?: string }> } }
		).couchstats.myData()
	);
	expect(data.error).toBeUndefined();
	expect(said()).toEqual([
		"warning: couchstats: this page replaced JSON.stringify, which the tracker's records are written with; if the ingest refuses them, this is why"
	]);
	expect(thrown()).toEqual([]);
});

test("a page whose fetch wrapper drops the request's options is told why its records are refused, once", async () => {
	// An outside probe: GETs refused 405 every few seconds, silently.
	const { said, thrown } = await hostPage(
		'/host/wrapper',
		'var f=window.fetch;window.fetch=function(u){return f(u)}'
	);
	await expect
		.poll(said)
		.toEqual([
			expect.stringContaining(
				'(HTTP 405 {"error":"method_not_allowed","reason":"use POST"}): a script on this page wraps fetch and drops the request\'s method and body; its records wait for another page of the site'
			)
		]);
	expect(thrown()).toEqual([]);
});

test('a file: page says in the console that the tracker does not run there', async () => {
	// An outside probe: on a file:// page nothing happened, and nothing said why.
	const dir = tempDir('couchstats-file-');
	const file = path.join(dir, 'page.html');
	fs.writeFileSync(file, standalonePage(app));
	const page = await (await visitors.newContext()).newPage();
	const { said, thrown } = watch(page);
	await page.goto(`file://${file}`);
	await expect
		.poll(said)
		.toEqual(['warning: couchstats: the tracker runs on http(s) pages only, not on file:']);
	// Calls made on it answer, and throw nothing.
	expect(
		await page.evaluate(() =>
			(window as unknown as { couchstats: { pending(): Promise<unknown> } }).couchstats.pending()
		)
	).toBeUndefined();
	expect(thrown()).toEqual([]);
	fs.rmSync(dir, { recursive: true, force: true });
});
