/**
 * `npm run bench:live` — action-to-dashboard latency in the BUILT app (`npm run build`
 * first), with the tracker's DEFAULT settings: visitors in one browser, each in a
 * fresh context (a new visitor, a new session), while an owner watches the dashboard
 * (`/sites/demo?range=today`) in another browser. Each visit, on pages that load the
 * standalone script (`/couchstats.js`, only `data-site` and `data-allow-automation`,
 * which headless Chromium needs to be tracked at all):
 *
 * 1. opens a page (a visitor's first pageview);
 * 2. follows a link to another page (a pageview by link: a full page load);
 * 3. navigates client-side (`history.pushState`);
 * 4. clicks a `data-track` button (a CTA click, captured automatically);
 * 5. calls `couchstats.track('signup')` (a custom event);
 * 6. closes the page.
 *
 * The pages come from a plain HTTP server on another origin (127.0.0.1, which the
 * demo site lists), as on any site that adds the snippet. For each action the bench
 * times how long until the owner's page shows the new count (pageviews or events),
 * without a reload. It prints p50, p95 (nearest rank) and max per kind, and the
 * requests each visit sent to the ingest. Targets: p50 ≤ 1 s and p95 ≤ 2 s for every kind.
 *
 * It also splits each action's time, by the record the action made (its `ts` is the
 * moment the tracker made it: the browser's clock, corrected by an offset of a few ms
 * at most, since page, proxy and server share this machine's clock):
 * - action → record made: loading the page and the tracker (nothing for a click);
 * - record made → request with it reaches the proxy: the tracker's own delay;
 * - → the ingest has answered that request: validation, the store's write (the proxy
 *   sees the answer end);
 * - → the live stream pushes it: `_changes`, the follower's batch, SSE (seen by a
 *   second `EventSource` the bench opens in the owner's page);
 * - → the dashboard shows it: the page's re-read and render.
 *
 * For the two actions that load a page, the time to the record is split further by the
 * page's own Navigation and Resource Timing: navigation start → HTML received → the
 * loader (`couchstats.js`) received → the core requested (the loader ran) → the core
 * received → the pageview made (the core ran).
 *
 * Requests are counted by a forward proxy the visitors' browser goes through
 * (Playwright does not report the `keepalive` requests a page sends as it unloads): a
 * POST is given to the visit whose visitor id its records carry (each visit has its own
 * visitor), a GET to the visit under way. The proxy adds one loopback hop to every
 * visitor request, so the times are a little longer than without it.
 *
 * Usage: npm run bench:live -- [--visits 40] [--port N]
 */
import { chromium, type Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startApp } from '../tests/support/app';
import {
	chromiumLaunch,
	emulateFocus,
	launchVisitorBrowser,
	standalonePage
} from '../tests/support/browser';

const { values } = parseArgs({
	options: { visits: { type: 'string', default: '40' }, port: { type: 'string' } }
});
const visits = Number(values.visits);
if (!Number.isInteger(visits) || visits < 1) {
	console.error('--visits must be a positive integer');
	process.exit(2);
}
/** The app's port (default: a free one), so that a run beside other suites can be given its own. */
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
	console.error('--port must be a TCP port number');
	process.exit(2);
}

const ADMIN_PASSWORD = 'bench-admin-password';
const KINDS = [
	'first pageview',
	'pageview by link',
	'client-side navigation',
	'CTA click',
	'custom event'
] as const;
type Kind = (typeof KINDS)[number];

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(name: string, list: number[]): string {
	const sorted = [...list].sort((a, b) => a - b);
	const f = (n: number) => `${Math.round(n)} ms`.padStart(8);
	return `${name.padEnd(24)} p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  max ${f(sorted.at(-1)!)}`;
}

/** The machine's clock, ms since the epoch, with the resolution of `performance.now()`. */
const clock = () => performance.timeOrigin + performance.now();

/** Names a record the way the proxy and the live stream both see it. */
const keyOf = (r: { type?: unknown; path?: unknown; name?: unknown }) =>
	`${r.type} ${r.path} ${r.name ?? ''}`;

/** The number a headline tile of the owner's dashboard shows. */
async function shown(owner: Page, metric: string): Promise<number> {
	const text = await owner.locator(`[data-metric="${metric}"] dd.value`).textContent();
	return Number((text ?? '').replace(/\D/g, ''));
}

const app = await startApp({ port, env: { COUCHSTATS_ADMIN_PASSWORD: ADMIN_PASSWORD } });
// Visit v's pages are /bench/v/a, /bench/v/b, /bench/v/c (distinct paths: one pageview each).
const site = http.createServer((request, response) => {
	const v = /^\/bench\/(\d+)\//.exec(request.url ?? '')?.[1] ?? '0';
	response.setHeader('content-type', 'text/html');
	response.end(
		standalonePage(
			app,
			{},
			`<p><a href="/bench/${v}/b">Next</a></p>
<button id="spa" onclick="history.pushState(null, '', '/bench/${v}/c')">Client-side</button>
<button data-track="cta">Start now</button>
<button id="signup" onclick="couchstats.track('signup')">Sign up</button>`
		)
	);
});
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

