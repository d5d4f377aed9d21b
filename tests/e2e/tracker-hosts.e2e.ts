/**
 * One site on several hosts, in real Chromium (an outside probe: a buyer from Google across
 * `www.`, `shop.` and a checkout host was 3 visitors and 3 sessions, the owner's own hosts
 * were the top sources, and the purchase funnel read 0 %). The pages come from a small
 * server of the test, which answers by the `Host` header; Chromium resolves every `.test`
 * name to it (`--host-resolver-rules`). The links between hosts carry the hand-off
 * (src/lib/tracker/handoff.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { PageviewRecord, StoredRecord } from '../../src/lib/records';
import { createCouch } from '../../src/lib/server/couch';
import { siteRecord, type SiteRecord } from '../../src/lib/server/accounts/sites';
import { createToken, withToken } from '../../src/lib/server/accounts/tokens';
import { browserMark, HANDOFF_MS } from '../../src/lib/tracker/handoff';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { CHROME_UA, launchVisitorBrowser, useTrackedApp, waitForRecords } from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
useTrackedApp((started) => ({ app } = started));

const SITE = 'biz';
const token = createToken('hosts e2e');
let pages: http.Server;
let port: number;
let visitors: Browser;

/** The address of `path` on `host`, served by the test's page server. */
const at = (host: string, path = '/') => `http://${host}:${port}${path}`;

test.beforeAll(async () => {
	const sites = createCouch(app.couchUrl!, app.prefix).sites;
	const steps = ['/product/widget', '/cart', '/pay', '/thank-you'];
	const site = siteRecord(
		{
			id: SITE,
			name: 'One business',
			hostnames: ['www.example.test', 'shop.example.test', 'checkout.pay.test'],
			timeZone: 'UTC'
		},
		[],
		Date.now()
	);
	const funnel = { id: 'buy', name: 'buy', steps: steps.map((path) => ({ kind: 'page', path })) };
	const record = { ...site, funnels: [funnel] } as SiteRecord;
	await sites.insert(withToken(record, token.token));
	let hosts: Record<string, Record<string, string>> = {};
	pages = http.createServer((req, res) => {
		const host = (req.headers.host ?? '').replace(/:\d+$/, '');
		const body = hosts[host]?.[(req.url ?? '/').split('?')[0]];
		res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
		res.end(body ?? 'not found');
	});
	const wanted = Number(process.env.COUCHSTATS_E2E_PORT ?? 0);
	await new Promise<void>((resolve) =>
		pages.listen(wanted ? wanted + 1 : 0, '127.0.0.1', () => resolve())
	);
	port = (pages.address() as AddressInfo).port;
	const page = (title: string, body: string) =>
		`<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>` +
		`<script defer data-site="${SITE}" data-allow-automation="true" src="${app.url}/couchstats.js"></script>` +
		`</head><body><h1>${title}</h1>${body}</body></html>`;
	hosts = {
		'www.example.test': {
			'/': page('Home', `<a id="shop" href="${at('shop.example.test')}">Shop</a>`)
		},
		'shop.example.test': {
			'/': page('Shop', '<a id="product" href="/product/widget">Widget</a>'),
			'/product/widget': page('Widget', '<a id="cart" href="/cart">Add to cart</a>'),
			'/cart': page(
				'Cart',
				`<a id="pay" href="${at('checkout.pay.test', '/pay?order=42')}">Pay</a>`
			),
			'/thank-you': page('Thanks', '<p>Paid.</p>')
		},
		'checkout.pay.test': {
			'/pay': page(
				'Pay',
				`<a id="confirm" href="${at('shop.example.test', '/thank-you?order=42')}">Confirm</a>`
			)
		}
	};
	visitors = await launchVisitorBrowser(CHROME_UA, ['--host-resolver-rules=MAP *.test 127.0.0.1']);
});

test.afterAll(async () => {
	await visitors?.close();
	await new Promise((resolve) => pages?.close(resolve));
});

/**
 * Waits until the page's tracker has arrived, has nothing left to send and knows the
 * site's hosts (from the ingest's answer: a link followed before has no hand-off).
 */
