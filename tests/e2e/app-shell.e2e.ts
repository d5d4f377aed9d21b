/**
 * The app shell, wherever the app is reached. The app runs as `npm start` runs it, with
 * ORIGIN left to its default (`http://localhost:PORT`): a new owner logs in at
 * 127.0.0.1 and at localhost, lands on the sites list, switches sites from the header
 * (by mouse and by keyboard) and logs out from the dashboard. A form posted from
 * another site, or from another name that resolves to this machine (DNS rebinding),
 * is refused with a page that says why, and changes nothing.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { launchChromium } from '../support/browser';
import { startApp, type RunningApp } from '../support/app';
import { addSite, logIn, postFromAnotherSite, submitLogin } from './owner-support';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const OWNER = { name: 'olivia', password: 'olivia-password' };

let app: RunningApp;
let localhost = '';
test.beforeAll(async ({ browser }) => {
	// ORIGIN unset: scripts/serve.js picks its default, as under `npm start`.
	app = await startApp({ env: { ORIGIN: undefined } });
	localhost = `http://localhost:${app.port}`;
	const admin = await (await browser.newContext()).newPage();
	await logIn(admin, localhost, app.adminName, 'test-admin-password');
	await addSite(admin, localhost, { id: 'alpha', name: 'Alpha site' }, OWNER);
	await addSite(admin, localhost, { id: 'beta', name: 'Beta site' }, { name: OWNER.name });
	await admin.context().close();
});
// Playwright requires the fixtures argument to be a destructuring pattern.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, info) => {
	if (info.status !== info.expectedStatus) console.log(app.output().slice(-4000));
});
test.afterAll(async () => {
	await app?.stop();
});

/** The header's site switcher and the links it opens onto. */
const switcher = (page: Page) => page.getByRole('banner').locator('summary');
const menuLink = (page: Page, name: string) =>
	page.getByRole('banner').getByRole('link', { name, exact: true });

for (const host of ['127.0.0.1', 'localhost']) {
	test(`a new owner logs in at ${host}, lands on the sites list, switches sites from the header and logs out from the dashboard`, async ({
		browser
	}) => {
		const origin = `http://${host}:${app.port}`;
		const page = await (await browser.newContext()).newPage();
		await logIn(page, origin, OWNER.name, OWNER.password);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your sites');
		const header = page.getByRole('banner');
		await expect(header).toContainText(OWNER.name);
		await expect(page.getByRole('main')).toHaveCount(1);

		// The first Tab stop skips the header.
		await page.keyboard.press('Tab');
		await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(page.getByRole('main')).toBeFocused();

		// By mouse: the switcher lists the owner's two sites and all sites.
		await switcher(page).click();
		await expect(header.getByRole('listitem')).toHaveText(['Alpha site', 'Beta site', 'All sites']);
		await menuLink(page, 'Alpha site').click();
		await page.waitForURL(`${origin}/sites/alpha`);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Alpha site');
		await expect(menuLink(page, 'Beta site')).toBeHidden();
		await expect(menuLink(page, 'Dashboard')).toHaveAttribute('aria-current', 'page');

		// By keyboard, from the settings page: Escape closes, Enter follows a link, and
		// the other site opens on the same page.
		await menuLink(page, 'Settings').click();
		await page.waitForURL(`${origin}/sites/alpha/settings`);
		await switcher(page).focus();
		await page.keyboard.press('Enter');
		await expect(menuLink(page, 'Beta site')).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(menuLink(page, 'Beta site')).toBeHidden();
		await expect(switcher(page)).toBeFocused();
		// The focus leaving the open menu closes it (it would hide what is focused next).
		await page.keyboard.press('Enter');
		await expect(menuLink(page, 'Beta site')).toBeVisible();
		await page.keyboard.press('Shift+Tab');
		await expect(menuLink(page, 'Beta site')).toBeHidden();
		await switcher(page).focus();
		await page.keyboard.press('Enter');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Tab');
		await expect(menuLink(page, 'Beta site')).toBeFocused();
		await page.keyboard.press('Enter');
		await page.waitForURL(`${origin}/sites/beta/settings`);
		await expect(page.getByRole('heading', { level: 1 })).toContainText('Beta site');

		await menuLink(page, 'Dashboard').click();
		await page.waitForURL(`${origin}/sites/beta`);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Beta site');
		await header.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL(`${origin}/login`);
		await page.goto(`${origin}/sites/beta`);
		await page.waitForURL(`${origin}/login?redirectTo=%2Fsites%2Fbeta`);
		await page.context().close();
	});
}

test('an address the page cannot read is said to be one, not a page not found', async ({
	browser
}) => {
	const page = await (await browser.newContext()).newPage();
	await logIn(page, localhost, OWNER.name, OWNER.password);
	// A timeline's place in a session that no page of it gave.
	const sid = '019af0de-0000-7000-8000-000000000000';
	const response = await page.goto(`${localhost}/sites/alpha/sessions/${sid}?after=zz`);
	expect(response?.status()).toBe(400);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('This address cannot be read');
	await expect(page).toHaveTitle(/^This address cannot be read · /);
	await expect(page.getByRole('alert')).toContainText('after is not one this API returned');
	// Another refusal is not said to be the address's (review41): a form posted to a page
	// that takes none.
	await page.evaluate((action) => {
		const form = Object.assign(document.createElement('form'), { method: 'post', action });
		document.body.append(form);
		form.submit();
	}, `${localhost}/sites/alpha/sessions`);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(
		'This request was not carried out'
	);
	await expect(page.getByText('Error 405')).toBeVisible();
	await page.context().close();
});

test('a form posted from another site is refused with a page that says why, and logs nobody in', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	const response = await postFromAnotherSite(page, `${localhost}/login`, OWNER);
	expect(response.status()).toBe(403);
	expect(response.headers()['content-type']).toContain('text/html');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(
		'This request was not carried out'
	);
	await expect(
		page.getByText('Refused: this form was sent from a page of http://evil.test,')
	).toBeVisible();
	expect(await context.cookies()).toEqual([]);
	await context.close();
});

test('a name that merely resolves to this machine cannot log in (DNS rebinding): the app says why on its error page', async () => {
	// An attacker's domain pointed at 127.0.0.1, as DNS rebinding would.
	const rebound = await launchChromium(['--host-resolver-rules=MAP rebound.test 127.0.0.1']);
	try {
		const context = await rebound.newContext();
		const page = await context.newPage();
		const origin = `http://rebound.test:${app.port}`;
		await submitLogin(page, origin, OWNER.name, OWNER.password);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not allowed');
		await expect(page.getByRole('alert')).toContainText(
			`Refused: this form was sent from a page of ${origin}, not from couchstats itself (${localhost}).`
		);
		await expect(page.getByText('Unexpected token')).toHaveCount(0);
		expect(page.url()).toBe(`${origin}/login`);
		expect(await context.cookies()).toEqual([]);
	} finally {
		await rebound.close();
	}
});
