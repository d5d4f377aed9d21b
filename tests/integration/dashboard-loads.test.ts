/**
 * A dashboard's reads on the built app. The page's load reads every section but
 * journeys and paths; its route group's layout reads those two, which walk many rows,
 * and re-runs only when their own query parameters change. A live push re-reads the
 * page's part through `/api/v1/dashboard?part=live` (the viewer's Refresh the layout's,
 * `part=walks`), which answers what the load answers, as JSON, with the Stats API's
 * access rules. Owner dashboard and share link alike.
 */
import { TRACKER_FILES } from '../../src/lib/tracker-files.js';
import { unflatten } from 'devalue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { enableShareLink } from '../../src/lib/server/accounts/site-admin';
import { oneOfEach } from '../support/ingest-records';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { indexed, postLogin, sendThroughIngest, startApp } from './harness';

/** One server load's answer in `__data.json`. */
interface DataNode {
	type: 'data' | 'skip';
	data?: unknown[];
	uses?: { dependencies?: string[]; search_params?: string[]; url?: 1 };
}

let app: RunningApp;
let cookie = '';
let secret = '';

beforeAll(async () => {
	app = await startApp();
	const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
	expect(login.status).toBe(303);
	cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const couch = createCouch(app.couchUrl!, app.prefix);
	secret = await enableShareLink(couch, admin, 'demo');
	// Something to count in the last 7 days: a session with one record of each type,
	// through the ingest as a browser sends it.
	const sent = await sendThroughIngest(app.url, oneOfEach(Date.now() - 60_000));
	expect(sent.status, await sent.text()).toBe(201);
	await indexed(couch);
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

const QUERY = 'range=7d&journey=%2F&step=%2F';

/** The page's server loads, as the client asks for them on a navigation. */
async function nodes(path: string, query = QUERY): Promise<DataNode[]> {
	const res = await fetch(`${app.url}${path}/__data.json?${query}`, { headers: { cookie } });
	expect(res.status, await res.clone().text()).toBe(200);
	const body = (await res.json()) as { type: string; nodes: (DataNode | null)[] };
	expect(body.type).toBe('data');
	return body.nodes.map((node) => node ?? { type: 'skip' });
}

/** A node's data, as the page gets it. */
function dataOf(node: DataNode): Record<string, Record<string, unknown>> {
	return node.type === 'data' ? (unflatten(node.data!) as Record<string, never>) : {};
}

/** A live re-read of the dashboard, as the page asks for it. */
async function reread(query: string, credentials: { cookie?: string } = { cookie }) {
	const res = await fetch(`${app.url}/api/v1/dashboard?${query}`, { headers: credentials });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Everything but the time it was read. */
const withoutReadAt = ({ readAt, ...rest }: Record<string, unknown>) => (
	expect(readAt).toEqual(expect.any(Number)),
	rest
);

/** A page's load without what only a load has: the sequence its live stream starts from. */
const withoutSeq = ({ seq, ...rest }: Record<string, unknown>) => (
	expect(seq).toEqual(expect.any(String)),
	rest
);

describe.each([
	['the owner dashboard', () => '/sites/demo', () => 'site=demo'],
	['a share link’s dashboard', () => `/share/${secret}`, () => `site=demo&share=${secret}`]
])('%s', (_name, path, credentials) => {
	test('a live re-read answers what the page’s load read, and the Refresh what the layout’s read', async () => {
		const loads = (await nodes(path())).map(dataOf);
		const page = loads.find((data) => data.dashboard)!.dashboard;
		const layout = loads.find((data) => data.walks)!.walks;
		expect(Object.keys(page)).toEqual(expect.arrayContaining(['totals', 'activeNow']));
		expect(Object.keys(page)).not.toContain('journeys');
		expect(Object.keys(layout)).toEqual(expect.arrayContaining(['journeys', 'paths']));
		expect(page.totals).toMatchObject({ ok: true, value: { pageviews: 1, visitors: 1 } });

		// The same numbers through JSON as through the page's own data, nothing left out
		// (the active sessions' latest records when asked: after the stream's `missed`).
		const live = await reread(`${credentials()}&part=live&latest=1&${QUERY}`);
		expect(live.status).toBe(200);
		expect(withoutReadAt(live.body)).toEqual(withoutReadAt(withoutSeq(page)));
		const walks = await reread(`${credentials()}&part=walks&${QUERY}`);
		expect(walks.status).toBe(200);
		expect(withoutReadAt(walks.body)).toEqual(withoutReadAt(withoutSeq(layout)));
	});

	test('a details page’s live re-read answers what its load read: the same rows, offset and search kept', async () => {
		const query = 'range=7d&search=%2F&offset=0';
		const loads = (await nodes(`${path()}/breakdown/pages`, query)).map(dataOf);
		const details = loads.find((data) => data.dashboard)!.dashboard;
		expect(details.breakdowns).toMatchObject({ ok: true, value: { pages: [{ pageviews: 1 }] } });
		expect(details.totalRows).toMatchObject({ ok: true, value: { pages: 1 } });
		const live = await reread(`${credentials()}&part=details&breakdown=pages&${query}`);
		expect(live.status).toBe(200);
		expect(withoutReadAt(live.body)).toEqual(withoutReadAt(withoutSeq(details)));
	});

	test('a range with no records reads the same through JSON: no number JSON cannot carry', async () => {
		const empty = 'range=custom&from=2020-01-01&to=2020-01-07&tz=UTC';
		const loads = (await nodes(path(), empty)).map(dataOf);
		const page = loads.find((data) => data.dashboard)!.dashboard;
		expect(page.totals).toMatchObject({ ok: true, value: { pageviews: 0, visitors: 0 } });
		const live = await reread(`${credentials()}&part=live&latest=1&${empty}`);
		expect(withoutReadAt(live.body)).toEqual(withoutReadAt(withoutSeq(page)));
	});

	test('journeys and paths are read again when their own query parameters change', async () => {
		const first = await nodes(path());
		const walks = first.find((n) => Object.keys(dataOf(n)).includes('walks'))!;
		expect(walks.uses?.search_params).toEqual(
			expect.arrayContaining(['range', 'journey', 'step', 'page', 'source'])
		);
		// ...and choosing a journey page or a path's step re-runs not the page's load.
		const live = first.find((n) => Object.keys(dataOf(n)).includes('dashboard'))!;
		expect(live.uses?.url).toBeUndefined();
		expect(live.uses?.search_params).not.toContain('journey');
		expect(live.uses?.search_params).not.toContain('step');
	});
});

test('a live re-read follows the Stats API’s access rules and says what it needs', async () => {
	const anonymous = await reread(`site=demo&part=live`, {});
	expect(anonymous.status).toBe(401);
	const otherSite = await reread(`site=other-site&share=${secret}&part=live`, {});
	expect(otherSite).toEqual({
		status: 403,
		body: {
			error: 'forbidden',
			message:
				'this share link does not open site "other-site" (a link opens its own site only, until it is replaced or turned off)'
		}
	});
	const noPart = await reread(`site=demo`);
	expect(noPart).toEqual({
		status: 400,
		body: { error: 'bad_request', message: 'part must be live, walks or details' }
	});
	// A range the page cannot read is the page's own message, as on the page.
	const badZone = await reread(`site=demo&part=live&tz=Mars/Olympus`);
	expect(badZone.status).toBe(200);
	expect(badZone.body.problem).toMatch(/time zone/);
});

test('a share link’s details page reads its own site’s tables only, and refuses what its dashboard does not show', async () => {
	// Its page: the secret names the site; a site in the query is no way to another's.
	const page = await fetch(`${app.url}/share/${secret}/breakdown/pages?range=7d&site=other-site`);
	expect(page.status).toBe(200);
	expect(page.headers.get('cache-control')).toBe('private, no-store');
	expect(page.headers.get('referrer-policy')).toBe('no-referrer');
	const loads = (await (
		await fetch(`${app.url}/share/${secret}/breakdown/pages/__data.json?range=7d&site=other-site`)
	).json()) as { nodes: (DataNode | null)[] };
	const details = loads.nodes
		.map((n) => dataOf(n ?? { type: 'skip' }))
		.find((d) => d.dashboard)!.dashboard;
	expect(details.site).toMatchObject({ id: 'demo' });
	for (const path of [
		`/share/${secret}/breakdown/constructor`,
		`/share/${secret}/breakdown/timeline`,
		`/share/shr_${'x'.repeat(32)}/breakdown/pages`
	]) {
		expect((await fetch(`${app.url}${path}`)).status, path).toBe(404);
	}
	// Its live re-read: the Stats API's access rules, and a table the dashboard shows.
	const otherSite = await reread(
		`site=other-site&share=${secret}&part=details&breakdown=pages`,
		{}
	);
	expect(otherSite.status).toBe(403);
	for (const breakdown of ['', 'constructor', '__proto__', 'timeline']) {
		const refused = await reread(
			`site=demo&share=${secret}&part=details&breakdown=${breakdown}`,
			{}
		);
		expect(refused).toEqual({
			status: 400,
			body: { error: 'bad_request', message: 'breakdown must name a table of the dashboard' }
		});
	}
});

test("an owner's pages are neither cached nor framed, and no answer is sniffed", async () => {
	// An outside review: /sites/… went without Cache-Control, and no page refused framing.
	for (const path of ['/sites/demo', '/sites/demo/settings', '/sites/demo/sessions']) {
		const res = await fetch(`${app.url}${path}`, { headers: { cookie } });
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('private, no-store');
		expect(res.headers.get('x-frame-options')).toBe('DENY');
		// The pages' whole policy (svelte.config.js): the app's own scripts only.
		const policy = res.headers.get('content-security-policy');
		expect(policy).toMatch(/frame-ancestors 'none'/);
		expect(policy).toMatch(/script-src 'self' 'nonce-[^']+'(;|$)/);
	}
	// The static files adapter-node serves before the app sees the request too (an
	// outside review found them bare).
	const statics = ['/standalone-demo.html', '/couchstats.js', '/robots.txt', '/_app/version.json'];
	for (const path of ['/', '/login', '/stats', '/api/v1/stats?site=demo', ...statics]) {
		const res = await fetch(`${app.url}${path}`);
		if (statics.includes(path)) expect(res.status, path).toBe(200);
		expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
		expect(res.headers.get('x-frame-options'), path).toBe('DENY');
		expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
		expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
	}
	// The tracker's files say how long a browser may keep them (an outside probe: without a
	// Cache-Control, browsers guessed, and kept an older tracker for days after an upgrade).
	for (const file of Object.values(TRACKER_FILES)) {
		const res = await fetch(`${app.url}/${file}?v=1`);
		expect(res.status, file).toBe(200);
		expect(res.headers.get('cache-control'), file).toBe('public, max-age=3600');
	}
	expect((await fetch(`${app.url}/robots.txt`)).headers.get('cache-control')).toBeNull();
});

test('an address with a control character is a 400 that quotes none back', async () => {
	// An outside probe: `?tz=%00`, `/funnels?funnel=%00` and `/sites?q=%00` put a NUL raw
	// into the page's HTML, a parse error browsers read as U+FFFD.
	const pages = [
		'/sites?q=%00',
		'/sites/demo?tz=%00',
		'/sites/demo/funnels?funnel=%00',
		'/sites/demo/sessions?page=/a%0Ab',
		`/share/${secret}?tz=%1F`,
		'/sites/demo/settings?x%7F=1',
		'/sites/de%00mo'
	];
	for (const path of pages) {
		const res = await fetch(`${app.url}${path}`, { headers: { cookie } });
		const body = await res.text();
		expect(res.status, path).toBe(400);
		expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
		expect(body, path).toMatch(/control character \(U\+00(?:[01][0-9A-F]|7F)\)/);
		// eslint-disable-next-line no-control-regex -- what the page must not hold
		expect(body, path).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
	}
	// The demo site's pages are a website visitors land on by any link, mangled or not.
	const landing = await fetch(`${app.url}/pricing?utm_source=x%01y&utm_campaign=%00`);
	expect(landing.status).toBe(200);
	for (const path of ['/api/v1/stats?site=demo&tz=%00', '/sites/demo/__data.json?tz=%00']) {
		const res = await fetch(`${app.url}${path}`, { headers: { cookie } });
		expect(res.status, path).toBe(400);
		expect(await res.json(), path).toMatchObject({
			message: expect.stringContaining('control character (U+0000)')
		});
	}
});

test('a write to the API, with or without Origin, is a 405 in its JSON shape, not the form refusal', async () => {
	// An outside probe: a script's DELETE with a Bearer token and no Origin was told its
	// "form was sent from a page that did not say where it was"; with one, a plain-text 405.
	const tries: [string, string, Record<string, string>][] = [
		['DELETE', '/api/v1/stats?site=demo', { authorization: 'Bearer cs_none' }],
		['POST', '/api/v1/funnels?site=demo', { origin: app.url }],
		['PUT', '/api/v1/records?site=demo', { cookie }],
		['OPTIONS', '/api/v1/stats?site=demo', { origin: 'http://elsewhere.example' }]
	];
	for (const [method, path, headers] of tries) {
		const res = await fetch(`${app.url}${path}`, { method, headers });
		expect(res.status, `${method} ${path}`).toBe(405);
		expect(res.headers.get('allow')).toBe('GET, HEAD');
		expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
	}
	// A write to the app's pages still meets the CSRF rule.
	const form = await fetch(`${app.url}/logout`, { method: 'POST', headers: { cookie } });
	expect(form.status).toBe(403);
});
