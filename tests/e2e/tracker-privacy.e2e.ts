/**
 * Privacy: an opted-out visitor sends nothing, Global Privacy Control, automated browsers
 * and browsers that refuse site storage are skipped, and no cookie is ever set.
 */
import type { BrowserContext, Page, Request } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { addSite, ownerPage } from './owner-support';
import {
	CHROME_UA,
	launchVisitorBrowser,
	routeStandalonePage,
	standalonePage,
	startTrackedApp,
	storedRecords
} from './tracker-support';

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

/** Every request the context makes to the ingest that Playwright sees. */
function ingestRequests(context: BrowserContext): Request[] {
	const seen: Request[] = [];
	context.on('request', (r) => {
		if (new URL(r.url()).pathname.startsWith('/api/ingest')) seen.push(r);
	});
	return seen;
}

/** Loads two pages, clicks a tracked link, tracks an event and closes: a whole visit. */
async function visit(context: BrowserContext, prefix: string) {
	const page = await context.newPage();
	await page.goto(`${app.url}${prefix}1`);
	await page.waitForLoadState('networkidle');
	await page.evaluate(() =>
		(window as unknown as { couchstats: { track(n: string): void } }).couchstats.track('x')
	);
	await page.goto(`${app.url}${prefix}2`);
	await page.getByText('tracked').click();
	await page.waitForTimeout(500);
	await page.close();
}

const body = '<button data-track="cta">tracked</button>';

test('an opted-out visitor sends nothing, on this page or later ones', async ({ browser }) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/optout/', {}, body);
	const sent = ingestRequests(context);
	const page = await context.newPage();
	await page.goto(`${app.url}/optout/0`);
	// The tracker sends this page's view at once (issue 13), so it may have left before
	// the visitor opts out: opting out stops what comes after, it does not recall that.
	await page.evaluate(() =>
		(window as unknown as { couchstats: { optOut(): Promise<void> } }).couchstats.optOut()
	);
	const beforeOptOut = sent.length;
	await page.getByText('tracked').click();
	await page.close();
	await visit(context, '/optout/');

	expect(sent.slice(beforeOptOut).map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
	const records = (await storedRecords(app)).filter((r) => r.path.startsWith('/optout/'));
	expect(records.filter((r) => !(r.path === '/optout/0' && r.type === 'pageview'))).toEqual([]);
	expect(await context.cookies()).toEqual([]);
	await context.close();
});

test('a browser sending Global Privacy Control is not tracked', async ({ browser }) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await context.addInitScript(() =>
		Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })
	);
	await routeStandalonePage(context, app, '/gpc/', {}, body);
	const sent = ingestRequests(context);
	await visit(context, '/gpc/');
	expect(sent).toEqual([]);
	// Nor as the pages closed (Playwright does not see keepalive requests).
	expect((await storedRecords(app)).filter((r) => r.path.startsWith('/gpc/'))).toEqual([]);
	expect(await context.cookies()).toEqual([]);
	await context.close();
});

for (const refusal of ['reading', 'writing'] as const) {
	test(`a browser that refuses site storage is not tracked: ${refusal} refused`, async ({
		browser
	}) => {
		// An outside review: a visitor who blocks the site's data was a new visitor, with a
		// bounced session, on every page; an outside re-check: so was one whose storage is
		// full (it reads, and refuses every write).
		const context = await browser.newContext({ userAgent: CHROME_UA });
		await context.addInitScript((refusal) => {
			if (refusal == 'reading') {
				Object.defineProperty(window, 'localStorage', {
					get: () => {
						throw new DOMException('The user denied access', 'SecurityError');
					}
				});
			} else {
				Storage.prototype.setItem = function (this: Storage, key: string) {
					if (this !== localStorage) return;
					throw new DOMException(`full: ${key}`, 'QuotaExceededError');
				};
			}
		}, refusal);
		const prefix = `/nostorage-${refusal}/`;
		await routeStandalonePage(context, app, prefix, {}, body);
		const sent = ingestRequests(context);
		await visit(context, prefix);
		expect(sent).toEqual([]);
		expect((await storedRecords(app)).filter((r) => r.path.startsWith(prefix))).toEqual([]);
		await context.close();
	});
}