/** Ingest requests per visit and method, counted by the proxy. */
const requests = new Map<number, Record<string, number>>();
/** The visit under way, and the visit of each visitor id seen. */
let current = 0;
const visitOf = new Map<string, number>();
/**
 * Of each pageview and event record, when it was made (`ts`), first reached the proxy
 * (`at`) and when the ingest answered that request (`answered`: validated and stored).
 */
const arrived = new Map<string, { ts: number; at: number; answered?: number }>();
const proxy = http.createServer(async (request, response) => {
	const target = new URL(request.url ?? '');
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const body = Buffer.concat(chunks);
	if (target.pathname.startsWith('/api/ingest')) {
		let visit = current;
		const mine: string[] = [];
		if (request.method === 'POST') {
			const vid = String(JSON.parse(body.toString()).docs?.[0]?.vid);
			if (!visitOf.has(vid)) visitOf.set(vid, current);
			visit = visitOf.get(vid)!;
			const at = clock();
			for (const doc of JSON.parse(body.toString()).docs ?? [])
				if (!arrived.has(keyOf(doc))) {
					arrived.set(keyOf(doc), { ts: doc.ts, at });
					mine.push(keyOf(doc));
				}
		}
		response.on('finish', () => {
			const answered = clock();
			for (const key of mine) arrived.get(key)!.answered = answered;
		});
		const count = requests.get(visit) ?? {};
		count[request.method!] = (count[request.method!] ?? 0) + 1;
		requests.set(visit, count);
	}
	const upstream = http.request(
		target,
		{ method: request.method, headers: request.headers },
		(answer) => {
			response.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(response);
		}
	);
	upstream.on('error', () => response.destroy());
	upstream.end(body);
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const visitorBrowser = await launchVisitorBrowser(undefined, [
	`--proxy-server=http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
	// Loopback too (Chromium sends it around proxies by default).
	'--proxy-bypass-list=<-loopback>'
]);
const ownerBrowser = await chromium.launch(chromiumLaunch);
try {
	const owner = await ownerBrowser.newPage({ viewport: { width: 1280, height: 900 } });
	await owner.goto(`${app.url}/login`);
	await owner.getByLabel('Account name').fill(app.adminName);
	await owner.getByLabel('Password').fill(ADMIN_PASSWORD);
	await owner.getByRole('button', { name: 'Log in' }).click();
	await owner.waitForURL(`${app.url}/sites`);
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await owner.getByText('Live', { exact: true }).waitFor();
	// A second listener beside the dashboard's own: when the stream pushed each record.
	await owner.evaluate(() => {
		const pushed: Record<string, number> = ((window as unknown as { pushed: object }).pushed = {});
		new EventSource('/api/v1/live?site=demo').addEventListener('records', (e) => {
			const at = performance.timeOrigin + performance.now();
			for (const r of JSON.parse((e as MessageEvent<string>).data).records)
				pushed[`${r.type} ${r.path} ${r.name ?? ''}`] ??= at;
		});
	});

	const total = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
	/** Per kind, the parts of each action's time (see the header). */
	const PARTS = ['made', 'sent', 'stored', 'pushed', 'shown'] as const;
	const parts = new Map(KINDS.map((k) => [k, PARTS.map(() => [] as number[])]));
	const LOAD_STEPS = [
		'navigation start → HTML received',
		'HTML → loader received',
		'loader received → core requested',
		'core requested → core received',
		'core received → pageview made'
	];
	/** Per page-loading kind, the steps of its page load (see the header). */
	const loads = new Map<Kind, number[][]>();
	const expected = {
		pageviews: await shown(owner, 'pageviews'),
		events: await shown(owner, 'events')
	};

	for (let v = 0; v < visits; v++) {
		current = v;
		const context = await visitorBrowser.newContext();
		const page = await context.newPage();
		// Focused, as a reader's tab is: engaged time, and its heartbeats, count.
		await emulateFocus(page);

		/**
		 * Runs `act`, then waits until the dashboard's `metric` reaches its next value;
		 * `record` names the record the action makes.
		 */
		const time = async (
			kind: Kind,
			metric: 'pageviews' | 'events',
			record: { type: string; path: string; name?: string },
			act: () => Promise<unknown>
		) => {
			const target = ++expected[metric];
			const update = owner.waitForFunction(
				([selector, n]) =>
					Number((document.querySelector(selector)?.textContent ?? '').replace(/\D/g, '')) >= n,
				[`[data-metric="${metric}"] dd.value`, target] as const,
				{ polling: 'raf', timeout: 60_000 }
			);
			const start = clock();
			await act();
			await update;
			const end = clock();
			total.get(kind)!.push(end - start);
			const key = keyOf(record);
			const proxied = arrived.get(key);
			const pushed = await owner.evaluate(
				(k) => (window as unknown as { pushed: Record<string, number> }).pushed[k],
				key
			);
			if (!proxied?.answered || !pushed) return;
			const times = [start, proxied.ts, proxied.at, proxied.answered, pushed, end];
			PARTS.forEach((_, i) => parts.get(kind)![i].push(times[i + 1] - times[i]));
		};

		// Clicks are made in the page (`element.click()`), so that a time starts at the
		// click, not at Playwright's actionability checks before it (100–400 ms here).
		const click = (selector: string) =>
			page.evaluate((s) => document.querySelector<HTMLElement>(s)!.click(), selector);
		const at = (path: string) => ({ type: 'pageview', path: `/bench/${v}/${path}` });
		const event = (name: string) => ({ type: 'event', path: `/bench/${v}/c`, name });

		/** The page-load steps of the pageview just timed (see the header). */
		const loaded = async (kind: Kind, path: string) => {
			// No function is declared inside: tsx would wrap it in a helper the page lacks.
			const marks = await page.evaluate(() => {
				const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
				const [loader, core] = ['/couchstats.js', '/couchstats-core.js'].map(
					(name) =>
						performance
							.getEntriesByType('resource')
							.find((e) => new URL(e.name).pathname === name) as PerformanceResourceTiming
				);
				return [
					performance.timeOrigin,
					nav.responseEnd,
					loader?.responseEnd,
					core?.startTime,
					core?.responseEnd
				];
			});
			const made = arrived.get(keyOf(at(path)))?.ts;
			if (marks.some((m) => m === undefined) || made === undefined) return;
			const times = [0, ...marks.slice(1), made - marks[0]];
			const list = loads.get(kind) ?? LOAD_STEPS.map(() => [] as number[]);
			LOAD_STEPS.forEach((_, i) => list[i].push(times[i + 1] - times[i]));
			loads.set(kind, list);
		};
		await time('first pageview', 'pageviews', at('a'), () => page.goto(`${siteUrl}/bench/${v}/a`));
		await loaded('first pageview', 'a');
		await time('pageview by link', 'pageviews', at('b'), () =>
			Promise.all([page.waitForURL(`**/bench/${v}/b`), click('a')])
		);
		await loaded('pageview by link', 'b');
		// A reader takes a moment before clicking; automatic capture loads after `load`.
		await page.waitForFunction(() => 'couchstatsDeferred' in window);
		await time('client-side navigation', 'pageviews', at('c'), () => click('#spa'));
		await time('CTA click', 'events', event('cta'), () => click('[data-track]'));
		await time('custom event', 'events', event('signup'), () => click('#signup'));
		await page.close();
		await context.close();
	}
	// The last visit's closing request may still be on its way.
	await new Promise((resolve) => setTimeout(resolve, 1000));

	for (const [metric, n] of Object.entries(expected)) {
		const now = await shown(owner, metric);
		if (now !== n) throw new Error(`the dashboard shows ${now} ${metric}, not ${n}`);
	}
	const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
	console.log(
		`bench:live — ${visits} visits, tracker with default settings (standalone script on another origin), built app, embedded store`
	);
	console.log('action → dashboard shows the change:');
	for (const kind of KINDS) console.log('  ' + summary(kind, total.get(kind)!));
	const steps = [
		'action → record made (page and tracker load)',
		'record made → its request reaches the proxy (tracker)',
		'request → the ingest has answered it (validate, store)',
		'answered → live stream pushes it (_changes, follower, SSE)',
		'push → dashboard shows it (re-read, render)'
	];
	steps.forEach((step, i) => {
		console.log(step + ':');
		for (const kind of KINDS) {
			const list = parts.get(kind)![i];
			if (list.length) console.log('  ' + summary(kind, list));
		}
	});
	LOAD_STEPS.forEach((step, i) => {
		console.log(`page load: ${step}:`);
		for (const [kind, list] of loads) console.log('  ' + summary(kind, list[i]));
	});
	const perVisit = Array.from({ length: visits }, (_, v) => requests.get(v) ?? {});
	const of = (method?: string) =>
		perVisit.map((c) =>
			Object.entries(c).reduce((n, [m, k]) => n + (!method || m === method ? k : 0), 0)
		);
	console.log(
		`requests to the ingest per visit (3 pageviews, 2 events, close): mean ${mean(of()).toFixed(1)} ` +
			`(GET ${mean(of('GET')).toFixed(1)}, POST ${mean(of('POST')).toFixed(1)}), ` +
			`min ${Math.min(...of())}, max ${Math.max(...of())}`
	);
	const missed = KINDS.filter((kind) => {
		const sorted = [...total.get(kind)!].sort((a, b) => a - b);
		return percentile(sorted, 50) > 1000 || percentile(sorted, 95) > 2000;
	});
	console.log(
		missed.length
			? `targets (p50 ≤ 1 s, p95 ≤ 2 s) missed by: ${missed.join(', ')}`
			: 'targets (p50 ≤ 1 s, p95 ≤ 2 s) met by every kind'
	);
} finally {
	site.close();
	proxy.close();
	await visitorBrowser.close();
	await ownerBrowser.close();
	await app.stop();
}
