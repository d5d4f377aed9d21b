/**
 * `npm run bench:sites` — how long the sites list (`/sites`) takes to load in the BUILT
 * app (`npm run build` first) for an admin who sees a handful of sites, then hundreds.
 * The sites are written straight into the sites database (no records: each site's
 * numbers are the dashboard's read of "Today", a few view queries whatever they hold).
 * For each size it loads the page once to warm up, then `--loads` times one after
 * another, and prints p50 and max of the whole answer (the HTML with the page's data),
 * for the first page and, when there is one, the last. Then the same for a site's
 * dashboard (the last site made: past the header switcher's first sites), and for the
 * sites layout's data alone on that page (`__data.json` asking for that node only:
 * the switcher's read), with its size; and, where the app has it, the switcher's search
 * (`/sites/switcher.json`).
 *
 * Usage: npm run bench:sites -- [--sites 5,300] [--loads 10] [--port N]
 */
import { parseArgs } from 'node:util';
import { createCouch } from '../src/lib/server/couch';
import { siteRecord } from '../src/lib/server/accounts/sites';
import { ADMIN_PASSWORD, startApp } from '../tests/support/app';
import { externalCouchUrl, removeRunData } from '../tests/support/test-couch';

const { values } = parseArgs({
	options: {
		sites: { type: 'string', default: '5,300' },
		loads: { type: 'string', default: '10' },
		port: { type: 'string' }
	}
});
const sizes = values.sites.split(',').map(Number);
const loads = Number(values.loads);

const app = await startApp(values.port ? { port: Number(values.port) } : {});
try {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const login = await fetch(`${app.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ name: app.adminName, password: ADMIN_PASSWORD })
	});
	const cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	// The demo site is one of them.
	let made = 1;
	for (const size of sizes) {
		const docs = [];
		for (; made < size; made++) {
			const id = siteId(made);
			docs.push(
				siteRecord(
					{ id, name: `Site ${made}`, hostnames: [`${id}.example`], timeZone: 'UTC' },
					[app.adminName],
					Date.now()
				)
			);
		}
		if (docs.length) await couch.sites.bulk({ docs });
		const first = await timeLoads(`${app.url}/sites`, cookie);
		const pages = pagesOf(first.html);
		const last = pages > 1 ? await timeLoads(`${app.url}/sites?page=${pages}`, cookie) : undefined;
		console.log(
			`${size} sites: /sites p50 ${first.p50} ms, max ${first.max} ms` +
				(last ? `; /sites?page=${pages} p50 ${last.p50} ms, max ${last.max} ms` : '') +
				` (${loads} loads, ${first.bytes} bytes)`
		);
		const site = `/sites/${made > 1 ? siteId(made - 1) : 'demo'}`;
		const dashboard = await timeLoads(`${app.url}${site}`, cookie);
		// Nodes: the root layout, the sites layout, the dashboard's layout, the page.
		const layout = await timeLoads(
			`${app.url}${site}/__data.json?x-sveltekit-invalidated=01`,
			cookie
		);
		const probe = await fetch(`${app.url}/sites/switcher.json?q=site-0`, { headers: { cookie } });
		await probe.body?.cancel();
		const search =
			probe.status === 200
				? await timeLoads(`${app.url}/sites/switcher.json?q=site-0`, cookie)
				: undefined;
		console.log(
			`${size} sites: ${site} p50 ${dashboard.p50} ms, max ${dashboard.max} ms (${dashboard.bytes} bytes);` +
				` its sites layout's data p50 ${layout.p50} ms, max ${layout.max} ms (${layout.bytes} bytes)` +
				(search
					? `; switcher search p50 ${search.p50} ms, max ${search.max} ms (${search.bytes} bytes)`
					: '')
		);
	}
} finally {
	await app.stop();
	if (externalCouchUrl) await removeRunData(externalCouchUrl);
}

/** Loads `url` once to warm up, then {@link loads} times; p50 (nearest rank) and max in ms. */
async function timeLoads(url: string, cookie: string) {
	let html = '';
	const times: number[] = [];
	for (let i = 0; i <= loads; i++) {
		const started = performance.now();
		const res = await fetch(url, { headers: { cookie } });
		html = await res.text();
		if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
		if (i > 0) times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	const p50 = Math.round(times[Math.ceil(times.length / 2) - 1]);
	return { p50, max: Math.round(times.at(-1)!), html, bytes: html.length };
}

/** The number of pages the list says it has ("Page 2 of 7"); 1 without a pager. */
function pagesOf(html: string): number {
	return Number(/Page \d+ of (\d+)/.exec(html)?.[1] ?? 1);
}

/** The id of the `n`th site the bench makes: site-0001 … */
function siteId(n: number): string {
	return `site-${String(n).padStart(4, '0')}`;
}
