import { expect, test } from '@playwright/test';

test('the home page loads in Chromium and the health check reports CouchDB OK', async ({
	page,
	request
}) => {
	const response = await page.goto('/');
	expect(response?.status()).toBe(200);
	await expect(page.locator('body')).not.toBeEmpty();
	const health = await request.get('/healthz');
	expect(health.status()).toBe(200);
	expect(await health.json()).toEqual({ ok: true, couchdb: 'ok' });
});

test('an owner logs in with the admin password and a wrong password is refused clearly', async ({
	page
}) => {
	await page.goto('/login');
	await page.getByLabel('Account name').fill('admin');
	await page.getByLabel('Password').fill('not-the-password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toHaveText('Wrong account name or password.');

	await page.getByLabel('Password').fill('e2e-admin-password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL('/');
	await page.goto('/login');
	await expect(page.getByText('You are logged in as admin')).toBeVisible();
});
