/**
 * Text with control characters, in real Chromium: a visit that lands by a mangled
 * campaign link (`utm_source=x%01y`, which a browser keeps in the URL) and clicks a
 * tracked button whose text holds one (pasted from a CMS) is counted whole, each control
 * character a space (src/lib/text.ts). An outside probe: the tracker sent them, the
 * ingest refused every record of the session (its source is on each), and the visitor
 * was silently uncounted.
 */
import type { Browser } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import type { EventRecord, PageviewRecord, StoredRecord } from '../../src/lib/records';
import { routeStandalonePage, useTrackedApp, waitForRecords } from './tracker-support';

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

test('a visit landing with utm_source=x%01y, then a second page and a click on a tracked button whose text holds a control character, is counted whole', async () => {
	const context = await visitorBrowser.newContext();
	// `&#1;`: a character reference the HTML parser keeps as U+0001, as a CMS's pasted text.
	const body =
		'<p><a href="/text/next">Next</a></p><button data-track="signup">Sign&#1;up</button>';
	await routeStandalonePage(context, app, '/text/', {}, body);
	const page = await context.newPage();
	const said: string[] = [];
	page.on('console', (message) => said.push(message.text()));

	await page.goto(`${app.url}/text/s1?utm_source=x%01y&utm_campaign=%01spring`);
	await page.waitForFunction(() => 'couchstats' in window);
	await page.getByRole('link', { name: 'Next' }).click();
	await expect(page).toHaveURL(/\/text\/next$/);
	await page.waitForFunction(() => 'couchstats' in window);
	await page.getByRole('button').click();

	const session = (records: StoredRecord[]) => records.filter((r) => r.path?.startsWith('/text/'));
	const records = session(
		await waitForRecords(app, (all) => {
			const mine = session(all);
			return (
				mine.filter((r) => r.type === 'pageview').length >= 2 &&
				mine.some((r) => r.type === 'event')
			);
		})
	);
	const views = records.filter((r): r is PageviewRecord & StoredRecord => r.type === 'pageview');
	expect(views.map((r) => [r.path, r.utm])).toEqual([
		['/text/s1', { source: 'x y', campaign: 'spring' }],
		['/text/next', undefined]
	]);
	const events = records.filter((r): r is EventRecord & StoredRecord => r.type === 'event');
	expect(events.map((r) => [r.name, r.props, r.path])).toEqual([
		['signup', { text: 'Sign up' }, '/text/next']
	]);
	// One session, one source on every record.
	expect(new Set(records.map((r) => `${r.sid} ${r.src}`)).size).toBe(1);
	expect(records[0].src).toBe('x-y');
	// The page's console said nothing was refused.
	expect(said.filter((line) => line.startsWith('couchstats:'))).toEqual([]);
	await context.close();
});
