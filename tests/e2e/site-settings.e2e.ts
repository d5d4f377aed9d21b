/**
 * Site settings in Chromium: every `pattern` the app renders compiles as the browser
 * compiles it (with the `v` flag), so its validation is on; a site listing the IPv6
 * loopback takes the records of a page served there; both snippets copy to the
 * clipboard with "Copied" feedback, also when the Clipboard API refuses; by keyboard,
 * every settings action leaves focus on its control (or beside the list a removed item
 * left), a refusal shows beside its form on the field it names (aria-invalid,
 * aria-describedby), Remove buttons name their item, and "Add a step" focuses the new
 * step; a site is deleted only once its id is typed, with its records, and other sites
 * keep theirs. A genuine server error (the CouchDB server gone) shows the styled 500
 * page with no stack trace or secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Locator, Page, Route } from '@playwright/test';
import { expect, test } from './fixtures';
import { createCouch, postView, type Couch } from '../../src/lib/server/couch';
import { siteRecordRange } from '../../src/lib/server/accounts/site-records';
import { syntheticRecords } from '../support/synthetic';
import { CHROME_UA, pageview, uuidv7 } from '../support/ingest-records';
import { HOSTNAMES_HINT, SITE_ID_HINT } from '../../src/lib/site-patterns';
import { embeddedUrl, startApp, tempDir } from '../support/app';
import { addSite, logIn, sendRecords, storeRecords } from './owner-support';
import { perAttempt, perAttemptTime } from './attempt';
import { webServerAdmin, webServerCouchUrl, webServerPrefix } from './web-server';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const couch = (): Couch => createCouch(webServerCouchUrl(), webServerPrefix);

async function recordsOf(id: string): Promise<number> {
	const { design, view, ...range } = siteRecordRange(id);
	const body = await postView<number>(couch(), design, view, range);
	return body.rows[0]?.value ?? 0;
}

async function asAdmin(page: Page, baseURL: string) {
	await logIn(page, baseURL, webServerAdmin.name, webServerAdmin.password);
}

test('every pattern attribute on the app’s pages compiles with the v flag, so the browser validates', async ({
	page,
	baseURL
}) => {
	const sources: string[] = [];
	for (const path of ['/login', '/']) {
		await page.goto(path);
		sources.push(...(await page.locator('input[pattern]').evaluateAll(patterns)));
	}
	await asAdmin(page, baseURL!);
	for (const path of ['/sites', '/sites/demo/settings', '/sites/demo']) {
		await page.goto(path);
		sources.push(...(await page.locator('input[pattern]').evaluateAll(patterns)));
	}
	// The site id and host names when adding a site, the host names in the settings.
	expect(sources.length).toBeGreaterThanOrEqual(3);
	const invalid = await page.evaluate(
		(list) =>
			list.filter((source) => {
				try {
					new RegExp(`^(?:${source})$`, 'v');
					return false;
				} catch {
					return true;
				}
			}),
		sources
	);
	expect(invalid).toEqual([]);

	await page.goto('/sites');
	const id = page.getByLabel('Id (used in URLs and the snippet)');
	const hosts = page.getByLabel('Host names (comma or space separated)');
	await id.fill('Not an id');
	await hosts.fill('https://example.com/');
	expect(await id.evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(true);
	expect(await hosts.evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(
		true
	);
	// What the browser says names the shape asked for (an outside review saw only "Please
	// match the requested format").
	await expect(id).toHaveAttribute('title', SITE_ID_HINT);
	await expect(hosts).toHaveAttribute('title', HOSTNAMES_HINT);
	await id.fill('fine-id');
	await hosts.fill('example.com, *.example.com [::1]:8080 [2001:DB8::1]');
	expect(await id.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(true);
	expect(await hosts.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(true);
});

test('the settings say which page addresses the ingest refused records from, and how many', async ({
	page,
	baseURL
}) => {
	// An outside new-user review: a site whose pages ran on a host not listed (localhost
	// when only 127.0.0.1 was) lost those records without a sign anywhere.
	await asAdmin(page, baseURL!);
	// A site of its own per attempt: a retry finds the first attempt's site and refusals.
	const site = perAttempt('refusing');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Refusing site') });
	await expect(page.getByRole('note')).toHaveCount(0);
	const now = Date.now();
	const docs = [pageview(now, { site }), pageview(now, { site, path: '/b' })];
	// Sent twice, as a page's outbox sends again what was refused: two records all the same
	// (an outside re-check: the count was of sends).
	for (let send = 0; send < 2; send++) {
		const answer = await sendRecords(page, baseURL!, 'http://localhost:47999', docs);
		expect(answer.status()).toBe(201);
		expect((await answer.json()).map((r: { error?: string }) => r.error)).toEqual([
			'forbidden',
			'forbidden'
		]);
	}
	// An address no site lists is refused before its records are read, and noted too (an
	// outside re-check: the usual mix-up, localhost for 127.0.0.1, was never listed).
	const unlisted = await sendRecords(page, baseURL!, 'https://unlisted.example', [
		pageview(now, { site })
	]);
	expect(unlisted.status()).toBe(403);
	// A page of a listed origin whose record names a host the site does not list: noted by
	// the host (a review: refused hosts were not shown at all).
	const host = await sendRecords(page, baseURL!, `https://${site}.example`, [
		pageview(now, { site, host: 'staging.example' })
	]);
	expect((await host.json()).map((r: { error?: string }) => r.error)).toEqual(['forbidden']);
	await page.reload();
	await expect(page.getByRole('note')).toContainText(
		"Records refused in the last 24 hours because their page's address is not among the host names"
	);
	// The most records first, at the site's time, as its other pages say times (an outside
	// review: they were in UTC).
	const zone = await page.getByLabel('Time zone').inputValue();
	// The zone after a comma, not in brackets: a repeated hour brings its offset's (review41).
	const time = String.raw`the last on \d+ \w+, \d\d:\d\d:\d\d, ${zone.replace('+', '\\+')} time$`;
	await expect(page.getByRole('note').getByRole('listitem')).toHaveText([
		new RegExp(String.raw`^http://localhost:47999: 2 records, ` + time),
		new RegExp(String.raw`^staging\.example: 1 record, ` + time),
		new RegExp(String.raw`^https://unlisted\.example: 1 record, ` + time)
	]);
	// Once the site lists a host, its refusals are no longer shown (an outside re-check).
	const hosts = page.getByRole('textbox', { name: 'Host names' });
	await hosts.fill(`${await hosts.inputValue()} localhost:47999`);
	await page.getByRole('button', { name: 'Save' }).first().click();
	await expect(page.getByText('Settings saved.')).toBeVisible();
	await page.reload();
	await expect(page.getByRole('note').getByRole('listitem')).toHaveText([
		new RegExp(String.raw`^staging\.example: 1 record, ` + time),
		new RegExp(String.raw`^https://unlisted\.example: 1 record, ` + time)
	]);
});

/**
 * A plain page on the IPv6 loopback, `http://[::1]:PORT/`, that loads the standalone
 * script of `site` from the app at `baseURL`; undefined when this machine has no IPv6
 * loopback address to serve it on.
 */
