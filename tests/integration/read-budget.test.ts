/**
 * The read budget in the BUILT app, over HTTP: one reader (here an API token) has at
 * most READS_AT_ONCE reads running; the next is answered 429 with `Retry-After` at once,
 * before it reads anything, while another reader reads on. The app runs against the
 * suite's CouchDB through a proxy that holds view reads while the test says so, so the
 * reads stay running for as long as the test needs. (How the budget of read time is
 * spent and paid back: src/lib/server/read-budget.test.ts, on a fake clock.)
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, inject, test, vi } from 'vitest';
import type { RunningApp } from '../support/app';
import { forward, storeProxy, type StoreProxy } from '../support/store-proxy';
import { createCouch } from '../../src/lib/server/couch';
import { READS_AT_ONCE } from '../../src/lib/server/read-budget';
import { siteWithToken, startAppBehind, testAccount } from './harness';
import { hashToken } from '../../src/lib/server/accounts/tokens';

const store = new URL(inject('couchUrl'));
let proxy: StoreProxy;
let app: RunningApp;
let tokenA: string;
let tokenB: string;
/** View reads held by the proxy while `holding`. */
const held: [http.IncomingMessage, http.ServerResponse, Buffer][] = [];
let holding = false;

beforeAll(async () => {
	proxy = await storeProxy(store, (req, res, body) => {
		if (!holding || !req.url?.includes('-events/_design/stats/_view/')) return false;
		held.push([req, res, body]);
		return true;
	});
	app = await startAppBehind(proxy, testAccount('budget-owner'));
	const couch = createCouch(store, app.prefix);
	tokenA = await siteWithToken(couch, 'budgeta', 'Budget A');
	tokenB = await siteWithToken(couch, 'budgetb', 'Budget B');
	const site = await couch.sites.get('site:budgetb');
	await couch.sites.insert({ ...site, shareHash: hashToken(SHARE) });
});

/** The share link of site `budgetb`. */
const SHARE = 'shr_' + 'b'.repeat(32);

afterAll(async () => {
	holding = false;
	await app?.stop();
	await proxy?.close();
});

/** The held view reads whose URL or body holds `text` (a site, a key's date). */
const heldNaming = (text: string) =>
	held.filter(([req, , body]) =>
		(decodeURIComponent(req.url ?? '') + body.toString()).includes(text)
	);

const read = (site: string, token: string, range: string) =>
	fetch(`${app.url}/api/v1/stats?site=${site}&range=${range}`, {
		headers: { authorization: `Bearer ${token}` }
	});

test(`a reader's ${READS_AT_ONCE + 1}th read at once is told 429 with Retry-After before it reads anything, while another reader reads on`, async () => {
	// Each settles the view reads of the stats once, so that the held reads are the test's.
	expect((await read('budgeta', tokenA, 'today')).status).toBe(200);
	expect((await read('budgetb', tokenB, 'today')).status).toBe(200);
	holding = true;
	const running: Promise<Response>[] = [];
	for (const range of ['today', '7d', '30d', '12mo'].slice(0, READS_AT_ONCE)) {
		const before = held.length;
		running.push(read('budgeta', tokenA, range));
		await vi.waitFor(() => expect(held.length).toBeGreaterThan(before), { timeout: 20_000 });
	}
	// The refused read asks for a range none of the others reads, which its view reads
	// would name: the running reads' own view reads may still be arriving meanwhile.
	const refused = await read('budgeta', tokenA, 'custom&from=2001-01-01&to=2001-01-07');
	expect(refused.status).toBe(429);
	expect(refused.headers.get('retry-after')).toBe('1');
	expect(await refused.json()).toEqual({
		error: 'too_many_requests',
		message: 'too many reads with these credentials at once or in a short time; retry in 1 s'
	});
	expect(heldNaming('"2001-01')).toEqual([]);
	// Another token's read is not refused: it reaches the store like the running ones.
	const other = read('budgetb', tokenB, '7d');
	await vi.waitFor(() => expect(heldNaming('"budgetb"').length).toBeGreaterThan(0), {
		timeout: 20_000
	});
	holding = false;
	for (const [req, res, body] of held.splice(0)) forward(store, req, res, body);
	for (const res of [...(await Promise.all(running)), await other]) expect(res.status).toBe(200);
	// Its reads ended: the reader reads again.
	expect((await read('budgeta', tokenA, 'all')).status).toBe(200);
});

test("a share page past its budget is the app's error page, 429 with Retry-After, not plain text", async () => {
	// An outside re-check: 12 people behind one address opening a posted share link at
	// once got a line of plain text.
	expect((await fetch(`${app.url}/share/${SHARE}`)).status).toBe(200);
	holding = true;
	const page = () => fetch(`${app.url}/share/${SHARE}`, { headers: { accept: 'text/html' } });
	const running: Promise<Response>[] = [];
	for (let i = 0; i < READS_AT_ONCE; i++) {
		const before = held.length;
		running.push(page());
		await vi.waitFor(() => expect(held.length).toBeGreaterThan(before), { timeout: 20_000 });
	}
	const refused = await page();
	expect(refused.status).toBe(429);
	expect(refused.headers.get('retry-after')).toBe('1');
	expect(refused.headers.get('content-type')).toContain('text/html');
	expect(await refused.text()).toContain('retry in 1 s');
	// The page's data, which a client-side navigation reads, is refused as JSON.
	const data = await fetch(`${app.url}/share/${SHARE}/__data.json`);
	expect(data.status).toBe(429);
	expect(data.headers.get('content-type')).toContain('application/json');
	holding = false;
	for (const [req, res, body] of held.splice(0)) forward(store, req, res, body);
	for (const res of await Promise.all(running)) expect(res.status).toBe(200);
});
