/**
 * What the tracker specs share: an app of their own (restartable, automation allowed)
 * with the visitors' browser, started and stopped per spec file ({@link useTrackedApp}),
 * pages that load the standalone script with chosen `data-*` attributes, and reads of
 * the records that reached CouchDB.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import nano from 'nano';
import type { ClientRecord, StoredRecord } from '../../src/lib/records';
import { startApp, tempDir, type RunningApp } from '../support/app';
import {
	CHROME_UA,
	keepFakeClock,
	launchChromium,
	launchVisitorBrowser,
	standalonePage
} from '../support/browser';
import { test } from './fixtures';

// The specs import these from here, with the rest of what they share.
export {
	CHROME_UA,
	emulateFocus,
	keepFakeClock,
	launchVisitorBrowser,
	standalonePage
} from '../support/browser';

/**
 * The visitors' browser with the back/forward cache on: Playwright launches Chromium
 * with `--disable-back-forward-cache`, so without this no page is ever restored from it.
 */
export function launchBfcacheBrowser(userAgent = CHROME_UA): Promise<Browser> {
	return launchChromium([`--user-agent=${userAgent}`], {
		ignoreDefaultArgs: ['--disable-back-forward-cache']
	});
}

/** Starts the built app with the tracker allowed in automated browsers. */
export function startTrackedApp(
	options: { dataDir?: string; port?: number } = {}
): Promise<RunningApp> {
	return startApp({
		dataDir: options.dataDir ?? tempDir('couchstats-tracker-e2e-'),
		port: options.port,
		env: { PUBLIC_COUCHSTATS_ALLOW_AUTOMATION: '1' }
	});
}

/** What {@link useTrackedApp} starts for a spec file. */
export interface TrackedSpec {
	app: RunningApp;
	/** The visitors' browser (see launchVisitorBrowser): their records are not a bot's. */
	visitorBrowser: Browser;
}

/**
 * Gives a spec file its own tracked app and visitors' browser: started before its first
 * test and handed to `hold`, the app's last output printed after a failed test, both
 * stopped after the last test.
 * @param current The app to print and stop, for a spec that restarts it; default the
 *   one started.
 */
export function useTrackedApp(
	hold: (started: TrackedSpec) => void,
	current?: () => RunningApp | undefined
): void {
	let started: Partial<TrackedSpec> = {};
	const app = () => current?.() ?? started.app;
	test.beforeAll(async () => {
		started = { app: await startTrackedApp() };
		started.visitorBrowser = await launchVisitorBrowser();
		hold(started as TrackedSpec);
	});
	// Playwright requires the fixtures argument to be a destructuring pattern.
	// eslint-disable-next-line no-empty-pattern
	test.afterEach(async ({}, info) => {
		if (info.status !== info.expectedStatus) console.log(app()?.output().slice(-4000));
	});
	test.afterAll(async () => {
		await started.visitorBrowser?.close();
		await app()?.stop();
	});
}

/** Every record stored in the app's events database (design docs left out). */
export async function storedRecords(app: RunningApp): Promise<StoredRecord[]> {
	const db = nano(app.couchUrl!.href).use<StoredRecord>(`${app.prefix}-events`);
	const { rows } = await db.list({ include_docs: true, conflicts: true });
	return rows.filter((r) => !r.id.startsWith('_design/')).map((r) => r.doc as StoredRecord);
}

