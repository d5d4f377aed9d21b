/**
 * The suite's own `test` (fixtures.ts): the contexts a test leaves open, in Playwright's
 * browser and in one the spec launched, are closed once it ends; those a hook opened
 * before it are left to their hook.
 */
import type { Browser, BrowserContext } from '@playwright/test';
import { launchVisitorBrowser } from '../support/browser';
import { expect, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

let visitorBrowser: Browser;
let kept: BrowserContext;
const left: BrowserContext[] = [];
const closed = new Set<BrowserContext>();

test.beforeAll(async ({ browser }) => {
	visitorBrowser = await launchVisitorBrowser();
	kept = await browser.newContext();
});
test.afterAll(async () => {
	await kept?.close();
	await visitorBrowser?.close();
});

test('a test opens contexts and leaves them open', async ({ browser }) => {
	for (const opened of [await browser.newContext(), await visitorBrowser.newContext()]) {
		opened.once('close', () => closed.add(opened));
		await opened.newPage();
		left.push(opened);
	}
	expect(closed.size).toBe(0);
});

test('the contexts it left are closed once it ended, not the one its hook opened', async ({
	browser
}) => {
	expect(left).toHaveLength(2);
	expect(left.filter((context) => closed.has(context))).toEqual(left);
	expect(browser.contexts()).toContain(kept);
	expect(visitorBrowser.contexts()).toEqual([]);
});