async function settled(page: Page) {
	await page.waitForFunction(() => localStorage.getItem('couchstats:hosts:biz'));
	await page.waitForFunction(
		async () => {
			const c = (window as { couchstats?: { q?: unknown; pending?: () => Promise<unknown[]> } })
				.couchstats;
			return !!c && !c.q && !!c.pending && (await c.pending()).length == 0;
		},
		null,
		{ polling: 100 }
	);
}

/** Follows the link `selector` and waits for the next page's tracker to settle. */
async function follow(page: Page, selector: string) {
	await Promise.all([page.waitForEvent('load'), page.click(selector)]);
	await settled(page);
}

const views = (records: StoredRecord[]) =>
	records.filter((r): r is PageviewRecord & StoredRecord => r.site == SITE && r.type == 'pageview');

test("a buyer who follows links across the site's hosts is one visitor in one session from Google, and the funnel across them converts", async () => {
	const page = await (await visitors.newContext()).newPage();
	await page.goto(at('www.example.test'), { referer: 'https://www.google.com/' });
	await settled(page);
	await follow(page, '#shop');
	// The landing page removed the hand-off from the address bar.
	expect(page.url()).toBe(at('shop.example.test'));
	await follow(page, '#product');
	await follow(page, '#cart');
	await follow(page, '#pay');
	expect(page.url()).toBe(at('checkout.pay.test', '/pay?order=42'));
	await follow(page, '#confirm');
	const records = await waitForRecords(app, (r) => views(r).length >= 6);
	const walk = views(records).sort((a, b) => a.ts - b.ts);
	// `/` of the shop is another page than `/` of www, though both read `/` (pages are
	// paths: README, "One site on several hosts"): a page view of its own, from `/`.
	expect(walk.map((r) => [r.path, r.from ?? null, !!r.entry, !!r.revisit])).toEqual([
		['/', null, true, false],
		['/', '/', false, false],
		['/product/widget', '/', false, false],
		['/cart', '/product/widget', false, false],
		['/pay', '/cart', false, false],
		['/thank-you', '/pay', false, false]
	]);
	expect(new Set(walk.map((r) => r.vid)).size).toBe(1);
	expect(new Set(walk.map((r) => r.sid)).size).toBe(1);
	expect(new Set(walk.map((r) => r.src))).toEqual(new Set(['google.com']));
	expect(walk.filter((r) => r.entry).map((r) => r.path)).toEqual(['/']);

	const funnel = await fetch(`${app.url}/api/v1/funnels?site=${SITE}&funnel=buy&range=today`, {
		headers: { authorization: `Bearer ${token.secret}` }
	}).then((r) => r.json());
	expect(funnel.steps.map((s: { sessions: number }) => s.sessions)).toEqual([1, 1, 1, 1]);
	const stats = await fetch(`${app.url}/api/v1/stats?site=${SITE}&range=today`, {
		headers: { authorization: `Bearer ${token.secret}` }
	}).then((r) => r.json());
	expect([stats.totals.visitors, stats.totals.sessions]).toEqual([1, 1]);
	// Each record names its page's host, and the Hosts breakdown tells them apart: the one
	// visitor viewed all three, and the session started on www.
	expect(walk.map((r) => r.host)).toEqual([
		'www.example.test',
		'shop.example.test',
		'shop.example.test',
		'shop.example.test',
		'checkout.pay.test',
		'shop.example.test'
	]);
	expect(stats.breakdowns.hosts).toEqual([
		expect.objectContaining({ value: 'www.example.test', visitors: 1, sessions: 1 }),
		expect.objectContaining({ value: 'checkout.pay.test', visitors: 1, sessions: 0 }),
		expect.objectContaining({ value: 'shop.example.test', visitors: 1, sessions: 0 })
	]);
	// The owner's dashboard shows the Hosts widget (a site with one host has none).
	const owner = await ownerPage(visitors, app);
	await owner.goto(`${app.url}/sites/${SITE}?range=today`);
	const widget = owner.locator('section#hosts');
	await expect(widget.getByRole('heading', { name: 'Hosts' })).toBeVisible();
	await expect(widget.getByRole('row')).toHaveCount(4);
	await expect(widget).toContainText('checkout.pay.test');
	await owner.goto(`${app.url}/sites/demo?range=today`);
	await expect(owner.locator('section#pages')).toBeVisible();
	await expect(owner.locator('section#hosts')).toHaveCount(0);
});