test('a tracker its attributes stop says why, and answers calls instead of leaving them waiting', async ({
	browser
}) => {
	// An outside review: with a bad attribute, a page awaiting couchstats.track() hung.
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/bad/', { 'data-site': 'Not A Site!' }, body);
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(`${app.url}/bad/1`);
	await expect
		.poll(() => errors)
		.toContain('couchstats: site must be a site id, got "Not A Site!"');
	const answer = await page.evaluate(() =>
		Promise.race([
			(window as unknown as { couchstats: { track(n: string): Promise<unknown> } }).couchstats
				.track('x')
				.then(() => 'answered'),
			new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000))
		])
	);
	expect(answer).toBe('answered');
	await context.close();
});

test('an automated browser is not tracked unless the site opts in', async ({ browser }) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/bot/', { 'data-allow-automation': 'false' }, body);
	const sent = ingestRequests(context);
	await visit(context, '/bot/');
	expect(sent).toEqual([]);
	expect((await storedRecords(app)).filter((r) => r.path.startsWith('/bot/'))).toEqual([]);
	await context.close();
});

test('a tracked visit sets no cookie, keeps only its ids, session and outbox, and erase() removes them', async ({
	browser
}) => {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await routeStandalonePage(context, app, '/cookies/', {}, body);
	const sent = ingestRequests(context);
	const page = await context.newPage();
	await page.goto(`${app.url}/cookies/1`);
	await page.waitForLoadState('networkidle');
	expect(await page.evaluate(() => document.cookie)).toBe('');
	// Only the tracker's ids, session, clock offset and site's time zone and host names (as
	// the ingest told them), and PouchDB's two keys for
	// cross-tab change notification: PouchDB writes `_pouch_couchstats` at its first write
	// to the outbox, which may come after the network is idle, so it may not be there yet.
	const kept = await page.evaluate(() => Object.keys(localStorage).sort());
	expect(kept).toEqual(
		expect.arrayContaining(['couchstats:session:demo', 'couchstats:visitor:demo'])
	);
	expect(
		kept.filter(
			(key) =>
				![
					'_pouch_check_localstorage',
					'_pouch_couchstats',
					'couchstats:depth:demo',
					'couchstats:hosts:demo',
					'couchstats:offset',
					'couchstats:session:demo',
					'couchstats:visitor:demo',
					'couchstats:zone:demo'
				].includes(key)
		)
	).toEqual([]);
	await page.evaluate(() =>
		(window as unknown as { couchstats: { erase(): Promise<void> } }).couchstats.erase()
	);
	expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
	expect(
		await page.evaluate(() => indexedDB.databases().then((dbs) => dbs.map((d) => d.name)))
	).toEqual([]);
	await page.close();
	// The same visit without opting out does reach the ingest, so the tests above can fail.
	expect(sent.length).toBeGreaterThan(0);
	expect(sent.every((r) => r.headers()['cookie'] === undefined)).toBe(true);
	expect(await context.cookies()).toEqual([]);
	await context.close();
});

/** The names of the IndexedDB databases `page`'s origin holds. */
function databases(page: Page): Promise<string[]> {
	return page.evaluate(() => indexedDB.databases().then((dbs) => dbs.map((d) => d.name!).sort()));
}

test('on a plain http site, erase() removes the outbox lock’s database too', async ({
	browser
}) => {
	// Plain http has no Web Locks: the outbox's uses take turns through a database of
	// their own, couchstats-lock, which erase() left behind, empty.
	const server = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(standalonePage(app, { 'data-site': 'plain' }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	// 127.0.0.1 is a secure context (Web Locks); erase.test, a name for it, is not.
	const visitors = await launchVisitorBrowser(CHROME_UA, [
		'--host-resolver-rules=MAP erase.test 127.0.0.1'
	]);
	const admin = await ownerPage(browser, app);
	try {
		await addSite(admin, app.url, { id: 'plain', name: 'plain', hosts: 'erase.test' });
		const page = await (await visitors.newContext({ userAgent: CHROME_UA })).newPage();
		await page.goto(`http://erase.test:${port}/erase`);
		expect(await page.evaluate(() => isSecureContext || 'locks' in navigator)).toBe(false);
		// The outbox opens after load, in idle time, under the lock.
		await expect.poll(() => databases(page), { timeout: 15_000 }).toContain('couchstats-lock');
		const erased = await page.evaluate(() =>
			(
				window as unknown as { couchstats: { erase(): Promise<{ error?: string }> } }
			).couchstats.erase()
		);
		expect(erased.error).toBeUndefined();
		await expect.poll(() => databases(page)).toEqual([]);
	} finally {
		await visitors.close();
		await admin.context().close();
		server.close();
	}
});