async function pageOnIPv6Loopback(baseURL: string, site: string) {
	const server = http.createServer((_request, response) => {
		response.setHeader('content-type', 'text/html');
		response.end(
			`<!doctype html><title>On [::1]</title><script defer data-site="${site}" data-allow-automation="true" src="${baseURL}/couchstats.js"></script><h1>On [::1]</h1>`
		);
	});
	const listening = await new Promise<boolean>((resolve, reject) => {
		server.once('error', (e: NodeJS.ErrnoException) =>
			e.code === 'EADDRNOTAVAIL' ? resolve(false) : reject(e)
		);
		server.listen(0, '::1', () => resolve(true));
	});
	return listening ? server : undefined;
}

test("an owner's excluded addresses: a bad entry is refused on its field; listed, this machine's records are dropped as if stored", async ({
	page,
	baseURL
}) => {
	// An outside probe: the owner's own visits counted, and no way to leave them out by address.
	await asAdmin(page, baseURL!);
	const site = perAttempt('excluding');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Excluding site') });
	const field = page.getByLabel('Addresses and ranges');
	const save = page.getByRole('button', { name: 'Update excluded addresses' });
	await field.fill('127.0.0.1 localhost');
	await save.click();
	await expect(field).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByRole('alert')).toContainText('not "localhost"');
	// This machine, however the app sees its address.
	await field.fill('127.0.0.0/8, ::1');
	await save.click();
	await expect(
		page.getByText('Records from those 2 addresses and ranges are dropped')
	).toBeVisible();
	await page.reload();
	await expect(page.getByLabel('Addresses and ranges')).toHaveValue('127.0.0.0/8\n::1');
	const answer = await sendRecords(page, baseURL!, `http://${site}.example`, [
		pageview(Date.now(), { site })
	]);
	expect([answer.status(), await answer.json()]).toEqual([201, []]);
	expect(await recordsOf(site)).toBe(0);
	await page.getByLabel('Addresses and ranges').fill('');
	await page.getByRole('button', { name: 'Update excluded addresses' }).click();
	await expect(page.getByText('No address is excluded.')).toBeVisible();
	await sendRecords(page, baseURL!, `http://${site}.example`, [pageview(Date.now(), { site })]);
	await expect.poll(() => recordsOf(site)).toBe(1);
});

