/**
 * What the specs of the owners' pages share: logging in through the login form and
 * adding sites and owners through the sites and settings pages, as a person would.
 */
import type { APIResponse, Browser, Page, Response } from '@playwright/test';
import { expect } from './fixtures';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { CHROME_UA } from '../support/ingest-records';
import { createCouch } from '../../src/lib/server/couch';
import type { StoredRecord } from '../../src/lib/records';
import { webServerCouchUrl, webServerPrefix } from './web-server';

/**
 * Logs in at `origin` (e.g. `http://127.0.0.1:PORT`) through the form once the page has
 * hydrated, so the form posts the way the app's enhanced form does; does not wait for
 * where it lands.
 */
export async function submitLogin(
	page: Page,
	origin: string,
	name: string,
	password: string
): Promise<void> {
	await page.goto(`${origin}/login`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Account name').fill(name);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
}

/** Logs in at `origin` and waits for the sites list, where an owner lands. */
export async function logIn(page: Page, origin: string, name: string, password: string) {
	await submitLogin(page, origin, name, password);
	await page.waitForURL(`${origin}/sites`);
}

/**
 * Logs the app's first admin in, in a fresh context of `browser`, and returns its page on
 * the sites list. Its user agent stays Chromium's headless one, so the ingest flags the
 * owner's own pageviews as a bot's and only the visitors' count.
 */
export async function ownerPage(
	browser: Browser,
	app: Pick<RunningApp, 'url' | 'adminName'>
): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await logIn(page, app.url, app.adminName, ADMIN_PASSWORD);
	return page;
}

/**
 * Adds a site from the sites list (its time zone left at the browser's; its host names
 * `hosts`, default `<id>.example`), then, when `owner` is given, makes that account an
 * owner (created when `password` is given). Ends on the site's settings page.
 */
export async function addSite(
	admin: Page,
	origin: string,
	site: { id: string; name: string; hosts?: string },
	owner?: { name: string; password?: string }
): Promise<void> {
	await admin.goto(`${origin}/sites`);
	await admin.getByLabel('Id (used in URLs and the snippet)').fill(site.id);
	await admin.getByLabel('Name', { exact: true }).fill(site.name);
	await admin
		.getByLabel('Host names (comma or space separated)')
		.fill(site.hosts ?? `${site.id}.example`);
	await admin.getByRole('button', { name: 'Add site' }).click();
	await admin.waitForURL(`${origin}/sites/${site.id}/settings`);
	if (!owner) return;
	await admin.getByLabel('Account name').fill(owner.name);
	if (owner.password) await admin.getByLabel('Password for a new account').fill(owner.password);
	await admin.getByRole('button', { name: 'Add owner' }).click();
	await expect(admin.getByText(`Added owner ${owner.name}.`)).toBeVisible();
}

/**
 * Opens a page of another site (`http://evil.test/`, served by the browser context
 * itself) whose form posts `fields` to `action`, submits it and returns the app's
 * answer; the page then shows that answer.
 */
export async function postFromAnotherSite(
	page: Page,
	action: string,
	fields: Record<string, string>
): Promise<Response> {
	const inputs = Object.entries(fields)
		.map(([name, value]) => `<input name="${name}" value="${value}">`)
		.join('');
	await page.context().route('http://evil.test/**', (route) =>
		route.fulfill({
			contentType: 'text/html',
			body: `<!doctype html><form method="POST" action="${action}">${inputs}<button>Win a prize</button></form>`
		})
	);
	await page.goto('http://evil.test/');
	const [response] = await Promise.all([
		page.waitForResponse(action),
		page.getByRole('button', { name: 'Win a prize' }).click()
	]);
	return response;
}

/**
 * Sends client records to the app's ingest as a desktop Chrome page at `origin` does
 * (`new_edits: false`, as its outbox replicates them), from `page`'s context; the answer.
 */
export function sendRecords(
	page: Page,
	baseURL: string,
	origin: string,
	docs: object[]
): Promise<APIResponse> {
	return page.request.post(`${baseURL}/api/ingest/_bulk_docs`, {
		headers: { origin, 'content-type': 'text/plain', 'user-agent': CHROME_UA },
		data: JSON.stringify({ docs, new_edits: false })
	});
}

/**
 * Writes records straight into the shared app's store, as an outbox replicates them
 * (`new_edits: false`), and checks each one is stored as given. The store keeps a record
 * it already holds under the same id and revision and drops the new one without an
 * error: two specs' records sharing an id would lose one spec's silently (a helper's ids
 * once left out the site, and a new site's previous week read empty after another spec
 * had written the same ids).
 */
export async function storeRecords(docs: readonly StoredRecord[]): Promise<void> {
	const couch = createCouch(webServerCouchUrl(), webServerPrefix);
	const written = await couch.events.bulk({ docs: [...docs], new_edits: false });
	expect(written.filter((r) => 'error' in r && r.error)).toEqual([]);
	const stored = await couch.events.fetch({ keys: docs.map((d) => d._id) });
	const sites = stored.rows.map((row) => ('doc' in row ? row.doc?.site : undefined));
	expect(sites, 'a record of another site holds the same id').toEqual(docs.map((d) => d.site));
}
