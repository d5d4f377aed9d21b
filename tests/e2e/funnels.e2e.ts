/**
 * Funnels: the owner defines a goal and a 3-step funnel on the settings page (a bad
 * funnel is refused with a clear error), a visitor browses the demo site in another
 * browser and completes the steps, and the funnel page counts the visitor's session
 * through every step, for the owner and, read-only, through the site's share link; the
 * owner's counts link to the sessions behind them (the share link's do not).
 * Real Chromium, the built app, its CouchDB.
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { logIn } from './owner-support';
import { formatDuration } from '../../src/lib/components/dashboard/format';
import type { TimelineEntry } from '../../src/lib/stats/sessions';
import { convertingVisit, launchVisitorBrowser, startTrackedApp } from './tracker-support';

test.describe.configure({ timeout: 120_000 });

let app: RunningApp;
let visitorBrowser: Browser;
test.beforeAll(async () => {
	app = await startTrackedApp();
	visitorBrowser = await launchVisitorBrowser();
});
// Playwright requires the fixtures argument to be a destructuring pattern.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, info) => {
	if (info.status !== info.expectedStatus) console.log(app.output().slice(-4000));
});
test.afterAll(async () => {
	await visitorBrowser?.close();
	await app?.stop();
});

test('an owner defines a goal and a 3-step funnel, a visitor completes it, and the funnel counts the conversion', async ({
	browser
}) => {
	const owner = await (await browser.newContext()).newPage();
	await logIn(owner, app.url, app.adminName, 'test-admin-password');
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.waitForLoadState('networkidle');

	const eventGoal = owner.getByRole('form', { name: 'Add an event goal' });
	await eventGoal.getByLabel('Event name').fill('cta-start');
	await eventGoal.getByRole('button', { name: 'Add event goal' }).click();
	const saved = owner.getByRole('status').filter({ hasText: /^Added the/ });
	await expect(saved).toHaveText('Added the goal cta-start.');

	const form = owner.getByRole('form', { name: 'Add a funnel' });
	const step = (n: number) => form.getByRole('group', { name: `Step ${n}` });
	await form.getByLabel('Funnel name').fill('Start');
	// One step is not a funnel: refused, nothing saved.
	await step(1).getByLabel('Path or event').fill('/');
	await form.getByRole('button', { name: 'Add funnel' }).click();
	await expect(owner.getByRole('alert')).toHaveText('a funnel needs at least 2 steps');
	await step(2).getByLabel('Path or event').fill('/pricing');
	await step(3).getByLabel('Kind').selectOption('event');
	await step(3).getByLabel('Path or event').fill('cta-start');
	await form.getByRole('button', { name: 'Add funnel' }).click();
	await expect(saved).toHaveText('Added the funnel Start.');
	await expect(owner.locator('ul.funnels > li')).toHaveText([
		/Start:\s+page \/ → page \/pricing → event cta-start/
	]);

	// The visit: home, pricing, the call to action.
	await convertingVisit(app, visitorBrowser);

	await owner.goto(`${app.url}/sites/demo/funnels?range=today`);
	await expect(owner.getByRole('heading', { name: 'Start' })).toBeVisible();
	await expect(owner.getByTestId('funnel-progress')).toContainText('counted exactly');
	await expect(owner.getByTestId('funnel-step-sessions')).toHaveText(['1', '1', '1']);
	// Each step says its kind: a page and an event of one name differ by more than a slash.
	await expect(owner.getByTestId('funnel-step').locator('.label')).toHaveText([
		'page /:',
		'page /pricing:',
		'event cta-start:'
	]);
	await expect(owner.getByTestId('funnel-step').last()).toContainText('conversion 100%');
	// The median time from each step to the next, over the one session, as the bucket of
	// seconds it fell in (the visit's own timing: a bucket, whichever), its definition a
	// button away.
	const times = owner.getByTestId('funnel-step-time');
	await expect(times).toHaveText(
		[
			/^median time from step 1: (under 1s|\d+s–\d+s) \(1 session\)$/,
			/^median time from step 2: (under 1s|\d+s–\d+s) \(1 session\)$/
		],
		{ useInnerText: true }
	);
	const timeTexts = await times.evaluateAll((spans) =>
		spans.map((s) => (s as HTMLElement).innerText)
	);
	await times.first().getByRole('button', { name: 'median time from step 1' }).click();
	await expect(times.first()).toContainText(
		'The median time from the record that reached step 1 to the record that reached step 2, in the same session'
	);
	// In forced colours (Windows High Contrast) the bars keep a fill the text's colour, not
	// the page's (an outside probe saw them vanish).
	await owner.emulateMedia({ forcedColors: 'active' });
	const fills = await owner
		.getByTestId('funnel-step')
		.locator('.bar span')
		.evaluateAll((spans) => spans.map((span) => getComputedStyle(span).backgroundColor));
	const page = await owner.evaluate(() => getComputedStyle(document.body).backgroundColor);
	expect(fills).toHaveLength(3);
	for (const fill of fills) expect(fill).not.toBe(page);
	await owner.emulateMedia({ forcedColors: 'none' });
	// Its download says what it holds, not "CSV" alone (an outside accessibility probe).
	await expect(
		owner.getByRole('link', { name: 'Download the counts of the funnel Start as CSV' })
	).toHaveAttribute('href', /format=csv/);

	// Each count links to the sessions behind it: step 2's opens the session list of the
	// sessions that reached it, saying which funnel and step, each linking to its timeline.
	await owner.getByRole('link', { name: '1 session that reached step 2' }).click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\?from=.*&funnel=[0-9a-f]{8}&step=2$/);
	await expect(owner.getByTestId('funnel-bar')).toContainText('Funnel Start, step 2: reached');
	await expect(owner.getByTestId('funnel-bar')).toContainText(
		'Sessions that reached step 2 (/pricing) of the funnel Start, after every step before it'
	);
	await expect(owner.getByTestId('funnel-list-progress')).toContainText('1 of 1 step-1 records');
	const rows = owner.getByTestId('session-list').locator('tbody tr');
	await expect(rows).toHaveCount(1);
	await expect(rows.first()).toContainText('/ → /pricing');
	// With its time from step 1, written as the product writes durations: from its view
	// of / to its view of /pricing, as its timeline has them.
	await expect(owner.getByTestId('session-list').getByRole('columnheader').nth(1)).toHaveText(
		'From step 1'
	);
	const sid = (await rows.first().getByRole('link').getAttribute('href'))!.split('/').at(-1);
	const timeline = await (
		await owner.request.get(`${app.url}/api/v1/sessions/${sid}?site=demo`)
	).json();
	const viewed = (path: string) =>
		Date.parse(
			(timeline.records as TimelineEntry[]).find((r) => r.type === 'pageview' && r.path === path)!
				.at
		);
	await expect(rows.first().getByRole('cell').first()).toHaveText(
		formatDuration(viewed('/pricing') - viewed('/'))
	);
	await rows.first().getByRole('link').click();
	await expect(owner).toHaveURL(/\/sites\/demo\/sessions\/[0-9a-f-]{36}$/);
	await expect(owner.getByTestId('session-summary')).toContainText('/ → /pricing');
	await owner.goBack();
	// Back to the report it came from, for the same range.
	await owner.getByTestId('funnel-bar').getByRole('link', { name: 'Funnel report' }).click();
	await expect(owner.getByRole('heading', { name: 'Start' })).toBeVisible();
	await expect(owner.getByTestId('funnel-step-sessions')).toHaveText(['1', '1', '1']);

	// The dashboard's goals download as CSV too (an outside review found no export of them).
	await owner.goto(`${app.url}/sites/demo?range=today`);
	const goalsCsv = owner.getByRole('link', { name: 'Download the goals as CSV' });
	const exported = await owner.request.get(`${app.url}${await goalsCsv.getAttribute('href')}`);
	expect(exported.status()).toBe(200);
	expect(await exported.text()).toMatch(/^goal,kind,conversions,.*\r?\ncta-start,event,[1-9]\d*,/);
	// And so do the journeys and paths, as the panels show them: the journeys through the
	// page they are about, the pages after their path (an outside review found no export).
	await owner.goto(`${app.url}/sites/demo?range=today&journey=/pricing&step=/`);
	const csvOf = async (page: Page, name: string) => {
		const link = page.getByRole('link', { name: `Download ${name} as CSV` });
		const res = await page.request.get(`${app.url}${await link.getAttribute('href')}`);
		expect(res.status()).toBe(200);
		expect(res.headers()['content-type']).toBe('text/csv; charset=utf-8');
		return (await res.text()).split('\r\n');
	};
	expect(await csvOf(owner, 'the journeys')).toEqual([
		'page,pageViews,direction,from,to,views,share',
		'/pricing,1,previous,/,/pricing,1,1',
		'/pricing,1,next,/pricing,(exit),1,1',
		''
	]);
	expect(await csvOf(owner, 'the paths from entry')).toEqual([
		'step1,step2,step3,step4,sessions,share,pathSessions',
		'/,/pricing,,,1,1,1',
		''
	]);

	// Through a share link: its dashboard links the funnels, which count the same, read-only.
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.getByRole('button', { name: 'Create a share link' }).click();
	const shareUrl = (await owner.getByRole('link', { name: /\/share\/shr_/ }).textContent())!.trim();
	const shared = await (await browser.newContext()).newPage();
	await shared.goto(`${shareUrl}?range=today`);
	await shared.getByRole('link', { name: 'Funnels' }).click();
	await expect(shared).toHaveURL(/\/share\/shr_[\w-]+\/funnels/);
	await expect(shared.getByRole('heading', { name: 'Start' })).toBeVisible();
	await expect(shared.getByTestId('funnel-progress')).toContainText('counted exactly');
	await expect(shared.getByTestId('funnel-step-sessions')).toHaveText(['1', '1', '1']);
	await expect(shared.getByTestId('funnel-step-time')).toHaveText(timeTexts, {
		useInnerText: true
	});
	await expect(shared.getByRole('link', { name: 'settings' })).toHaveCount(0);
	// Counts only: no count links to sessions there.
	await expect(shared.getByTestId('funnel-steps').getByRole('link')).toHaveCount(0);
	// Its dashboard's CSV links carry the link, not the owner's session: the busiest page
	// is / (a tie with /pricing, broken by path), and the entry pages.
	await shared.goto(`${shareUrl}?range=today`);
	expect(await csvOf(shared, 'the journeys')).toEqual([
		'page,pageViews,direction,from,to,views,share',
		'/,1,previous,(entrance),/,1,1',
		'/,1,next,/,/pricing,1,1',
		''
	]);
	expect(await csvOf(shared, 'the paths from entry')).toEqual([
		'step1,step2,step3,step4,sessions,share,pathSessions',
		'/,,,,1,1,1',
		''
	]);
});