test('a site listing the IPv6 loopback, written any way, takes the records of a page at http://[::1]:PORT/', async ({
	browser,
	page,
	baseURL
}) => {
	// An outside probe: [::1], which the app counts among its own loopback names, could not
	// be listed as a site's host.
	const site = perAttempt('on-ipv6');
	const server = await pageOnIPv6Loopback(baseURL!, site);
	test.skip(!server, 'this machine has no IPv6 loopback address (::1) to serve the page on');
	try {
		const { port } = server!.address() as AddressInfo;
		await asAdmin(page, baseURL!);
		// Written out in full: the browser's pattern takes it, the server saves it as a URL
		// writes it, which is how the page's Origin names it.
		await addSite(page, baseURL!, {
			id: site,
			name: perAttempt('On IPv6'),
			hosts: `[0:0:0:0:0:0:0:1]:${port}`
		});
		await expect(page.getByRole('textbox', { name: 'Host names' })).toHaveValue(`[::1]:${port}`);

		const context = await browser.newContext({ userAgent: CHROME_UA });
		const visitor = await context.newPage();
		const origin = `http://[::1]:${port}`;
		const [answer] = await Promise.all([
			visitor.waitForResponse(
				(r) =>
					r.url() === `${baseURL}/api/ingest/_bulk_docs` &&
					(r.request().postData() ?? '').includes('"type":"pageview"')
			),
			visitor.goto(`${origin}/ipv6/page`)
		]);
		expect(await answer.request().headerValue('origin')).toBe(origin);
		expect(answer.status()).toBe(201);
		// Readable by the page (CORS), and stored whole.
		expect(answer.headers()['access-control-allow-origin']).toBe(origin);
		expect((await answer.json()).filter((r: { error?: string }) => r.error)).toEqual([]);
		await expect.poll(() => recordsOf(site)).toBeGreaterThan(0);
		await context.close();
	} finally {
		server?.close();
	}
});

function patterns(inputs: Element[]): string[] {
	return inputs.map((input) => input.getAttribute('pattern')!);
}

for (const clipboard of ['allowed', 'refused'] as const) {
	test(`both snippets copy with “Copied” feedback when the Clipboard API is ${clipboard}`, async ({
		browser,
		baseURL
	}) => {
		const context = await browser.newContext({
			permissions: ['clipboard-read', 'clipboard-write']
		});
		if (clipboard === 'refused') {
			// As a browser that refuses the asynchronous API (no permission, insecure origin).
			await context.addInitScript(() => {
				navigator.clipboard.writeText = () =>
					Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
			});
		}
		const page = await context.newPage();
		await asAdmin(page, baseURL!);
		await page.goto('/sites/demo/settings');
		await page.waitForLoadState('networkidle');
		for (const [label, start] of [
			['the script tag', '<script defer data-site="demo"'],
			['the SvelteKit component', '<!-- src/routes/+layout.svelte -->']
		]) {
			const button = page.getByRole('button', { name: `Copy ${label}` });
			const snippet = button
				.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " snippet ")]')
				.locator('pre');
			const text = await snippet.innerText();
			expect(text.startsWith(start)).toBe(true);
			await button.click();
			await expect(button.locator('xpath=following-sibling::*[@role="status"]')).toHaveText(
				'Copied'
			);
			expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
		}
		await context.close();
	});
}