/** Polls `storedRecords` until `done` holds (or gives up after `timeoutMs`), returning the last read. */
export async function waitForRecords(
	app: RunningApp,
	done: (records: StoredRecord[]) => boolean,
	timeoutMs = 30_000
): Promise<StoredRecord[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const records = await storedRecords(app);
		if (done(records) || Date.now() > deadline) return records;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/**
 * Opens a page of the app (a demo page) and waits until its tracker talks to the ingest
 * (its deferred part runs); `referer` sets where the visit came from.
 */
export async function visitPage(app: RunningApp, page: Page, path: string, referer?: string) {
	await Promise.all([
		page.waitForRequest((request) => request.url().includes('/api/ingest')),
		page.goto(`${app.url}${path}`, referer ? { referer } : {})
	]);
}

/**
 * Opens a page as {@link visitPage} does and waits until the ingest has stored its page
 * view, so that the visitor's context may close right after: a request still on its way
 * when its context closes is cut off, and under load the tracker's resend as the page
 * goes can be too (a flaky end-to-end test lost 1 page view in about 180 so).
 */
export async function visitStored(app: RunningApp, page: Page, path: string, referer?: string) {
	await Promise.all([
		page.waitForResponse((response) => {
			const body = response.request().postData() ?? '';
			return (
				response.url().includes('/api/ingest/_bulk_docs') &&
				response.ok() &&
				body.includes('"type":"pageview"') &&
				body.includes(`"path":${JSON.stringify(path)}`)
			);
		}),
		visitPage(app, page, path, referer)
	]);
}

/**
 * A visit that converts, in a fresh context of the visitors' browser: the home page,
 * pricing, its call to action (`cta-start`), then away; resolves once all three are stored.
 */
export async function convertingVisit(app: RunningApp, visitorBrowser: Browser): Promise<void> {
	const visitor = await (await visitorBrowser.newContext()).newPage();
	await visitPage(app, visitor, '/');
	await visitPage(app, visitor, '/pricing');
	await visitor.getByRole('button', { name: 'Start now' }).click();
	await visitor.goto('about:blank');
	await waitForRecords(
		app,
		(records) =>
			records.filter((r) => r.type === 'pageview').length >= 2 &&
			records.some((r) => r.type === 'event' && r.name === 'cta-start')
	);
}

/** Serves {@link standalonePage} at every path starting with `prefix` on the app's origin. */
export async function routeStandalonePage(
	context: BrowserContext,
	app: RunningApp,
	prefix: string,
	attributes: Record<string, string> = {},
	body?: string
): Promise<void> {
	const pageOrigin = new URL(app.url).origin;
	const matches = (url: URL) => url.origin === pageOrigin && url.pathname.startsWith(prefix);
	const html = standalonePage(app, attributes, body);
	await context.route(matches, (route) => route.fulfill({ contentType: 'text/html', body: html }));
}

/**
 * Holds back the tracker core's script for the context's pages (those whose address
 * contains `on`) until the function returned is called. A page left meanwhile cancels
 * its request, which is then no longer the route's to continue.
 */
export function holdCore(context: BrowserContext, on = ''): Promise<() => void> {
	return holdScript(context, 'couchstats-core.js', on);
}

/** Holds back the tracker's script `file` as {@link holdCore} holds back the core's. */
export async function holdScript(
	context: BrowserContext,
	file: string,
	on = ''
): Promise<() => void> {
	let release = () => {};
	const held = new Promise<void>((resolve) => (release = resolve));
	await context.route(`**/${file}`, async (route) => {
		if (route.request().frame().url().includes(on)) await held;
		await route.continue().catch(() => {});
	});
	return release;
}

/** Fires an event from the page's tracker (`couchstats.track(name, props)`). */
export function trackEvent(page: Page, name: string, props: object = {}): Promise<void> {
	return page.evaluate(
		([name, props]) =>
			(window as unknown as { couchstats: { track(n: string, p: object): void } }).couchstats.track(
				name,
				props
			),
		[name, props] as const
	);
}

/** What the page's tracker says waits to be delivered (`couchstats.pending()`). */
export function pending(page: Page): Promise<ClientRecord[]> {
	return page.evaluate(() =>
		(
			window as unknown as { couchstats: { pending(): Promise<ClientRecord[]> } }
		).couchstats.pending()
	);
}

/** Counts records by `_id` (a map of id → how many stored copies: always 1 in CouchDB). */
export function ids(records: readonly { _id: string }[]): Set<string> {
	return new Set(records.map((r) => r._id));
}

/**
 * Scripts the visibility of the context's pages: they start hidden, and
 * `window.__setVisible(v)` shows or hides them (firing `visibilitychange`);
 * `document.hasFocus()` answers `focused`.
 */
export async function scriptVisibility(context: BrowserContext, focused = true): Promise<void> {
	await context.addInitScript((focused) => {
		let visible = false;
		Object.defineProperty(Document.prototype, 'visibilityState', {
			configurable: true,
			get: () => (visible ? 'visible' : 'hidden')
		});
		Document.prototype.hasFocus = () => focused;
		(window as unknown as { __setVisible(v: boolean): void }).__setVisible = (v: boolean) => {
			visible = v;
			document.dispatchEvent(new Event('visibilitychange'));
		};
	}, focused);
}

/**
 * A context for the tracker core under a fake clock (Playwright `page.clock`): the
 * deferred part (PouchDB, whose IndexedDB versioning reads the clock too) blocked, the
 * ingest taking the fake clock as right ({@link keepFakeClock}), pages that start hidden
 * with scripted visibility and the given focus ({@link scriptVisibility}), and the
 * standalone page, with `body`, at every path under `prefix`.
 */
export async function scriptedContext(
	browser: Browser,
	app: RunningApp,
	focused: boolean,
	prefix: string,
	body?: string
): Promise<BrowserContext> {
	const context = await browser.newContext({ userAgent: CHROME_UA });
	await context.route('**/couchstats-deferred.js', (route) => route.abort());
	// The server's clock would correct the fake time back to now.
	await keepFakeClock(context);
	await scriptVisibility(context, focused);
	await routeStandalonePage(context, app, prefix, {}, body);
	return context;
}

/** Shows or hides a page whose context has {@link scriptVisibility}. */
export function setVisible(page: Page, visible: boolean): Promise<void> {
	return page.evaluate(
		(v) => (window as unknown as { __setVisible(v: boolean): void }).__setVisible(v),
		visible
	);
}
