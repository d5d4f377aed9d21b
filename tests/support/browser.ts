/**
 * The browser side the Playwright specs and the benchmarks share (no spec, no
 * `playwright.config.ts` imported): Debian's Chromium, the browsers a spec launches
 * besides Playwright's (each known until it closes, so that the suite's `test` can close
 * the contexts a test left open in them: tests/e2e/fixtures.ts), a visitor's browser, and
 * the plain page that loads the standalone tracker from an app.
 */
import {
	chromium,
	type Browser,
	type BrowserContext,
	type LaunchOptions,
	type Page
} from '@playwright/test';
import type { RunningApp } from './app';
import { CHROME_UA } from './ingest-records';
import { NOW_HEADER } from '../../src/lib/records';

export { CHROME_UA };

/** Debian's Chromium (`npx playwright install` cannot download browsers here). */
export const chromiumLaunch = {
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-component-update',
		'--no-first-run',
		'--disable-sync',
		'--disable-quic'
	]
};

/** The browsers {@link launchChromium} launched that are still connected. */
const launched = new Set<Browser>();

/**
 * Launches Debian's Chromium with {@link chromiumLaunch}'s flags and `args` (and other
 * `options`), known to {@link launchedBrowsers} until it closes.
 */
export async function launchChromium(
	args: string[] = [],
	options: Omit<LaunchOptions, 'args' | 'executablePath'> = {}
): Promise<Browser> {
	const browser = await chromium.launch({
		...chromiumLaunch,
		...options,
		args: [...chromiumLaunch.args, ...args]
	});
	launched.add(browser);
	browser.on('disconnected', () => launched.delete(browser));
	return browser;
}

/** The browsers {@link launchChromium} launched that are still connected. */
export function launchedBrowsers(): Browser[] {
	return [...launched];
}

/**
 * A browser for visitors whose every request carries `userAgent` (default a desktop
 * Chrome's): a context-level override does not reach the `keepalive` requests
 * Chromium sends while a page unloads, and the ingest would flag those as a headless
 * browser's. `args`: more Chromium flags.
 */
export function launchVisitorBrowser(userAgent = CHROME_UA, args: string[] = []): Promise<Browser> {
	return launchChromium([`--user-agent=${userAgent}`, ...args]);
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

/** Makes the page count as focused in headless Chromium (engaged time needs focus). */
export async function emulateFocus(page: Page): Promise<void> {
	const session = await page.context().newCDPSession(page);
	await session.send('Emulation.setFocusEmulationEnabled', { enabled: true });
}

/**
 * Makes the ingest take the fake clock of a context's pages (Playwright's `clock`) as
 * right, so that records keep the times a test gave them: the tracker starts on an
 * offset of 0 and never learns another (its pages cannot read the server's clock,
 * `NOW_HEADER`, from the ingest's answers), and its requests go without `sent`, so the
 * ingest has nothing to tell it the clock is wrong (it moves records by their request's
 * lag when that contradicts the offset, which would move them to the real now). Both
 * happen in the page: a request routed here could leave unchanged as its page closes.
 */
export async function keepFakeClock(context: BrowserContext): Promise<void> {
	await context.addInitScript((hidden) => {
		localStorage.setItem('couchstats:offset', '0');
		const get = Headers.prototype.get;
		Headers.prototype.get = function (name: string) {
			return name.toLowerCase() === hidden ? null : get.call(this, name);
		};
		const fetch = window.fetch;
		window.fetch = (input, init) => {
			if (String(input).endsWith('/_bulk_docs') && typeof init?.body === 'string') {
				const body = JSON.parse(init.body) as { sent?: number };
				delete body.sent;
				init = { ...init, body: JSON.stringify(body) };
			}
			return fetch.call(window, input, init);
		};
	}, NOW_HEADER.toLowerCase());
}