/** Opens the settings of the site `keys` (added by the first keyboard test) as the admin. */
async function keysSettings(page: Page, baseURL: string) {
	await asAdmin(page, baseURL);
	await page.goto(`/sites/${perAttempt('keys')}/settings`);
	await page.waitForLoadState('networkidle');
}

/** Presses `control` from the keyboard, as a keyboard user submits it. */
async function pressEnter(control: Locator) {
	await control.focus();
	await control.press('Enter');
}

/** Focus is on `target`, not thrown back to the page's body (so Tab would skip to the top). */
async function expectFocusOn(page: Page, target: Locator) {
	await expect(target).toBeFocused();
	expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
}

test('after every successful settings action keyboard focus stays on the control that submitted, or on the answer beside the list its item left', async ({
	page,
	baseURL
}) => {
	await asAdmin(page, baseURL!);
	await addSite(page, baseURL!, { id: perAttempt('keys'), name: perAttempt('Keyboard site') });
	await page.waitForLoadState('networkidle');
	const main = page.getByRole('main');
	const status = (text: string) => main.getByRole('status').filter({ hasText: text });

	const save = main.getByRole('button', { name: 'Save' });
	const name = main.getByRole('textbox', { name: 'Name', exact: true });
	const hostnames = main.getByRole('textbox', { name: 'Host names' });
	const before = await hostnames.inputValue();
	await pressEnter(save);
	await expect(status('Settings saved.')).toBeVisible();
	await expectFocusOn(page, save);
	// The fields keep what was saved (an outside review: they were emptied, and the next
	// Save was refused as incomplete under the first one's "Settings saved.").
	await expect(name).toHaveValue(perAttempt('Keyboard site'));
	await expect(hostnames).toHaveValue(before);
	// The next Tab goes on from there, not to the skip link at the top.
	await page.keyboard.press('Tab');
	await expect(page.getByRole('link', { name: 'Skip to content' })).not.toBeFocused();
	await expect(main.getByRole('button', { name: 'Copy the script tag' })).toBeFocused();

	const owner = perAttempt('keys-owner');
	await main.getByLabel('Account name').fill(owner);
	await main.getByLabel('Password for a new account').fill('a-long-enough-password');
	const addOwner = main.getByRole('button', { name: 'Add owner' });
	await pressEnter(addOwner);
	await expect(status(`Added owner ${owner}.`)).toBeVisible();
	await expectFocusOn(page, addOwner);
	await pressEnter(main.getByRole('button', { name: `Remove the owner ${owner}` }));
	await expectFocusOn(page, status(`Removed owner ${owner}.`));

	await main.getByLabel('Label').fill('weekly');
	const createToken = main.getByRole('button', { name: 'Create token' });
	await pressEnter(createToken);
	await expect(status('New token (copy it now, it is not shown again):')).toContainText('cst_');
	await expectFocusOn(page, createToken);
	const tokenItem = (label: string) => main.getByRole('listitem').filter({ hasText: label });
	await expect(tokenItem('weekly')).toContainText('stats only');
	await pressEnter(main.getByRole('button', { name: 'Revoke the token weekly' }));
	await expectFocusOn(page, status('Token revoked.'));
	// A token that may download the raw records too says so.
	await main.getByLabel('Label').fill('backup');
	await main.getByLabel('May also download the raw records').check();
	await pressEnter(createToken);
	await expect(tokenItem('backup')).toContainText('stats and raw records');
	await pressEnter(main.getByRole('button', { name: 'Revoke the token backup' }));
	await expectFocusOn(page, status('Token revoked.'));

	const share = main.getByRole('button', { name: 'Create a share link' });
	await pressEnter(share);
	await expect(status('Share link (copy it now):')).toBeVisible();
	await expectFocusOn(page, main.getByRole('button', { name: 'Replace the share link' }));
	await pressEnter(main.getByRole('button', { name: 'Show sessions on it' }));
	await expect(status('The share link shows sessions.')).toBeVisible();
	await expectFocusOn(page, main.getByRole('button', { name: 'Hide sessions from it' }));
	await pressEnter(main.getByRole('button', { name: 'Disable it' }));
	await expectFocusOn(page, status('Share link disabled.'));

	const pageGoal = main.getByRole('form', { name: 'Add a page goal' });
	await pageGoal.getByLabel('Page path').fill('/thanks');
	await pressEnter(pageGoal.getByRole('button', { name: 'Add page goal' }));
	await expect(status('Added the goal /thanks.')).toBeVisible();
	await expectFocusOn(page, pageGoal.getByRole('button', { name: 'Add page goal' }));
	// Enter in a field submits too, and the keyboard stays in that field.
	const path = pageGoal.getByLabel('Page path');
	await path.fill('/pricing');
	await path.press('Enter');
	await expect(status('Added the goal /pricing.')).toBeVisible();
	await expectFocusOn(page, path);
	await pressEnter(main.getByRole('button', { name: 'Remove the goal /pricing' }));
	await expectFocusOn(page, status('Goal removed.'));
	const eventGoal = main.getByRole('form', { name: 'Add an event goal' });
	await eventGoal.getByLabel('Event name').fill('signup');
	await pressEnter(eventGoal.getByRole('button', { name: 'Add event goal' }));
	await expect(status('Added the goal signup.')).toBeVisible();
	await expectFocusOn(page, eventGoal.getByRole('button', { name: 'Add event goal' }));
	await pressEnter(main.getByRole('button', { name: 'Remove the goal /thanks' }));
	await expectFocusOn(page, status('Goal removed.'));
	await expect(main.getByRole('button', { name: 'Remove the goal signup' })).toBeVisible();

	const funnel = main.getByRole('form', { name: 'Add a funnel' });
	await funnel.getByLabel('Funnel name').fill('Thanks');
	await funnel.getByRole('group', { name: 'Step 1' }).getByLabel('Path or event').fill('/');
	await funnel.getByRole('group', { name: 'Step 2' }).getByLabel('Path or event').fill('/thanks');
	await pressEnter(funnel.getByRole('button', { name: 'Add funnel' }));
	await expect(status('Added the funnel Thanks.')).toBeVisible();
	await expectFocusOn(page, funnel.getByRole('button', { name: 'Add funnel' }));
	await main.getByText('Edit', { exact: true }).click();
	const edit = main.getByRole('form', { name: 'Edit the funnel Thanks' });
	await pressEnter(edit.getByRole('button', { name: 'Save funnel' }));
	await expect(status('Saved the funnel Thanks.')).toBeVisible();
	await expectFocusOn(page, edit.getByRole('button', { name: 'Save funnel' }));
	await pressEnter(main.getByRole('button', { name: 'Remove the funnel Thanks' }));
	await expectFocusOn(page, status('Funnel removed.'));
});

