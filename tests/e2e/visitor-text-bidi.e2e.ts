/**
 * Visitors' text with bidi controls and right-to-left letters, in real Chromium: a visit
 * to a Hebrew and an Arabic page fires an event whose name holds a right-to-left override
 * (U+202E) and whose prop value holds a stray pop-isolate (U+2069), an override and Arabic
 * letters. The owner makes it a goal and a funnel step; the dashboard (goals, filter
 * chip, journeys, live visitors), the funnel page and the settings page show each text
 * with its controls by their code points (`U+202E`, $lib/text shownPieces), and the words,
 * signs and counts after it stay after it: a quote is a box of its own for the bidi
 * algorithm (`.quoted`, src/lib/styles/base.css). Before, the override
 * turned the rest of a goal's label round (`go‮now (plan = …)` read `go)… = nalp( won`),
 * and a count after a Hebrew path moved before it (`Through /bidi/שלום: 1 view`).
 */
import type { Browser, Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RunningApp } from '../support/app';
import { ownerPage } from './owner-support';
import { routeStandalonePage, useTrackedApp, waitForRecords } from './tracker-support';

test.describe.configure({ timeout: 180_000 });

let app: RunningApp;
let visitorBrowser: Browser;
useTrackedApp((started) => ({ app, visitorBrowser } = started));

/** An event's name with a right-to-left override in it. */
const NAME = 'go\u202Enow';
/** A prop value: a stray pop-isolate, which ends an isolate early, an override, Arabic. */
const VALUE = '\u2069\u202Eسنوي';
/** How the pages show them: each bidi control by its code point, in a box of its own. */
const SHOWN_NAME = 'goU+202Enow';
const SHOWN_VALUE = 'U+2069U+202Eسنوي';
const HEBREW = '/bidi/שלום';
const ARABIC = '/bidi/مرحبا';

/**
 * Where, in `container`'s text, `text` shows and where `next`, the first time it comes
 * after it, shows: the union of each one's boxes (Range.getClientRects), in CSS px. The
 * text is found across elements (a label split by `<wbr>`, a quote in a box of its own).
 */
async function boxes(container: Locator, text: string, next: string) {
	return container.evaluate(
		(root, [text, next]) => {
			const nodes: [Text, number][] = [];
			let all = '';
			const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				nodes.push([node as Text, all.length]);
				all += (node as Text).data;
			}
			const at = (i: number): [Text, number] => {
				let k = nodes.length - 1;
				while (k > 0 && nodes[k][1] > i) k--;
				return [nodes[k][0], i - nodes[k][1]];
			};
			const box = (from: number, to: number) => {
				const range = document.createRange();
				range.setStart(...at(from));
				range.setEnd(...at(to));
				const rects = [...range.getClientRects()].filter((r) => r.width > 0);
				return {
					left: Math.min(...rects.map((r) => r.left)),
					right: Math.max(...rects.map((r) => r.right)),
					top: Math.min(...rects.map((r) => r.top)),
					bottom: Math.max(...rects.map((r) => r.bottom))
				};
			};
			const start = all.indexOf(text);
			const after = all.indexOf(next, start + text.length);
			if (start < 0 || after < 0) throw new Error(`no ${text} then ${next} in ${all}`);
			return { text: box(start, start + text.length), next: box(after, after + next.length) };
		},
		[text, next]
	);
}

/** That `next` shows right after `text` on its line, as an unquoted left-to-right line has it. */
async function expectAfter(container: Locator, text: string, next: string) {
	const { text: quoted, next: after } = await boxes(container, text, next);
	const middle = (after.top + after.bottom) / 2;
	expect(middle, `${next} is on the line of ${text}`).toBeGreaterThan(quoted.top);
	expect(middle, `${next} is on the line of ${text}`).toBeLessThan(quoted.bottom);
	expect(after.left, `${next} shows after ${text}`).toBeGreaterThanOrEqual(quoted.right - 1);
}

