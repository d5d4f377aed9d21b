/**
 * The `test` and `expect` every end-to-end spec imports (eslint.config.js holds them to
 * it): Playwright's, with an automatic fixture that closes, as each test ends, every
 * browser context the test opened and left open, in Playwright's `browser` and in those
 * a spec launched (tests/support/browser.ts `launchChromium`). A context left open kept
 * its pages running for the rest of the run: a dashboard's live stream reconnecting to
 * the app, its timers and trackers loading a 2-core machine the later specs run on.
 * Contexts opened before the test (in `beforeAll`) are their hooks' to close.
 */
import { test as base, type BrowserContext } from '@playwright/test';
import { launchedBrowsers } from '../support/browser';

export { expect } from '@playwright/test';

export const test = base.extend<{ closeContexts: void }>({
	closeContexts: [
		async ({ browser }, use) => {
			const open = () =>
				[browser, ...launchedBrowsers()].flatMap((b) => (b.isConnected() ? b.contexts() : []));
			const before = new Set<BrowserContext>(open());
			await use();
			const left = open().filter((context) => !before.has(context));
			// A browser the test closed meanwhile took its contexts with it.
			await Promise.all(left.map((context) => context.close().catch(() => {})));
		},
		{ auto: true }
	]
});
