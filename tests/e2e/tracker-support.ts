/**
 * What the tracker specs share: an app of their own (restartable, automation allowed),
 * pages that load the standalone script with chosen `data-*` attributes, and reads of
 * the records that reached CouchDB.
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import nano from 'nano';
import { chromiumLaunch } from '../../playwright.config';
import type { ClientRecord, StoredRecord } from '../../src/lib/records';
import { startApp, tempDir, type RunningApp } from '../helpers/app';

/** A desktop Chrome user agent, so the ingest counts records instead of flagging a bot. */
export const CHROME_UA =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * A browser for visitors whose every request carries `userAgent` (default a desktop
 * Chrome's): a context-level override does not reach the `keepalive` requests
 * Chromium sends while a page unloads, and the ingest would flag those as a headless
 * browser's. `args`: more Chromium flags.
 */
export function launchVisitorBrowser(userAgent = CHROME_UA, args: string[] = []): Promise<Browser> {
	return chromium.launch({
		...chromiumLaunch,
		args: [...chromiumLaunch.args, `--user-agent=${userAgent}`, ...args]
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
 * A plain HTML page that loads the standalone script from `app` with `attributes`
 * (`data-site="demo"` and automation allowed unless overridden).
 */
export function standalonePage(
	app: RunningApp,
	attributes: Record<string, string> = {},
	body = '<h1>Fixture</h1><p><a href="https://example.org/">out</a></p>'
): string {
	const attrs = Object.entries({
		'data-site': 'demo',
		'data-allow-automation': 'true',
		...attributes
	})
		.map(([k, v]) => `${k}="${v}"`)
		.join(' ');
	const src = new URL('/couchstats.js', app.url).href;
	return `<!doctype html><html><head><title>Fixture</title><script defer ${attrs} src="${src}"></script></head><body>${body}</body></html>`;
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

/** What the page's tracker says waits to be delivered (`couchstats.pending()`). */
export function pending(page: Page): Promise<ClientRecord[]> {
	return page.evaluate(() =>
		(
			window as unknown as { couchstats: { pending(): Promise<ClientRecord[]> } }
		).couchstats.pending()
	);
}

/** Makes the page count as focused in headless Chromium (engaged time needs focus). */
export async function emulateFocus(page: Page): Promise<void> {
	const session = await page.context().newCDPSession(page);
	await session.send('Emulation.setFocusEmulationEnabled', { enabled: true });
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

/** Shows or hides a page whose context has {@link scriptVisibility}. */
export function setVisible(page: Page, visible: boolean): Promise<void> {
	return page.evaluate(
		(v) => (window as unknown as { __setVisible(v: boolean): void }).__setVisible(v),
		visible
	);
}
