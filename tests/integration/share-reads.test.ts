/**
 * Share links' readers against the site owners, in the BUILT app over HTTP (an outside
 * probe: share-link readers at several addresses slowed the owners' dashboards). The app
 * runs against the suite's store through a proxy that holds the stats' view reads while
 * the test says so, and tells which site each read is for:
 * - a reader who leaves ends the app's reads of the store made for it (store-dispatch.ts);
 * - share links' reads, from any number of addresses, run a few at once
 *   (PUBLIC_READS_AT_ONCE) and the next wait their turn, while an owner's read goes to the
 *   store at once (read-budget.ts).
 */
import { afterAll, afterEach, beforeAll, expect, inject, test, vi } from 'vitest';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { forward, storeProxy, type StoreProxy } from '../support/store-proxy';
import { createCouch } from '../../src/lib/server/couch';
import { PUBLIC_READS_AT_ONCE } from '../../src/lib/server/read-budget';
import { hashToken } from '../../src/lib/server/accounts/tokens';
import { sessionCookie, siteWithToken, startAppBehind, testAccount } from './harness';

const store = new URL(inject('couchUrl'));
let proxy: StoreProxy;
let app: RunningApp;
let owner: string;

/** A view read the proxy holds: the site it is for, and whether its connection closed. */
interface Held {
	site: string;
	closed: boolean;
	release: () => void;
}
const held: Held[] = [];
let holding = false;

/** The sites with a share link, one per reader, and their secrets. */
const SITES = Array.from({ length: PUBLIC_READS_AT_ONCE + 2 }, (_, i) => `line${i}`);
const secretOf = (site: string) => 'shr_' + site.padEnd(32, 'x');

beforeAll(async () => {
	proxy = await storeProxy(store, (req, res, body) => {
		if (!holding || !req.url?.includes('-events/_design/stats/_view/')) return false;
		const asked = decodeURIComponent(req.url) + body.toString();
		const site = [...SITES, 'demo'].find((s) => asked.includes(`"${s}"`)) ?? '?';
		const read: Held = { site, closed: false, release: () => forward(store, req, res, body) };
		res.once('close', () => (read.closed = true));
		held.push(read);
		return true;
	});
	app = await startAppBehind(proxy, testAccount('lines-owner'), {
		ADDRESS_HEADER: 'x-forwarded-for',
		XFF_DEPTH: '1'
	});
	const couch = createCouch(store, app.prefix);
	for (const site of SITES) {
		await siteWithToken(couch, site, site);
		const doc = await couch.sites.get(`site:${site}`);
		await couch.sites.insert({ ...doc, shareHash: hashToken(secretOf(site)) });
	}
	owner = await sessionCookie(app.url, app.adminName, ADMIN_PASSWORD);
});

afterEach(() => {
	holding = false;
	for (const read of held.splice(0)) read.release();
});

afterAll(async () => {
	await app?.stop();
	await proxy?.close();
});

/** A share link's dashboard read, from an address of its own. */
function shareRead(site: string, signal?: AbortSignal): Promise<Response> {
	const at = SITES.indexOf(site) + 1;
	return fetch(
		`${app.url}/api/v1/dashboard?site=${site}&share=${secretOf(site)}&part=live&range=7d`,
		{
			headers: { 'x-forwarded-for': `192.0.2.${at}` },
			signal
		}
	);
}

/** The owner's dashboard read of the demo site. */
function ownerRead(): Promise<Response> {
	return fetch(`${app.url}/api/v1/dashboard?site=demo&part=live&range=7d`, {
		headers: { cookie: owner, 'x-forwarded-for': '198.51.100.1' }
	});
}

const heldFor = (site: string) => held.filter((read) => read.site === site);

test('a share reader who leaves ends the reads of the store made for it', async () => {
	// Settles the stats' view reads once, so that the held reads are the test's.
	expect((await shareRead(SITES[0])).status).toBe(200);
	holding = true;
	const reader = new AbortController();
	const read = shareRead(SITES[0], reader.signal).catch((e: unknown) => e);
	await vi.waitFor(() => expect(heldFor(SITES[0]).length).toBeGreaterThan(0), { timeout: 20_000 });
	reader.abort();
	expect(await read).toMatchObject({ name: 'AbortError' });
	// The app closes its requests to the store: the proxy sees each held one close.
	await vi.waitFor(() => expect(heldFor(SITES[0]).every((r) => r.closed)).toBe(true), {
		timeout: 20_000
	});
	expect(app.output()).not.toMatch(/Error|terminated|client_gone/);
});

test("share links' readers at many addresses wait their turn, while an owner's read goes to the store at once", async () => {
	for (const site of SITES) expect((await shareRead(site)).status).toBe(200);
	expect((await ownerRead()).status).toBe(200);
	holding = true;
	const first = SITES.slice(0, PUBLIC_READS_AT_ONCE);
	const next = SITES.slice(PUBLIC_READS_AT_ONCE);
	const reads = first.map((site) => shareRead(site));
	await vi.waitFor(() => expect(first.every((s) => heldFor(s).length > 0)).toBe(true), {
		timeout: 20_000
	});
	reads.push(...next.map((site) => shareRead(site)));
	const owners = ownerRead();
	await vi.waitFor(() => expect(heldFor('demo').length).toBeGreaterThan(0), { timeout: 20_000 });
	// The owner's read came after theirs and reached the store; theirs wait their turn.
	for (const site of next) expect(heldFor(site)).toEqual([]);
	// As reads end, the next take their turn, and all are answered.
	holding = false;
	for (const read of held.splice(0)) read.release();
	for (const res of [...(await Promise.all(reads)), await owners]) expect(res.status).toBe(200);
});
