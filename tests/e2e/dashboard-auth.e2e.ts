/**
 * Who sees a dashboard: anonymous requests get 401 from the API and a redirect to the
 * login page from dashboard pages; an owner of site A gets 403 on site B, from the
 * page, the API and the live stream; a share link shows only its site, read-only,
 * and stops working when it is turned off.
 */
import { request as http, type Browser, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { testAccount } from '../support/test-couch';
import { startTrackedApp } from './tracker-support';
import { perAttempt } from './attempt';

test.describe.configure({ mode: 'serial', timeout: 90_000 });

let app: RunningApp;
test.beforeAll(async () => {
	app = await startTrackedApp();
});
test.afterAll(async () => {
	await app?.stop();
});

async function logIn(browser: Browser, name: string, password: string): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await page.goto(`${app.url}/login`);
	await page.getByLabel('Account name').fill(name);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL(`${app.url}/sites`);
	return page;
}

async function createSite(admin: Page, id: string, name: string) {
	await admin.goto(`${app.url}/sites`);
	await admin.getByLabel('Id (used in URLs and the snippet)').fill(id);
	await admin.getByLabel('Name', { exact: true }).fill(name);
	await admin.getByLabel('Host names (comma or space separated)').fill(`${id}.example`);
	await admin.getByLabel('Time zone').selectOption('Europe/Paris');
	await admin.getByRole('button', { name: 'Add site' }).click();
	await admin.waitForURL(`${app.url}/sites/${id}/settings`);
}

let shareUrl = '';
/**
 * An owner's account: CouchDB's `_users` outlives the run, so on an external server a name
 * of the run's own, and outlives a failed attempt, so each attempt's own.
 */
const ownerA = () => testAccount(perAttempt('owner-a'));

test('anonymous requests get 401 from the Stats API and the live stream, and a redirect from dashboards', async () => {
	const anonymous = await http.newContext({ baseURL: app.url, maxRedirects: 0 });
	for (const path of [
		'/api/v1/stats?site=demo',
		'/api/v1/stats/export?site=demo&breakdown=pages',
		'/api/v1/live?site=alpha'
	]) {
		expect((await anonymous.get(path)).status(), path).toBe(401);
	}
	const page = await anonymous.get('/sites/demo?range=30d');
	expect(page.status()).toBe(303);
	expect(page.headers().location).toBe('/login?redirectTo=%2Fsites%2Fdemo%3Frange%3D30d');
	await anonymous.dispose();
});

test('an owner of site A reads A and gets 403 on site B from the page, the API and the live stream', async ({
	browser
}) => {
	const admin = await logIn(browser, app.adminName, 'test-admin-password');
	await createSite(admin, 'alpha', 'Alpha site');
	// The settings page holds all a site owner needs: both snippets, every attribute.
	const snippets = admin.locator('pre code');
	await expect(snippets.first()).toHaveText(
		`<script defer data-site="alpha" data-time-zone="Europe/Paris" src="${app.url}/couchstats.js"></script>`
	);
	await expect(snippets.nth(1)).toContainText("import Analytics from '@couchstats/tracker/svelte'");
	await expect(snippets.nth(1)).toContainText('notFound={page.status === 404}');
	await expect(admin.locator('dl.attributes')).toContainText('data-allow-automation="true"');
	await expect(admin.locator('dl.attributes')).toContainText('data-hash-routing');
	await admin.getByLabel('Account name').fill(ownerA());
	await admin.getByLabel('Password for a new account').fill('owner-a-password');
	await admin.getByRole('button', { name: 'Add owner' }).click();
	await expect(admin.getByText(`Added owner ${ownerA()}.`)).toBeVisible();
	await createSite(admin, 'beta', 'Beta site');

	const owner = await logIn(browser, ownerA(), 'owner-a-password');
	await owner.goto(`${app.url}/sites/alpha`);
	await expect(owner.getByRole('heading', { level: 1 })).toHaveText('Alpha site');
	await expect(owner.getByRole('link', { name: 'Settings' })).toBeVisible();
	await expect(
		owner
			.locator('#pages')
			.getByText('No pageviews in this range yet. Add the snippet from Settings to your pages.')
	).toBeVisible();
	// The demo site is the app's own pages, tracked already: its empty range says so
	// instead, or, once it has records (earlier tests' visits), where they begin (an
	// outside review read "Add the snippet" on a site whose records were in another range).
	const empty = `${app.url}/sites/demo?range=custom&from=2020-01-01&to=2020-01-01`;
	await admin.goto(empty);
	const { trackingSince } = (await (
		await admin.request.get(`${app.url}/api/v1/stats?site=demo&from=2020-01-01&to=2020-01-01`)
	).json()) as { trackingSince: string | null };
	await expect(admin.locator('#pages')).toContainText(
		`No pageviews in this range yet. ${
			trackingSince
				? `This site’s records begin on ${trackingSince.slice(0, 10)}.`
				: "Open the demo blog's pages to see them counted here."
		}`
	);

	// A range the Stats API refuses is explained on the page, with the picker still there.
	await owner.goto(`${app.url}/sites/alpha?range=today&tz=Mars/Olympus`);
	await expect(owner.getByRole('alert')).toContainText(
		'tz "Mars/Olympus" is not an IANA time zone like Europe/Paris'
	);
	await expect(owner.getByLabel('Time zone')).toHaveValue('Europe/Paris');
	await owner.goto(`${app.url}/sites/alpha?range=custom&from=2026-13-01&to=2026-11-01`);
	await expect(owner.getByRole('alert')).toContainText('from "2026-13-01" is not a date');

	const page = await owner.goto(`${app.url}/sites/beta`);
	expect(page?.status()).toBe(403);
	await expect(owner.getByText('Beta site')).toHaveCount(0);
	const api = owner.context().request;
	expect((await api.get(`${app.url}/api/v1/stats?site=beta`)).status()).toBe(403);
	expect((await api.get(`${app.url}/api/v1/live?site=beta`)).status()).toBe(403);
	expect((await api.get(`${app.url}/api/v1/stats?site=alpha`)).status()).toBe(200);

	// A site that does not exist looks the same to a non-admin as one they cannot read.
	expect((await owner.goto(`${app.url}/sites/gamma`))?.status()).toBe(403);
	expect((await admin.goto(`${app.url}/sites/gamma`))?.status()).toBe(404);

	await admin.goto(`${app.url}/sites/alpha/settings`);
	await admin.getByRole('button', { name: 'Create a share link' }).click();
	shareUrl = (await admin.getByRole('link', { name: /\/share\/shr_/ }).textContent())!.trim();
	expect(shareUrl).toMatch(/\/share\/shr_[A-Za-z0-9_-]{32}$/);
});