test('text visitors sent with bidi controls or right-to-left letters shows its controls by their codes and reorders nothing around it', async ({
	browser
}) => {
	// The visit: the Hebrew page, a link to the Arabic one, the event there.
	const context = await visitorBrowser.newContext({ viewport: { width: 1280, height: 900 } });
	await routeStandalonePage(
		context,
		app,
		'/bidi/',
		{},
		`<p><a href="${encodeURI(ARABIC)}">next</a></p>`
	);
	const visitor = await context.newPage();
	// Tagged with a source that starts with a zero-width space (an outside probe: it read
	// as another source).
	await visitor.goto(`${app.url}${HEBREW}?utm_source=%E2%80%8Bnews`);
	await visitor.waitForFunction(() => 'couchstats' in window);
	await visitor.getByRole('link', { name: 'next' }).click();
	await visitor.waitForFunction(() => 'couchstats' in window);
	await visitor.evaluate(
		([name, value]) =>
			(window as unknown as { couchstats: { track(n: string, p: object): void } }).couchstats.track(
				name,
				{ plan: value }
			),
		[NAME, VALUE]
	);
	const records = await waitForRecords(
		app,
		(all) =>
			all.filter((r) => r.path?.startsWith('/bidi/') && r.type === 'pageview').length >= 2 &&
			all.some((r) => r.type === 'event' && r.name === NAME)
	);
	// Stored as sent: the controls kept, the paths as the browser encoded them.
	const event = records.find((r) => r.type === 'event' && r.name === NAME);
	expect(event && 'props' in event ? event.props : undefined).toEqual({ plan: VALUE });

	// The owner's goal and funnel on the event with its prop value.
	const owner = await ownerPage(browser, app);
	await owner.setViewportSize({ width: 1280, height: 900 });
	await owner.goto(`${app.url}/sites/demo/settings`);
	await owner.waitForLoadState('networkidle');
	const eventGoal = owner.getByRole('form', { name: 'Add an event goal' });
	await eventGoal.getByLabel('Event name').fill(NAME);
	await eventGoal.getByLabel('Prop name (optional)').fill('plan');
	await eventGoal.getByLabel('Prop value (optional)').fill(VALUE);
	await eventGoal.getByRole('button', { name: 'Add event goal' }).click();
	const saved = owner.getByRole('status').filter({ hasText: /^Added the/ });
	await expect(saved).toHaveText(`Added the goal ${SHOWN_NAME} (plan = ${SHOWN_VALUE}).`);
	await expectAfter(saved, SHOWN_VALUE, ')');
	const form = owner.getByRole('form', { name: 'Add a funnel' });
	const step = (n: number) => form.getByRole('group', { name: `Step ${n}` });
	await form.getByLabel('Funnel name').fill('Bidi');
	await step(1).getByLabel('Path or event').fill(encodeURI(HEBREW));
	await step(2).getByLabel('Kind').selectOption('event');
	await step(2).getByLabel('Path or event').fill(NAME);
	await step(2).getByLabel('Prop name (events, optional)').fill('plan');
	await step(2).getByLabel('Prop value (optional)').fill(VALUE);
	await form.getByRole('button', { name: 'Add funnel' }).click();
	await expect(saved).toHaveText('Added the funnel Bidi.');
	const goalItem = owner.locator('#goals-heading + p + ul li').first();
	await expect(goalItem).toContainText(`Event ${SHOWN_NAME} (plan = ${SHOWN_VALUE})`);
	await expectAfter(goalItem, SHOWN_NAME, '(');
	const funnelItem = owner.locator('ul.funnels > li').first();
	await expect(funnelItem).toContainText(
		`page ${HEBREW} → event ${SHOWN_NAME} (plan = ${SHOWN_VALUE})`
	);
	await expectAfter(funnelItem, SHOWN_NAME, '(');
	await expectAfter(funnelItem, 'plan', '=');
	// Labels built from the text are the strings they were.
	await expect(
		goalItem.getByRole('button', { name: `Remove the goal ${NAME} (plan = ${VALUE})`, exact: true })
	).toBeVisible();

	// The dashboard: the goal's row, the journey through the Hebrew page, live visitors.
	const query = new URLSearchParams({ range: '7d', journey: encodeURI(HEBREW) });
	await owner.goto(`${app.url}/sites/demo?${query}`);
	const goal = owner.locator('#goals tbody th');
	await expect(goal).toHaveText(`${SHOWN_NAME} (plan = ${SHOWN_VALUE})`);
	// Each control a boxed code: the name cannot pass for another (an outside probe's event
	// `\u202Epu ngis\u202C` read "sign up").
	await expect(goal.locator('.hidden-code')).toHaveText(['U+202E', 'U+2069', 'U+202E']);
	await expectAfter(goal, SHOWN_NAME, '(');
	await expectAfter(goal, 'plan', '=');
	await expectAfter(goal, SHOWN_VALUE, ')');
	const through = owner.locator('#journeys .through');
	// The page's recorded form after it, for screen readers (read, not shown).
	await expect(through).toContainText(
		`Through ${HEBREW} (recorded as ${encodeURI(HEBREW)}): 1 view`
	);
	await expectAfter(through, HEBREW, ':');
	await expectAfter(through, HEBREW, '1');
	// An isolate adds nothing to an accessible name (an inline block would add spaces).
	await expect(owner.locator('#journeys table').first()).toHaveAccessibleName(
		new RegExp(`^Pages before ${HEBREW}, \\d{4}-`)
	);
	const live = owner.getByTestId('live-visitors').locator('li').first();
	await expect(live).toContainText(`on ${ARABIC} · 2 pages`);
	await expectAfter(live, ARABIC, '2');

	// The goal's filter: the chip and its sentence.
	await owner.locator('#goals tbody').getByRole('link').click();
	const chip = owner.getByTestId('filter-bar').locator('.chip');
	await expect(chip).toContainText(`Filtered by event ${SHOWN_NAME} with plan = ${SHOWN_VALUE}`);
	await expectAfter(chip, SHOWN_NAME, 'with');
	await expectAfter(chip, 'plan', '=');
	await expectAfter(chip, SHOWN_VALUE, '×');
	await expect(chip.locator('strong > *').first()).toHaveCSS('unicode-bidi', 'isolate');
	const meaning = owner.getByTestId('filter-bar').locator('.meaning');
	await expect(meaning).toContainText(`with plan = ${SHOWN_VALUE}: how often`);
	await expectAfter(meaning, SHOWN_VALUE, ':');

	// The funnel page: each step's label, then its count.
	await owner.goto(`${app.url}/sites/demo/funnels?range=7d`);
	await expect(owner.getByTestId('funnel-step-sessions')).toHaveText(['1', '1']);
	const label = owner.getByTestId('funnel-step').locator('.label');
	await expect(label).toHaveText([
		`page ${HEBREW}:`,
		`event ${SHOWN_NAME} (plan = ${SHOWN_VALUE}):`
	]);
	await expectAfter(label.last(), SHOWN_NAME, '(');
	await expectAfter(label.last(), SHOWN_VALUE, ')');

	// The session list and the session's timeline: its source with the space by its code.
	await owner.goto(`${app.url}/sites/demo/sessions?range=7d`);
	const row = owner.locator('tbody tr', { has: owner.locator('.hidden-code') }).first();
	await expect(row.locator('.hidden-code')).toHaveText('U+200B');
	await expect(row).toContainText('U+200Bnews');
	await row.getByRole('link').first().click();
	await expect(owner.locator('dd', { has: owner.locator('.hidden-code') })).toHaveText(
		'U+200Bnews'
	);
	await context.close();
});