test('a refused settings form shows its error beside it, on the field it is about, which takes focus', async ({
	page,
	baseURL
}) => {
	await keysSettings(page, baseURL!);
	const main = page.getByRole('main');

	/** The form's one alert says `text` and describes `field`, which is marked and focused. */
	async function expectRefused(form: Locator, field: Locator, text: string) {
		const alert = form.getByRole('alert');
		await expect(alert).toHaveText(text);
		// One message, beside its form: none at the top of the page.
		await expect(page.getByRole('alert')).toHaveCount(1);
		await expect(field).toHaveAttribute('aria-invalid', 'true');
		await expect(field).toHaveAttribute('aria-describedby', (await alert.getAttribute('id'))!);
		await expect(field).toHaveAccessibleDescription(text);
		await expect(field).toBeFocused();
		// Seen, too: a tall form's message below the window is scrolled into it.
		await expect(alert).toBeInViewport();
	}

	const addOwner = main.locator('form[action="?/addOwner"]');
	await addOwner.getByLabel('Account name').fill('nobody-here');
	await pressEnter(addOwner.getByRole('button', { name: 'Add owner' }));
	await expectRefused(
		addOwner,
		addOwner.getByLabel('Account name'),
		'there is no account "nobody-here"'
	);

	const eventGoal = main.getByRole('form', { name: 'Add an event goal' });
	await eventGoal.getByLabel('Event name').fill('signup');
	await eventGoal.getByLabel('Prop name (optional)').fill('plan');
	await pressEnter(eventGoal.getByRole('button', { name: 'Add event goal' }));
	await expectRefused(
		eventGoal,
		eventGoal.getByLabel('Prop value (optional)'),
		'a prop goal needs both the prop name and its value'
	);
	// The owner form's error went with the answer it belonged to.
	await expect(addOwner.getByLabel('Account name')).not.toHaveAttribute('aria-invalid');

	const funnel = main.getByRole('form', { name: 'Add a funnel' });
	await funnel.getByLabel('Funnel name').fill('Bad');
	await funnel.getByRole('group', { name: 'Step 1' }).getByLabel('Path or event').fill('/');
	const third = funnel.getByRole('group', { name: 'Step 3' }).getByLabel('Path or event');
	await third.fill('pricing');
	await pressEnter(funnel.getByRole('button', { name: 'Add funnel' }));
	await expectRefused(
		funnel,
		third,
		'step 2: the page path must start with / and hold no ? or # (a hash route is #/…); * stands for any characters'
	);

	// The same on the sites page: a taken id is marked on the id field.
	await page.goto('/sites');
	await page.waitForLoadState('networkidle');
	const create = page.locator('form[action="?/create"]');
	await create.getByLabel('Id (used in URLs and the snippet)').fill(perAttempt('keys'));
	await create.getByLabel('Name', { exact: true }).fill('Again');
	await create.getByLabel('Host names (comma or space separated)').fill('keys.example');
	await pressEnter(create.getByRole('button', { name: 'Add site' }));
	await expectRefused(
		create,
		create.getByLabel('Id (used in URLs and the snippet)'),
		`a site with id "${perAttempt('keys')}" already exists`
	);
});