test('a share link shows only its own site, read-only, and stops working when turned off', async ({
	browser
}) => {
	const visitor = await (await browser.newContext()).newPage();
	const response = await visitor.goto(`${shareUrl}?site=beta&range=today`);
	expect(response?.status()).toBe(200);
	await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Alpha site');
	await expect(visitor.getByText('Read-only view shared by the site')).toBeVisible();
	// Its header names the product and the site, and nothing that needs an account.
	await expect(visitor.getByRole('banner')).toContainText('couchstats');
	await expect(visitor.getByRole('banner')).toContainText('Alpha site');
	await expect(visitor.getByRole('button', { name: 'Log out' })).toHaveCount(0);
	await expect(visitor.getByRole('link', { name: 'Settings' })).toHaveCount(0);
	await expect(visitor.locator('a[href^="/sites"]')).toHaveCount(0);
	await expect(visitor.getByText('Live', { exact: true })).toBeVisible();

	const secret = shareUrl.split('/share/')[1];
	const api = visitor.context().request;
	expect((await api.get(`${app.url}/api/v1/live?site=beta&share=${secret}`)).status()).toBe(403);
	expect((await api.get(`${app.url}/sites/alpha`, { maxRedirects: 0 })).status()).toBe(303);

	const unknown = await visitor.goto(`${app.url}/share/shr_${'x'.repeat(32)}`);
	expect(unknown?.status()).toBe(404);

	const admin = await logIn(browser, app.adminName, 'test-admin-password');
	await admin.goto(`${app.url}/sites/alpha/settings`);
	await admin.getByRole('button', { name: 'Disable it' }).click();
	await expect(admin.getByText('Share link disabled.')).toBeVisible();
	expect((await visitor.goto(shareUrl))?.status()).toBe(404);
});

test('an owner invites an account, which sees site A only once it accepts the invitation on its sites list', async ({
	browser
}) => {
	const ownerB = testAccount(perAttempt('owner-b'));
	const admin = await logIn(browser, app.adminName, 'test-admin-password');
	await admin.goto(`${app.url}/sites/beta/settings`);
	await admin.getByLabel('Account name').fill(ownerB);
	await admin.getByLabel('Password for a new account').fill('owner-b-password');
	await admin.getByRole('button', { name: 'Add owner' }).click();
	await expect(admin.getByText(`Added owner ${ownerB}.`)).toBeVisible();

	// An owner (not an admin) invites: no password field, and the same answer for any name.
	const owner = await logIn(browser, ownerA(), 'owner-a-password');
	await owner.goto(`${app.url}/sites/alpha/settings`);
	await expect(owner.getByLabel('Password for a new account')).toHaveCount(0);
	await owner.getByLabel('Account name').fill(ownerB);
	await owner.getByRole('button', { name: 'Invite owner' }).click();
	await expect(owner.getByText(`Invited ${ownerB}. The account becomes an owner`)).toBeVisible();
	await expect(
		owner.getByRole('button', { name: `Cancel the invitation of ${ownerB}` })
	).toBeVisible();

	const invited = await logIn(browser, ownerB, 'owner-b-password');
	// The site's id and owners, not its name, which any account could fill with a message.
	await expect(
		invited.getByText(`${app.adminName}, ${ownerA()} invite you to co-own the site alpha.`)
	).toBeVisible();
	await expect(invited.getByText('Alpha site')).toHaveCount(0);
	expect((await invited.goto(`${app.url}/sites/alpha`))?.status()).toBe(403);
	await invited.goto(`${app.url}/sites`);
	await invited.getByRole('button', { name: 'Accept the invitation to alpha' }).click();
	await expect(invited.getByText('You now own Alpha site (alpha).')).toBeVisible();
	await expect(invited.getByRole('link', { name: 'Alpha site', exact: true })).toBeVisible();
	await expect(invited.getByRole('heading', { name: 'Invitations' })).toHaveCount(0);
	await invited.getByRole('link', { name: 'Alpha site', exact: true }).click();
	await expect(invited.getByRole('heading', { level: 1 })).toHaveText('Alpha site');

	await owner.reload();
	await expect(owner.getByRole('button', { name: `Remove the owner ${ownerB}` })).toBeVisible();
	await expect(owner.getByText('Invited, not accepted yet:')).toHaveCount(0);
});
