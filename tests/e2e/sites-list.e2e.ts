/**
 * The sites list in Chromium: "Add a site" starts at the browser's own time zone once
 * the page runs, under the name the list offers it by (Chromium says Asia/Calcutta), and
 * at UTC without JavaScript.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { addSite, logIn } from './owner-support';
import { webServerAdmin } from './web-server';

test.describe.configure({ mode: 'serial' });

/** The admin, logged in, on the sites list, in a browser whose zone is `timezoneId`. */
async function adminIn(browser: Browser, baseURL: string, timezoneId: string): Promise<Page> {
	const page = await (await browser.newContext({ timezoneId })).newPage();
	await logIn(page, baseURL, webServerAdmin.name, webServerAdmin.password);
	return page;
}

test('the new site’s time zone starts at the browser’s, under the name the list offers', async ({
	browser,
	baseURL
}) => {
	for (const [zone, offered] of [
		['Europe/Berlin', 'Europe/Berlin'],
		// Chromium's name for it; the list holds today's (an unlisted first option before).
		['Asia/Kolkata', 'Asia/Kolkata']
	]) {
		const page = await adminIn(browser, baseURL!, zone);
		await expect(page.getByLabel('Time zone')).toHaveValue(offered);
		await page.context().close();
	}
	// The site is made in that zone.
	const page = await adminIn(browser, baseURL!, 'Asia/Kolkata');
	await addSite(page, baseURL!, { id: 'zoned', name: 'Zoned site' });
	await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Kolkata');
	// Without JavaScript the server's UTC stays, and the form still works.
	const state = await page.context().storageState();
	const plain = await (
		await browser.newContext({
			timezoneId: 'Asia/Kolkata',
			javaScriptEnabled: false,
			storageState: state
		})
	).newPage();
	await plain.goto(`${baseURL}/sites`);
	await expect(plain.getByLabel('Time zone')).toHaveValue('UTC');
	await page.context().close();
	await plain.context().close();
});