test('a link with its hand-off, copied and opened after it expired, is a new visitor', async () => {
	const context = await visitors.newContext();
	const page = await context.newPage();
	await page.goto(at('www.example.test'));
	await settled(page);
	// The address the link had as the browser followed it, read by a listener of the window
	// added after the tracker's (the page's own listeners, before it, see none: below).
	const [copied, seenByPage] = await page.evaluate(() => {
		const link = document.querySelector<HTMLAnchorElement>('#shop')!;
		let [href, seen] = ['', ''];
		link.addEventListener('click', () => (seen = link.href), { once: true });
		window.addEventListener('click', (e) => ((href = link.href), e.preventDefault()), {
			once: true
		});
		link.click();
		return [href, seen];
	});
	expect(copied).toMatch(/#couchstats=/);
	expect(seenByPage).toBe(at('shop.example.test'));
	const sender = await page.evaluate(() => JSON.parse(localStorage['couchstats:visitor:biz']).id);
	// Another tab of this browser, the hand-off's time past: its clock runs ahead.
	const later = await visitors.newContext();
	await later.addInitScript((ahead) => {
		const now = Date.now;
		Date.now = () => now() + ahead;
	}, HANDOFF_MS + 60_000);
	const opened = await later.newPage();
	await opened.goto(copied, { referer: at('www.example.test') });
	await settled(opened);
	expect(opened.url()).toBe(at('shop.example.test'));
	const records = await waitForRecords(app, (r) =>
		views(r).some((v) => v.path == '/' && v.vid != sender && v.entry)
	);
	const landed = views(records).filter((v) => v.vid != sender && v.entry);
	expect(landed.length).toBeGreaterThan(0);
	expect(views(records).some((v) => v.vid == sender && v.ts > 0 && v.sid == landed[0].sid)).toBe(
		false
	);
});

test('a hand-off forged on a page elsewhere, whose page went before the ingest answered, is forgotten by the next page of the host', async () => {
	// A review: the page that took it kept in memory only that the ingest was still to
	// confirm it; the next page kept the forged visitor id, and its maker could read every
	// later record under it (the visitor endpoint).
	const context = await visitors.newContext();
	const page = await context.newPage();
	await page.goto(at('www.example.test'));
	const { userAgent, language } = await page.evaluate(() => ({
		userAgent: navigator.userAgent,
		language: navigator.language
	}));
	const t = Date.now();
	const forged = {
		v: { id: '019afa00-0000-7000-8000-0000000000f1' },
		s: {
			id: '019afa00-0000-7000-8000-0000000000f2',
			...{ last: t, pv: 1, ms: 0, ix: 0, m: [], pages: { '/x': t }, path: '/x', src: 'evil.test' }
		},
		t,
		b: browserMark({ userAgent, language } as Navigator)
	};
	// The shop's first page in this browser: its requests get no answer.
	await context.route('**/_bulk_docs', (route) => route.abort());
	const sent = page.waitForRequest('**/_bulk_docs');
	await page.goto(
		at('shop.example.test', '/#couchstats=' + encodeURIComponent(JSON.stringify(forged))),
		{
			referer: 'http://evil.test/'
		}
	);
	await sent;
	expect(await page.evaluate(() => JSON.parse(localStorage['couchstats:visitor:biz']).id)).toBe(
		forged.v.id
	);
	await context.unroute('**/_bulk_docs');
	// Its next pages, answered.
	await follow(page, '#product');
	expect(await page.evaluate(() => localStorage['couchstats:visitor:biz'] ?? '')).not.toContain(
		forged.v.id
	);
	await follow(page, '#cart');
	const records = await waitForRecords(app, (r) =>
		views(r).some((v) => v.path == '/cart' && v.ts >= t)
	);
	const cart = views(records).filter((v) => v.path == '/cart' && v.ts >= t);
	expect(cart.map((v) => v.vid == forged.v.id)).toEqual([false]);
});
