import { expect, test } from './fixtures';
import { webServerAdmin } from './web-server';

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
	await page.getByLabel('Account name').fill(webServerAdmin.name);
	await page.getByLabel('Password').fill('not-the-password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toHaveText('Wrong account name or password.');

	await page.getByLabel('Password').fill(webServerAdmin.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL('/sites');
	await page.goto('/login');
	await expect(page.getByText(`You are logged in as ${webServerAdmin.name}`)).toBeVisible();
});

test('while a login is on its way (the throttle may hold it for seconds), the form says so and keeps the keyboard in place', async ({
	page
}) => {
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/login**', async (route) => {
		if (route.request().method() === 'POST') await held;
		await route.continue();
	});
	await page.goto('/login');
	// Hydrated (as owner-support.ts waits for it), so the form posts as the enhanced form does:
	// a CI run pressed Enter on the server-rendered form, which navigated instead.
	await page.waitForLoadState('networkidle');
	// An account of its own, so that its failure counts against no other test's login.
	await page.getByLabel('Account name').fill('nobody-waits');
	await page.getByLabel('Password').fill('not-the-password');
	// From the keyboard: the busy button keeps the focus (a disabled one would drop it).
	await page.getByRole('button', { name: 'Log in' }).focus();
	await page.keyboard.press('Enter');
	const checking = page.getByRole('button', { name: 'Checking…' });
	await expect(checking).toBeDisabled();
	await expect(checking).toBeFocused();
	release();
	await expect(page.getByRole('alert')).toHaveText('Wrong account name or password.');
	await expect(page.getByRole('button', { name: 'Log in' })).toBeEnabled();
	// The keyboard is back on the password, which says what was wrong, as the name does.
	for (const field of [page.getByLabel('Password'), page.getByLabel('Account name')]) {
		await expect(field).toHaveAttribute('aria-invalid', 'true');
		await expect(field).toHaveAccessibleDescription('Wrong account name or password.');
	}
	await expect(page.getByLabel('Password')).toBeFocused();
});

test('an account name typed before the login page hydrates is kept', async ({ page }) => {
	// Hold the app's scripts so the name is typed into the server-rendered form, then let
	// the page hydrate: hydration must not reset what the visitor (or a password
	// manager) already typed.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/_app/immutable/**', async (route) => {
		await held;
		await route.continue();
	});
	await page.goto('/login', { waitUntil: 'commit' });
	await page.getByLabel('Account name').fill('admin');
	release();
	await page.waitForFunction(() => document.querySelector('main form[method="POST"]') !== null);
	await page.waitForLoadState('networkidle');
	await expect(page.getByLabel('Account name')).toHaveValue('admin');
});

test("every page runs under a policy that lets only the app's own scripts run: none of them is refused, a script injected as text is", async ({
	page
}) => {
	// An outside review: the policy had frame-ancestors only, so text that slipped past
	// escaping would have run with the owner's session.
	await page.addInitScript(() => {
		const seen: string[] = [];
		(window as unknown as { violations: string[] }).violations = seen;
		document.addEventListener('securitypolicyviolation', (e) =>
			seen.push(`${e.effectiveDirective} ${e.blockedURI}`)
		);
	});
	await page.goto('/login');
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Account name').fill(webServerAdmin.name);
	await page.getByLabel('Password').fill(webServerAdmin.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL('/sites');
	const pages = ['/', '/stats', '/sites/demo', '/sites/demo/sessions', '/sites/demo/settings'];
	for (const path of pages) {
		await page.goto(path);
		await page.waitForLoadState('networkidle');
		const violations = () =>
			page.evaluate(() => (window as unknown as { violations: string[] }).violations);
		expect(await violations(), path).toEqual([]);
		const ran = await page.evaluate(() => {
			const script = document.createElement('script');
			script.textContent = 'window.injected = true';
			document.head.append(script);
			return (window as unknown as { injected?: boolean }).injected;
		});
		expect(ran, path).toBeUndefined();
		await expect.poll(violations).toEqual(['script-src-elem inline']);
	}
	// The demo's pages start the tracker core from their inline script, with the nonce.
	await page.goto('/');
	const started = await page.evaluate(
		() =>
			[...document.scripts].filter(
				(s) => s.type == 'module' && s.textContent?.startsWith('import{start,enter}')
			).length
	);
	expect(started).toBe(1);
});