test('“Add a step” moves focus to the new step, and at 8 steps stays, disabled, saying why', async ({
	page,
	baseURL
}) => {
	await keysSettings(page, baseURL!);
	const funnel = page.getByRole('form', { name: 'Add a funnel' });
	const addStep = funnel.getByRole('button', { name: 'Add a step' });
	await expect(funnel.getByRole('group')).toHaveCount(3);
	for (let n = 4; n <= 8; n++) {
		await pressEnter(addStep);
		await expectFocusOn(page, funnel.getByRole('group', { name: `Step ${n}` }).getByLabel('Kind'));
	}
	await expect(addStep).toHaveAttribute('aria-disabled', 'true');
	await expect(addStep).toHaveAccessibleDescription('A funnel has at most 8 steps.');
	await pressEnter(addStep);
	await expectFocusOn(page, addStep);
	await expect(funnel.getByRole('group')).toHaveCount(8);
});

test("an owner erases one visitor by the id a session's page shows, once confirmed", async ({
	page,
	baseURL
}) => {
	await asAdmin(page, baseURL!);
	const site = perAttempt('erasing');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Erasing site') });
	const start = Date.now() - 3_600_000;
	const [vid, sid] = [uuidv7(start), uuidv7(start + 1)];
	await storeRecords([
		...[0, 1, 2].map((i) =>
			pageview(start + i * 1000, {
				site,
				vid,
				sid,
				receivedAt: start,
				firstOfDay: i === 0,
				entry: i === 0
			})
		),
		pageview(start, { site, receivedAt: start })
	] as never);

	await page.goto(`/sites/${site}/sessions/${sid}`);
	await expect(page.getByTestId('session-visitor')).toContainText(`Visitor id ${vid}`);
	await page.getByRole('link', { name: 'Erase one visitor' }).click();
	await page.waitForURL(`**/sites/${site}/settings#erase-visitor`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Visitor id', { exact: true }).fill(vid);
	const erase = page.getByRole('button', { name: "Erase the visitor's records" });
	await erase.click();
	await expect(page.getByRole('alert')).toHaveText(
		"tick the box to confirm: the visitor's records cannot be brought back"
	);
	expect(await recordsOf(site)).toBe(4);
	await page.getByLabel('Visitor id', { exact: true }).fill(vid);
	await page.getByLabel('Erase every record of this visitor on this site').check();
	await erase.click();
	await expect(page.getByText("Erased the visitor's 3 records on this site.")).toBeVisible();
	expect(await recordsOf(site)).toBe(1);
});

test("an owner sets the site's retention period, which its settings then show", async ({
	page,
	baseURL
}) => {
	await asAdmin(page, baseURL!);
	const site = perAttempt('retaining');
	await addSite(page, baseURL!, { id: site, name: perAttempt('Retaining site') });
	await page.waitForLoadState('networkidle');
	await expect(page.getByTestId('retention-now')).toContainText('No retention period');
	await page.getByLabel(/This site's own period/).fill('30d');
	await page.getByRole('button', { name: 'Set the retention period' }).click();
	await expect(page.getByText('Saved: this site keeps its records for 30d')).toBeVisible();
	await page.reload();
	await expect(page.getByLabel(/This site's own period/)).toHaveValue('30d');
	await expect(page.getByTestId('retention-now')).toContainText(
		'Records older than 30 days are deleted: the app checks once as it starts, then every day.'
	);
});

test('a site is deleted only once its id is typed: its records go, another site keeps its own', async ({
	page,
	baseURL
}) => {
	await asAdmin(page, baseURL!);
	const [doomed, stays] = [perAttempt('doomed'), perAttempt('stays')];
	await addSite(page, baseURL!, { id: doomed, name: perAttempt('Doomed site') });
	await addSite(page, baseURL!, { id: stays, name: perAttempt('Staying site') });
	const start = perAttemptTime(Date.UTC(2026, 9, 1));
	await storeRecords([
		...syntheticRecords({ n: 40, site: doomed, start, seed: 21 }),
		...syntheticRecords({ n: 25, site: stays, start: start + 1, seed: 22 })
	]);
	expect(await recordsOf(doomed)).toBe(40);

	await page.goto(`/sites/${doomed}/settings`);
	await page.waitForLoadState('networkidle');
	const confirm = page.getByLabel(/Type the site's id/);
	await confirm.fill(stays);
	await page.getByRole('button', { name: 'Delete site' }).click();
	await expect(page.getByRole('alert')).toHaveText(
		`type the site's id (${doomed}) or its name to delete it`
	);
	await expect(confirm).toHaveAttribute('aria-invalid', 'true');
	await expect(confirm).toHaveAccessibleDescription(
		`type the site's id (${doomed}) or its name to delete it`
	);
	expect(await recordsOf(doomed)).toBe(40);

	await confirm.fill(doomed);
	await page.getByRole('button', { name: 'Delete site' }).click();
	await page.waitForURL(`**/sites?deleted=${doomed}`);
	// The page re-reads the deletion's progress until it is done (a loaded machine is slow).
	await expect(page.getByRole('status').first()).toHaveText(
		`Site ${doomed} was deleted, with its 40 records, API tokens and share link.`,
		{ timeout: 30_000 }
	);
	await expect(
		page.getByRole('main').getByRole('link', { name: perAttempt('Doomed site'), exact: true })
	).toHaveCount(0);
	// The header's site switcher has lost it too.
	await expect(page.getByRole('banner')).not.toContainText(perAttempt('Doomed site'));
	await expect(
		page.getByRole('main').getByRole('link', { name: perAttempt('Staying site'), exact: true })
	).toBeVisible();
	expect(await recordsOf(doomed)).toBe(0);
	expect(await recordsOf(stays)).toBe(25);
	expect((await page.goto(`/sites/${doomed}/settings`))?.status()).toBe(404);
});

test('a deletion’s progress the server does not answer for a while leaves the page as it was, and the deletion ends as usual', async ({
	page,
	baseURL
}) => {
	await asAdmin(page, baseURL!);
	const slow = perAttempt('slow');
	await addSite(page, baseURL!, { id: slow, name: perAttempt('Slow site') });
	const start = perAttemptTime(Date.UTC(2026, 9, 1));
	const docs = syntheticRecords({ n: 3000, site: slow, start, seed: 23 });
	await storeRecords(docs);
	await page.goto(`/sites/${slow}/settings`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel(/Type the site's id/).fill(slow);
	await page.getByRole('button', { name: 'Delete site' }).click();
	await page.waitForURL(`**/sites?deleted=${slow}`);
	const status = page.getByRole('status').first();
	await expect(status).toContainText(`Deleting site ${perAttempt('Slow site')} (${slow})`);
	// Every read the page makes fails from now on, as while the app restarts.
	await page.evaluate(() => ((window as unknown as { mark: number }).mark = 1));
	let failedReads = 0;
	const unanswered = (route: Route) => {
		if (route.request().resourceType() !== 'fetch') return route.continue();
		failedReads++;
		return route.abort('connectionrefused');
	};
	await page.route('**/*', unanswered);
	await expect.poll(() => failedReads).toBeGreaterThan(1);
	await expect(status).toContainText(`Deleting site ${perAttempt('Slow site')} (${slow})`);
	await page.unroute('**/*', unanswered);
	await expect(status).toHaveText(
		`Site ${slow} was deleted, with its 3000 records, API tokens and share link.`,
		{ timeout: 60_000 }
	);
	expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(1);
});

test.describe('when the CouchDB server goes away', () => {
	const dataDir = tempDir('couchstats-e2e-store-');
	let store: ChildProcess | undefined;

	test.afterAll(() => {
		store?.kill('SIGKILL');
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	test('a page that needs it shows the styled 500 page, with no stack trace or secret', async ({
		page
	}) => {
		// A store of its own (`npm run couch`), so that it can be stopped under the app.
		store = spawn(process.execPath, ['--import', 'tsx', 'scripts/couch.ts'], {
			cwd: path.resolve(import.meta.dirname, '..', '..'),
			env: {
				...process.env,
				COUCHDB_URL: '',
				COUCHSTATS_DATA_DIR: dataDir,
				COUCHSTATS_ADMIN_PASSWORD: 'test-admin-password'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		await new Promise<void>((resolve, reject) => {
			store!.stdout!.on('data', (chunk) => {
				output += chunk;
				if (output.includes('press Ctrl-C')) resolve();
			});
			store!.stderr!.on('data', (chunk) => (output += chunk));
			store!.once('exit', (code) => reject(new Error(`the store exited (${code}): ${output}`)));
		});
		const couchUrl = embeddedUrl(dataDir)!;
		const app = await startApp({ env: { COUCHDB_URL: couchUrl.toString() } });
		try {
			expect((await page.goto(`${app.url}/stats`))?.status()).toBe(200);
			const stopped = new Promise((resolve) => store!.once('exit', resolve));
			store.kill('SIGKILL');
			await stopped;

			const response = await page.goto(`${app.url}/stats`);
			expect(response?.status()).toBe(500);
			await expect(page.getByRole('heading', { level: 1 })).toHaveText('Something went wrong');
			await expect(page.getByRole('link', { name: /Home|home/ }).first()).toBeVisible();
			const html = await page.content();
			for (const secret of [couchUrl.password, couchUrl.username, couchUrl.host]) {
				expect(html).not.toContain(secret);
			}
			expect(html).not.toMatch(/ECONNREFUSED|fetch failed|\bat [\w.<>]+ \(|node:internal/);
			// The cause is in the server's log, without the credentials.
			expect(app.output()).toContain('GET /stats (500)');
			expect(app.output()).not.toContain(couchUrl.password);
		} finally {
			await app.stop();
		}
	});
});
